"""Pages of assistance: thin — they parse, call a service or a selector, render."""

from __future__ import annotations

import datetime as dt
import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.areas.models import Area
from fupin.core import audit, csvsafe
from fupin.core.pdf import render_pdf
from fupin.core.roles import Role
from fupin.core.scope import in_area
from fupin.registry.models import Household, Member
from fupin.registry.selectors import household_detail, households_for

from . import leftbehind, selectors, services
from .forms import (
    AssignForm,
    AssignVillageForm,
    HelperForm,
    MeasureForm,
    PlanForm,
    PlanItemForm,
    UnitForm,
    VisitForm,
)
from .models import (
    LEFT_BEHIND_KINDS,
    MEASURE_KINDS,
    Helper,
    HelperAssignment,
    HelpingUnit,
    LeftBehindEntry,
    Photo,
    PlanItem,
)
from .validation import FIELDS, describe


def _household(request: HttpRequest, pk: int) -> Household:
    household = households_for(user=request.user).select_related("village").filter(pk=pk).first()
    if household is None:
        raise Http404(_("没有找到该户"))
    return household


def may_work_on(user, household: Household) -> bool:
    """Whether `user` records plans, measures and visits for `household` (a helper: its own)."""
    if user.role == Role.HELPER and not user.is_admin:
        return HelperAssignment.objects.filter(
            helper=user, household=household, end_date__isnull=True
        ).exists()
    return user.writes_registry and households_for(user=user).filter(pk=household.pk).exists()


def _ensure_works_on(request: HttpRequest, household: Household) -> None:
    if not may_work_on(request.user, household):
        raise PermissionDenied(_("您无权为该户录入帮扶信息"))


def _ensure_manager(request: HttpRequest) -> None:
    if not request.user.manages_households:
        raise PermissionDenied(_("您无权管理帮扶责任人和结对"))


def _ensure_reader(request: HttpRequest) -> None:
    if not request.user.reads_households:
        raise PermissionDenied(_("您无权查看帮扶信息"))


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    if not raw:
        return timezone.localdate().year
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise BadRequest(_("年度无效"))
    return int(raw)


def _detail_url(household: Household) -> str:
    return reverse("registry:household_detail", args=[household.pk]) + "#assistance"


# -- the helper's home -----------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """我的帮扶户: a helper's households with what is due (a plan for the year, a visit)."""
    if request.user.role != Role.HELPER:
        raise PermissionDenied(_("此页面为帮扶责任人的工作台"))
    year = timezone.localdate().year
    rows = selectors.my_households(user=request.user, year=year)
    return render(request, "assistance/home.html", {"rows": rows, "year": year})


# -- coverage --------------------------------------------------------------------------------------


@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    if not request.user.reads_aggregates:
        raise PermissionDenied(_("您无权查看帮扶覆盖情况"))
    village = request.GET.get("village", "")
    if village and (not village.isdigit() or len(village) > 15):
        raise BadRequest(_("区划代码无效"))
    rows = selectors.coverage_rows(user=request.user, village=village or None)
    rows = [r for r in rows if r["registered_poor_persons"]]
    if request.GET.get("format") == "csv":
        out = io.StringIO()
        writer = csvsafe.writer(out)
        columns = [
            "village_code",
            "name",
            "registered_poor_persons",
            "persons_with_helper",
            "persons_without_helper",
        ]
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row[c] for c in columns])
        audit.record("export", "assistance.coverage", village, {"rows": len(rows)}, actor=request.user)
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="coverage.csv"'
        return response
    uncovered = selectors.uncovered_members(user=request.user, village=village or None)[:200]
    totals = {
        key: sum(r[key] for r in rows)
        for key in ("registered_poor_persons", "persons_with_helper", "persons_without_helper")
    }
    return render(
        request,
        "assistance/coverage.html",
        {
            "rows": rows,
            "totals": totals,
            "uncovered": uncovered,
            "village": village,
            "may_assign": request.user.manages_households,
        },
    )


# -- helpers, units, assignments ---------------------------------------------------------------------


@login_required
def helpers(request: HttpRequest) -> HttpResponse:
    _ensure_manager(request)
    units = in_area(HelpingUnit.objects.select_related("area", "village"), request.user, "area__code")
    people = in_area(Helper.objects.select_related("unit", "user"), request.user, "area__code")
    live = selectors.live_assignments()
    counts = dict(live.filter(person__in=people).values_list("person").annotate(n=Count("pk")).order_by())
    return render(
        request,
        "assistance/helpers.html",
        {"units": units, "people": [(p, counts.get(p.pk, 0)) for p in people[:500]]},
    )


def _form_page(request, form, *, title, submit, cancel, household=None, multipart=False):
    return render(
        request,
        "assistance/form_page.html",
        {
            "form": form,
            "title": title,
            "submit": submit,
            "cancel": cancel,
            "household": household,
            "multipart": multipart,
        },
    )


@login_required
def unit_create(request: HttpRequest) -> HttpResponse:
    _ensure_manager(request)
    form = UnitForm(request.POST or None, initial={"area": request.user.area_id or ""})
    if request.method == "POST" and form.is_valid():
        try:
            services.create_unit(actor=request.user, data=form.cleaned_data)
            return redirect("assistance:helpers")
        except services.ValidationFailed as exc:
            form.add_problems(exc.problems)
        except services.NotPermitted as exc:
            form.add_error(None, str(exc))
    return _form_page(
        request, form, title=_("新增帮扶单位"), submit=_("保存"), cancel=reverse("assistance:helpers")
    )


@login_required
def helper_create(request: HttpRequest) -> HttpResponse:
    _ensure_manager(request)
    units = in_area(HelpingUnit.objects.all(), request.user, "area__code")
    form = HelperForm(
        request.POST or None,
        units=units,
        initial={"area": request.user.area_id or "", "start_date": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.create_helper(
                actor=request.user, data={**form.cleaned_data, "unit": form.cleaned_data["unit"] or None}
            )
            return redirect("assistance:helpers")
        except services.ValidationFailed as exc:
            form.add_problems(exc.problems)
        except services.NotPermitted as exc:
            form.add_error(None, str(exc))
    return _form_page(
        request, form, title=_("新增帮扶责任人"), submit=_("保存"), cancel=reverse("assistance:helpers")
    )


@login_required
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    _ensure_manager(request)
    household = _household(request, pk)
    # Helpers working in the household's town (or anywhere above it: a county or city unit's cadres).
    code = household.village_id
    people = (
        Helper.objects.filter(end_date__isnull=True)
        .filter(Q(area__code__startswith=code[:9]) | Q(area__code__in=[code[:n] for n in (2, 4, 6)]))
        .select_related("unit")
        .order_by("name", "id")
    )
    form = AssignForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        person = people.filter(pk=form.cleaned_data["person"]).first()
        data = form.cleaned_data
        try:
            if data["replace"]:
                services.reassign(
                    actor=request.user,
                    household=household,
                    person=person,
                    on=data["start_date"],
                    note=data["note"],
                )
            else:
                services.assign(
                    actor=request.user,
                    person=person,
                    household=household,
                    start_date=data["start_date"],
                    note=data["note"],
                )
            return redirect(_detail_url(household))
        except services.ValidationFailed as exc:
            form.add_problems(exc.problems)
        except services.NotPermitted as exc:
            form.add_error(None, str(exc))
    return _form_page(
        request,
        form,
        title=_("结对帮扶"),
        submit=_("保存"),
        cancel=_detail_url(household),
        household=household,
    )


@login_required
def assign_village(request: HttpRequest, code: str) -> HttpResponse:
    _ensure_manager(request)
    village = in_area(Area.objects.filter(level="village"), request.user, "code").filter(code=code).first()
    if village is None:
        raise Http404(_("没有找到该村"))
    units = in_area(HelpingUnit.objects.all(), request.user, "area__code")
    form = AssignVillageForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        unit = units.filter(pk=form.cleaned_data["unit"]).first()
        try:
            count = services.assign_village(
                actor=request.user, village=village, unit=unit, start_date=form.cleaned_data["start_date"]
            )
            return redirect(reverse("assistance:coverage") + f"?village={village.code}&assigned={count}")
        except services.ValidationFailed as exc:
            form.add_problems(exc.problems)
        except services.NotPermitted as exc:
            form.add_error(None, str(exc))
    title = _("按村批量结对：%(name)s") % {"name": village.name}
    return _form_page(request, form, title=title, submit=_("结对"), cancel=reverse("assistance:coverage"))


# -- plan, measures, visits --------------------------------------------------------------------------


@login_required
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    _ensure_works_on(request, household)
    current = getattr(household, "plan", None) if hasattr(household, "plan") else None
    needs_form = PlanForm(prefix="p", initial={"needs": current.needs if current else ""})
    item_form = PlanItemForm(prefix="i", initial={"year": timezone.localdate().year, "state": "planned"})
    if request.method == "POST":
        try:
            if "p-needs" in request.POST:
                needs_form = PlanForm(request.POST, prefix="p")
                if needs_form.is_valid():
                    services.save_plan(
                        actor=request.user, household=household, needs=needs_form.cleaned_data["needs"]
                    )
                    return redirect("assistance:plan", pk=household.pk)
            else:
                item_form = PlanItemForm(request.POST, prefix="i")
                if item_form.is_valid():
                    services.add_plan_item(
                        actor=request.user, household=household, data=item_form.cleaned_data
                    )
                    return redirect("assistance:plan", pk=household.pk)
        except services.ValidationFailed as exc:
            item_form.add_problems(exc.problems)
    items = PlanItem.objects.filter(plan__household=household).order_by("year", "id")
    return render(
        request,
        "assistance/plan.html",
        {
            "household": household,
            "needs_form": needs_form,
            "item_form": item_form,
            "items": items,
            "states": PlanItem._meta.get_field("state").choices,
        },
    )


@login_required
@require_POST
def item_state(request: HttpRequest, pk: int) -> HttpResponse:
    item = PlanItem.objects.select_related("plan__household").filter(pk=pk).first()
    if item is None or not households_for(user=request.user).filter(pk=item.plan.household_id).exists():
        raise Http404(_("没有找到该计划项目"))
    _ensure_works_on(request, item.plan.household)
    try:
        services.set_item_state(actor=request.user, item=item, state=request.POST.get("state", ""))
    except services.ValidationFailed as exc:
        raise BadRequest(exc.problems[0].message) from exc
    return redirect("assistance:plan", pk=item.plan.household_id)


@login_required
def measure_add(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    _ensure_works_on(request, household)
    kind = request.GET.get("kind") or request.POST.get("kind", "")
    if kind not in FIELDS:
        return render(
            request, "assistance/measure_kind.html", {"household": household, "kinds": MEASURE_KINDS}
        )
    form = MeasureForm(request.POST or None, request.FILES or None, kind=kind, household=household)
    if request.method == "POST" and form.is_valid():
        photos = [form.cleaned_data["photo"]] if form.cleaned_data.get("photo") else []
        try:
            services.record_measure(
                actor=request.user, household=household, data=form.service_data(), photos=photos
            )
            return redirect(_detail_url(household))
        except services.ValidationFailed as exc:
            form.add_problems(exc.problems)
        except services.NotPermitted as exc:
            form.add_error(None, str(exc))
    title = _("录入帮扶措施：%(kind)s") % {"kind": dict(MEASURE_KINDS)[kind]}
    return render(
        request,
        "assistance/form_page.html",
        {
            "form": form,
            "title": title,
            "submit": _("保存"),
            "cancel": _detail_url(household),
            "household": household,
            "multipart": True,
            "extra_hidden": {"kind": kind},
        },
    )


@login_required
def visit_add(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    if not (may_work_on(request.user, household) or request.user.role == Role.LEADER):
        raise PermissionDenied(_("您无权为该户录入走访"))
    form = VisitForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        photos = [form.cleaned_data["photo"]] if form.cleaned_data.get("photo") else []
        try:
            services.record_visit(
                actor=request.user,
                household=household,
                data=form.cleaned_data,
                photos=photos,
                token=form.cleaned_data["token"],
            )
            return redirect(_detail_url(household))
        except services.ValidationFailed as exc:
            form.add_problems(exc.problems)
        except services.NotPermitted as exc:
            form.add_error(None, str(exc))
    return _form_page(
        request,
        form,
        title=_("录入走访"),
        submit=_("保存"),
        cancel=_detail_url(household),
        household=household,
        multipart=True,
    )


def _photo(request: HttpRequest, pk: int) -> Photo:
    photo = Photo.objects.select_related("measure__household", "visit").filter(pk=pk).first()
    if photo is None:
        raise Http404(_("没有找到该照片"))
    household_id = photo.household_id
    if household_id is not None:
        visible = households_for(user=request.user).filter(pk=household_id).exists()
    else:
        visible = request.user.reads_households and (
            request.user.is_admin
            or bool(request.user.area_id and photo.village_id.startswith(request.user.area_id))
        )
    if not visible:
        raise Http404(_("没有找到该照片"))
    return photo


@login_required
def photo(request: HttpRequest, pk: int) -> FileResponse:
    return FileResponse(_photo(request, pk).image.open("rb"))


@login_required
def thumbnail(request: HttpRequest, pk: int) -> FileResponse:
    return FileResponse(_photo(request, pk).thumbnail.open("rb"), content_type="image/jpeg")


# -- compliance, checks ------------------------------------------------------------------------------


def _quarters(today: dt.date, count: int = 4) -> list[tuple[int, int]]:
    year, quarter = today.year, (today.month - 1) // 3 + 1
    result = []
    for _i in range(count):
        result.append((year, quarter))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return result


@login_required
def compliance(request: HttpRequest) -> HttpResponse:
    if request.user.role not in (Role.ADMIN, Role.TOWN_OFFICE, Role.LEADER, Role.AUDITOR):
        raise PermissionDenied(_("您无权查看领导走访情况"))
    today = timezone.localdate()
    year = _year(request)
    quarters = _quarters(today) if year == today.year else [(year, q) for q in (4, 3, 2, 1)]
    tables = [(y, q, selectors.compliance_rows(year=y, quarter=q, user=request.user)) for y, q in quarters]
    unvisited = selectors.unvisited_households(user=request.user, on=min(today, dt.date(year, 12, 31)))
    return render(
        request,
        "assistance/compliance.html",
        {
            "tables": tables,
            "unvisited": unvisited[:200],
            "unvisited_count": unvisited.count(),
            "rules": selectors.visit_rules(year),
            "year": year,
        },
    )


@login_required
def checks(request: HttpRequest) -> HttpResponse:
    _ensure_reader(request)
    user, year = request.user, _year(request)
    quarter = (timezone.localdate().month - 1) // 3 + 1 if year == timezone.localdate().year else 4
    no_job = selectors.households_without_agricultural_job(user=user, year=year)
    untrained = selectors.members_without_training(user=user)
    no_plan = selectors.households_without_plan(user=user, year=year)
    names = dict(in_area(Area.objects.filter(level="village"), user, "code").values_list("code", "name"))

    def by_village(queryset, field="village_id"):
        return sorted(
            (code, names.get(code, code), n)
            for code, n in selectors.counts_by_village(queryset, field).items()
        )

    lists = [
        (
            "no_job",
            _("有劳动能力但无人在合作社、龙头企业、家庭农场或种养大户务工的户"),
            by_village(no_job),
            no_job.count(),
        ),
        (
            "untrained",
            _("未参加技能培训的劳动力"),
            by_village(untrained, "household__village_id"),
            untrained.count(),
        ),
        ("no_plan", _("本年度没有帮扶计划的户"), by_village(no_plan), no_plan.count()),
    ]
    rows = (
        selectors.accountability_rows(user=user, year=year, quarter=quarter) if user.reads_aggregates else []
    )
    return render(
        request,
        "assistance/checks.html",
        {"lists": lists, "year": year, "quarter": quarter, "accountability": rows, "no_plan": no_plan[:100]},
    )


# -- the handbook ------------------------------------------------------------------------------------


def _handbook_context(household: Household) -> dict:
    info = selectors.household_assistance(household)
    persons = sum(1 for m in household.members.all() if m.left_on is None)
    incomes = [
        (i.year, i.disposable, i.per_capita(persons))
        for i in sorted(household.incomes.all(), key=lambda i: i.year)
    ]
    return {
        "household": household,
        "members": [m for m in household.members.all() if m.left_on is None],
        "info": info,
        "measures": [(m, describe(m.kind, m.details)) for m in info.measures],
        "incomes": incomes,
    }


@login_required
def handbook(request: HttpRequest, pk: int) -> HttpResponse:
    _ensure_reader(request)
    try:
        household = household_detail(user=request.user, pk=pk)
    except Household.DoesNotExist as exc:
        raise Http404(_("没有找到该户")) from exc
    pdf = render_pdf(
        "assistance/handbook.html", {"books": [_handbook_context(household)], "today": timezone.localdate()}
    )
    audit.record("export", "assistance.handbook", household.household_no, {}, actor=request.user)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="handbook-{household.household_no}.pdf"'
    return response


@login_required
def village_handbook(request: HttpRequest, code: str) -> HttpResponse:
    _ensure_reader(request)
    households = households_for(user=request.user).filter(village_id=code, status__in=selectors.POOR_STATUSES)
    if not in_area(Area.objects.filter(code=code, level="village"), request.user, "code").exists():
        raise Http404(_("没有找到该村"))
    books = []
    for h in households.order_by("household_no")[:300]:
        books.append(_handbook_context(household_detail(user=request.user, pk=h.pk)))
    pdf = render_pdf("assistance/handbook.html", {"books": books, "today": timezone.localdate()})
    audit.record("export", "assistance.handbook", code, {"households": len(books)}, actor=request.user)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="handbook-{code}.pdf"'
    return response


# -- the left-behind and disabled register -------------------------------------------------------------


@login_required
def left_behind(request: HttpRequest) -> HttpResponse:
    _ensure_reader(request)
    kind = request.GET.get("kind", "")
    if kind and kind not in dict(LEFT_BEHIND_KINDS):
        raise BadRequest(_("类别无效"))
    members = Member.objects.filter(household__in=households_for(user=request.user))
    entries = LeftBehindEntry.objects.filter(member__in=members).select_related(
        "member", "member__household", "village"
    )
    live = entries.filter(ended_on__isnull=True)
    if kind:
        live = live.filter(kind=kind)
    since = timezone.localdate() - dt.timedelta(days=90)
    changes = entries.filter(Q(since__gte=since) | Q(ended_on__gte=since)).order_by("-ended_on", "-since")[
        :100
    ]
    counts = dict(
        entries.filter(ended_on__isnull=True).values_list("kind").annotate(n=Count("pk")).order_by()
    )
    return render(
        request,
        "assistance/left_behind.html",
        {
            "entries": live.order_by("village_id", "kind", "member__household__household_no")[:500],
            "changes": changes,
            "kinds": [(code, label, counts.get(code, 0)) for code, label in LEFT_BEHIND_KINDS],
            "kind": kind,
            "may_refresh": request.user.manages_households,
        },
    )


@login_required
@require_POST
def left_behind_refresh(request: HttpRequest) -> HttpResponse:
    _ensure_manager(request)
    if not request.user.is_admin and not request.user.area_id:
        raise PermissionDenied(_("您没有所属区域"))
    added, ended = leftbehind.refresh(village=None if request.user.is_admin else request.user.area_id)
    audit.record(
        "assistance.left_behind_refresh", "", "", {"added": added, "ended": ended}, actor=request.user
    )
    return redirect("assistance:left_behind")
