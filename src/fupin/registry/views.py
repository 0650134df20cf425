"""Registry web pages. Reads go through `selectors`, writes through `services`; views parse and render.

A household outside the user's read scope is 404 whatever the action (its existence is not
revealed); a household the user may read but not change is 403 on every write.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.core.exceptions import ValidationError as ModelValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fupin.areas import selectors as area_selectors
from fupin.core import codes, pii
from fupin.core.panels import household_panels
from fupin.core.roles import Role
from fupin.figures.selectors import area_figures

from . import selectors, services
from .forms import (
    MAX_VILLAGE_CHOICES,
    PAGE_SIZE,
    ChangeHeadForm,
    ConditionsForm,
    HouseholdFilterForm,
    HouseholdForm,
    IncomeForm,
    MemberForm,
    RemoveMemberForm,
)
from .history import household_changes
from .models import Household, Income, LivingConditions, Member

MAX_MEMBER_ROWS = 30
GET_POST = require_http_methods(["GET", "POST"])


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _readable(request: HttpRequest, pk: int) -> Household:
    household = selectors.households_for(user=request.user).select_related("village", "group").filter(pk=pk)
    found = household.first()
    if found is None:
        raise Http404(_("没有找到该户"))
    return found


def _writable(request: HttpRequest, pk: int, *, manage: bool = False) -> Household:
    """The household if the user may change it: 404 outside the read scope, 403 for read-only roles."""
    household = _readable(request, pk)
    user = request.user
    if not user.writes_registry or (manage and not user.manages_households):
        raise PermissionDenied(_("您没有修改该户的权限"))
    if not selectors.writable_households_for(user=user).filter(pk=pk).exists():
        raise PermissionDenied(_("您没有修改该户的权限"))
    return household


def _live_member(household: Household, member_pk: int) -> Member:
    member = Member.objects.filter(household=household, pk=member_pk, left_on__isnull=True).first()
    if member is None:
        raise Http404(_("没有找到该成员"))
    return member


def _village_choices(queryset) -> list[tuple[str, str]] | None:
    """(code, name) of the villages, or None when there are too many for a select."""
    rows = list(queryset.values_list("code", "name")[: MAX_VILLAGE_CHOICES + 1])
    if len(rows) > MAX_VILLAGE_CHOICES:
        return None
    return [(code, f"{name}（{code}）") for code, name in rows]


def _attempt(form, service: Callable[..., object], **kwargs) -> bool:
    """Call a service; its problems land on the form's fields. True when saved."""
    try:
        service(**kwargs)
    except services.ConcurrentEdit as exc:
        form.add_error(None, str(exc))
    except services.ValidationFailed as exc:
        for problem in exc.problems:
            form.add_problem(problem.field, problem.message)
    except ModelValidationError as exc:
        for field, errors in exc.message_dict.items():
            for error in errors:
                form.add_problem(field, error)
    except services.NotPermitted as exc:
        raise PermissionDenied(str(exc)) from exc
    else:
        return True
    return False


def _version(form) -> int | None:
    version = form.cleaned_data.get("version")
    if version is None:
        form.add_error(None, _("页面缺少版本信息，请刷新页面后重新编辑（您的修改未保存）"))
    return version


def _detail_url(household: Household, anchor: str = "") -> str:
    url = reverse("registry:household_detail", args=[household.pk])
    return f"{url}#{anchor}" if anchor else url


# ---------------------------------------------------------------------------------------- reading


@login_required
@GET_POST
def household_list(request: HttpRequest) -> HttpResponse:
    """The list and its filters. The page's own form posts them, so a search by ID number stays out of
    URLs, browser history and access logs; links with the filters in the query string work too."""
    user = request.user
    if not user.reads_households:
        raise PermissionDenied(_("您的角色不能查看贫困户名单"))
    villages = _village_choices(area_selectors.villages_for(user=user))
    data = request.POST if request.method == "POST" else request.GET
    form = HouseholdFilterForm(data or None, villages=villages, may_search_id=user.may_unmask)
    if bad := form.bad_parameters():
        raise BadRequest(_("查询条件无效：%(fields)s") % {"fields": "、".join(bad)})
    filters = form.filters()
    page = form.page_number()
    queryset = selectors.household_list(user=user, **filters)
    if form.is_bound and "q" in form.errors:
        queryset = queryset.none()
    # One row more than a page says whether there is a next page, without counting a province.
    rows = list(queryset[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = _labelled(rows[:PAGE_SIZE])
    refused = form.is_bound and "q" in form.errors
    total = None if refused else _list_total(user, filters, queryset)
    context = {
        "form": form,
        "rows": rows,
        "page": page,
        "has_next": has_next,
        "has_previous": page > 1,
        "total": total,
        "first_row": (page - 1) * PAGE_SIZE + 1,
        "last_row": (page - 1) * PAGE_SIZE + len(rows),
        "filtered": any(value not in (None, "") for value in filters.values()),
        "may_create": user.manages_households,
        "labels": _list_labels(),
    }
    return render(request, "registry/household_list.html", context)


def _list_total(user, filters: dict, queryset) -> int | None:
    """How many households the list holds: from the stored figures when it is filtered by area and
    status only (any area, a province too), else counted when it is one village, else not shown."""
    by_area_only = not any(v not in (None, "") for k, v in filters.items() if k not in ("village", "status"))
    if by_area_only and not (user.role == Role.HELPER and not user.is_admin):
        if not user.is_admin and not user.area_id:
            return 0  # no area: sees nothing (core.scope), whatever the figures say
        area, village = (None if user.is_admin else user.area_id), filters.get("village")
        if village and area and not village.startswith(area):
            if not area.startswith(village):
                return 0  # a village outside the user's area: the list is empty
            village = area
        figures = area_figures(area=village or area)
        status = filters.get("status")
        return figures.households.get(status, 0) if status else figures.total_households
    one_village = len(filters.get("village") or "") >= 12 or len(user.area_id or "") >= 12
    return queryset.count() if one_village else None


STATUS_COLOURS = {"exited": "success", "returned": "warning", "removed": "secondary"}


def _list_labels() -> dict[str, str]:
    """The list's column labels, translated once per page (they repeat in every row's data-label)."""
    return {
        "household_no": _("户编号"),
        "head": _("户主"),
        "id_number": _("证件号码"),
        "village": _("村"),
        "size": _("人口"),
        "attribute": _("贫困户属性"),
        "main_cause": _("主要致贫原因"),
        "status": _("状态"),
        "phone": _("联系电话"),
    }


def _labelled(rows: list[Household]) -> list[Household]:
    """Code labels and links for a page of rows: each code list translated once, not once per row."""
    attribute = {code: str(label) for code, label in codes.HOUSEHOLD_ATTRIBUTE.choices}
    cause = {code: str(label) for code, label in codes.POVERTY_CAUSE.choices}
    status = {code: str(label) for code, label in codes.HOUSEHOLD_STATUS.choices}
    detail = reverse("registry:household_detail", args=[0]).removesuffix("0/")
    for row in rows:
        row.attribute_label = attribute.get(row.attribute, row.attribute)
        row.main_cause_label = cause.get(row.main_cause, row.main_cause)
        row.status_label = status.get(row.status, row.status)
        row.status_colour = STATUS_COLOURS.get(row.status, "danger")
        row.url = f"{detail}{row.pk}/"
    return rows


def _detail_context(
    request: HttpRequest, household: Household, unmasked: dict | None = None, unmasked_ids: dict | None = None
) -> dict:
    user = request.user
    members = list(household.members.all())
    live = [m for m in members if m.left_on is None]
    incomes = [(income, income.per_capita(len(live))) for income in household.incomes.all()]
    try:
        conditions = household.conditions
    except LivingConditions.DoesNotExist:
        conditions = None
    return {
        "household": household,
        "members": live,
        "left_members": [m for m in members if m.left_on is not None],
        "incomes": incomes,
        "persons": len(live),
        "conditions": conditions,
        "condition_rows": _condition_rows(conditions),
        "status_changes": list(household.status_changes.all()),
        "changes": household_changes(household),
        "may_write": user.writes_registry,
        "may_manage": user.manages_households,
        "may_unmask": user.may_unmask,
        "unmasked": unmasked or {},
        "unmasked_ids": unmasked_ids or {},
        "panels": household_panels(request, household),
    }


def _condition_rows(conditions: LivingConditions | None) -> list[tuple[str, object]]:
    if conditions is None:
        return []
    rows = []
    for field in LivingConditions._meta.concrete_fields:
        if field.name in ("id", "household", "version"):
            continue
        value = getattr(conditions, field.name)
        if field.choices:
            value = getattr(conditions, f"get_{field.name}_display")()
        rows.append((field.verbose_name, value))
    return rows


@login_required
@require_GET
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        household = selectors.household_detail(user=request.user, pk=pk)
    except Household.DoesNotExist as exc:
        raise Http404(_("没有找到该户")) from exc
    return render(request, "registry/household_detail.html", _detail_context(request, household))


@login_required
@require_POST
def household_unmask(request: HttpRequest, pk: int) -> HttpResponse:
    """显示完整号码: one number, shown to a role allowed to see it, and written to the audit trail."""
    household = _readable(request, pk)
    pii.ensure_may_unmask(request.user)
    field = request.POST.get("field", "")
    if field == "id_number":
        member_pk = request.POST.get("member", "")
        member = (
            household.members.filter(pk=int(member_pk)).first()
            if member_pk.isdigit() and len(member_pk) <= 18
            else None
        )
        if member is None:
            raise Http404(_("没有找到该成员"))
        record, unmasked, unmasked_ids = member, {}, {}
    elif field in ("phone", "bank_account"):
        record, unmasked, unmasked_ids = household, {}, {}
    else:
        return HttpResponseBadRequest(_("未知的号码类型"))
    value = pii.reveal(
        actor=request.user,
        record=record,
        fields=[field],
        via="household_page",
        detail={"household": household.household_no},
    )[field]
    if record is household:
        unmasked[field] = value
    else:
        unmasked_ids[record.pk] = value
    if _is_htmx(request):
        return render(request, "registry/_unmasked.html", {"value": value})
    household = selectors.household_detail(user=request.user, pk=pk)
    context = _detail_context(request, household, unmasked, unmasked_ids)
    return render(request, "registry/household_detail.html", context)


# ---------------------------------------------------------------------------------------- registering


def _member_indices(post) -> list[int]:
    found = {int(m.group(1)) for key in post for m in [re.match(r"^members-(\d+)-", key)] if m}
    return sorted(found | {0})[:MAX_MEMBER_ROWS]


def _creatable_villages(request: HttpRequest) -> list[tuple[str, str]] | None:
    user = request.user
    if not user.manages_households:
        raise PermissionDenied(_("您的角色不能登记贫困户"))
    queryset = area_selectors.writable_villages_for(user=user)
    villages = _village_choices(queryset)
    if villages == []:
        raise PermissionDenied(_("您的区域内还没有村，请先添加村"))
    return villages


@login_required
@GET_POST
def household_create(request: HttpRequest) -> HttpResponse:
    villages = _creatable_villages(request)
    if request.method == "GET":
        form = HouseholdForm(prefix="household", villages=villages)
        member_forms = [MemberForm(index=0, initial={"relation": "head"}), MemberForm(index=1)]
        income_form = IncomeForm(prefix="income")
        return _render_create(request, form, member_forms, income_form, [])
    form = HouseholdForm(request.POST, prefix="household", villages=villages)
    member_forms = [MemberForm(request.POST, index=i) for i in _member_indices(request.POST)]
    income_form = IncomeForm(request.POST, prefix="income")
    member_errors: list[str] = []
    for each in [form, income_form, *member_forms]:
        each.is_valid()
    used = [f for f in member_forms if not f.is_blank()]
    incomes = [] if income_form.is_blank() else [income_form.data_for_service()]
    try:
        household = services.create_household(
            actor=request.user,
            household=form.data_for_service(),
            members=[f.data_for_service() for f in used],
            incomes=incomes,
        )
    except services.ValidationFailed as exc:
        for problem in exc.problems:
            _place_problem(problem, form, used, income_form, member_errors)
    except services.NotPermitted as exc:
        form.add_problem("village", str(exc))
    else:
        messages.success(request, _("已登记贫困户 %(no)s") % {"no": household.household_no})
        return redirect(_detail_url(household))
    return _render_create(request, form, member_forms, income_form, member_errors)


def _place_problem(problem, form, members: list[MemberForm], income_form, member_errors: list[str]) -> None:
    field = problem.field
    match = re.match(r"^members\.(\d+)\.(.+)$", field)
    if match and int(match.group(1)) < len(members):
        members[int(match.group(1))].add_problem(match.group(2), problem.message)
    elif field in ("members", "head_id_number") or field.startswith("members."):
        member_errors.append(problem.message)
    elif field.startswith("incomes."):
        income_form.add_problem(field.split(".", 2)[-1], problem.message)
    elif field == "incomes":
        income_form.add_problem("year", problem.message)
    else:
        form.add_problem(field, problem.message)


def _render_create(request, form, member_forms, income_form, member_errors) -> HttpResponse:
    context = {
        "form": form,
        "member_forms": member_forms,
        "income_form": income_form,
        "member_errors": member_errors,
        "next_index": max(f.index for f in member_forms) + 1,
        "has_errors": bool(
            form.errors or income_form.errors or member_errors or any(f.errors for f in member_forms)
        ),
    }
    return render(request, "registry/household_create.html", context)


@login_required
@require_GET
def member_row(request: HttpRequest) -> HttpResponse:
    """One more empty member row for the registration form (htmx)."""
    _creatable_villages(request)  # the same permission as the registration form it belongs to
    index = request.GET.get("index", "")
    if not index.isdigit() or not 0 < int(index) < MAX_MEMBER_ROWS:
        return HttpResponseBadRequest(_("成员行编号不对"))
    form = MemberForm(index=int(index))
    context = {"member_form": form, "index": form.index, "next_index": form.index + 1, "oob": True}
    return render(request, "registry/_member_row.html", context)


# ---------------------------------------------------------------------------------------- editing


def _form_page(request, household, form, *, title: str, submit: str, anchor: str, danger: bool = False):
    context = {"household": household, "form": form, "title": title, "submit": submit, "danger": danger}
    context["cancel"] = _detail_url(household, anchor)
    return render(request, "registry/form_page.html", context)


@login_required
@GET_POST
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = _writable(request, pk)
    if request.method == "GET":
        form = HouseholdForm(initial=HouseholdForm.initial_for(household))
        # The form shows the full phone and account: an unmasked view like any other, audited.
        shown = [name for name in ("phone", "bank_account") if getattr(household, name)]
        if shown:
            pii.reveal(actor=request.user, record=household, fields=shown, via="household_edit")
    else:
        form = HouseholdForm(request.POST)
        if form.is_valid() and (version := _version(form)) is not None:
            if _attempt(
                form,
                services.update_household,
                actor=request.user,
                household=household,
                data=form.data_for_service(),
                expected_version=version,
            ):
                messages.success(request, _("已保存该户信息"))
                return redirect(_detail_url(household))
    return _form_page(request, household, form, title=_("修改户信息"), submit=_("保存"), anchor="household")


@login_required
@GET_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    household = _writable(request, pk)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _attempt(
            form, services.add_member, actor=request.user, household=household, data=form.data_for_service()
        ):
            messages.success(request, _("已添加成员 %(name)s") % {"name": form.cleaned_data["name"]})
            return redirect(_detail_url(household, "members"))
    return _form_page(request, household, form, title=_("添加家庭成员"), submit=_("添加"), anchor="members")


@login_required
@GET_POST
def member_edit(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    household = _writable(request, pk)
    member = _live_member(household, member_pk)
    if request.method == "GET":
        form = MemberForm(initial=MemberForm.initial_for(member))
        # The edit form shows the full ID number: an unmasked view like any other, audited.
        pii.reveal(actor=request.user, record=member, fields=["id_number"], via="member_edit")
    else:
        form = MemberForm(request.POST)
        if form.is_valid() and (version := _version(form)) is not None:
            if _attempt(
                form,
                services.update_member,
                actor=request.user,
                member=member,
                data=form.data_for_service(),
                expected_version=version,
            ):
                messages.success(request, _("已保存成员 %(name)s") % {"name": member.name})
                return redirect(_detail_url(household, "members"))
    title = _("修改家庭成员：%(name)s") % {"name": member.name}
    return _form_page(request, household, form, title=title, submit=_("保存"), anchor="members")


@login_required
@GET_POST
def member_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    household = _writable(request, pk)
    member = _live_member(household, member_pk)
    form = RemoveMemberForm(request.POST or None, initial={"version": member.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _attempt(
            form,
            services.remove_member,
            actor=request.user,
            member=member,
            reason=data["reason"],
            on_date=data["on_date"],
            expected_version=data["version"],
        ):
            messages.success(request, _("%(name)s 已减员") % {"name": member.name})
            return redirect(_detail_url(household, "members"))
    title = _("成员减员：%(name)s") % {"name": member.name}
    return _form_page(
        request, household, form, title=title, submit=_("确认减员"), anchor="members", danger=True
    )


@login_required
@GET_POST
def change_head(request: HttpRequest, pk: int) -> HttpResponse:
    household = _writable(request, pk)
    live = list(Member.objects.filter(household=household, left_on__isnull=True).order_by("id"))
    head = next((m for m in live if m.relation == "head"), None)
    if head is None:
        raise Http404(_("该户没有在册的户主"))
    candidates = [m for m in live if m.pk != head.pk]
    form = ChangeHeadForm(request.POST or None, candidates=candidates, head=head)
    if not candidates:
        form.add_error(None, _("该户没有其他在册成员，不能变更户主"))
    elif request.method == "POST" and form.is_valid():
        seen = form.seen_versions()
        new_head = next(m for m in candidates if m.pk == form.cleaned_data["new_head"])
        if new_head.pk not in seen or head.pk not in seen:
            form.add_error(None, _("页面缺少版本信息，请刷新页面后重新编辑（您的修改未保存）"))
        else:
            if _attempt(
                form,
                services.change_head,
                actor=request.user,
                household=household,
                new_head=new_head,
                former_head_relation=form.cleaned_data["former_head_relation"],
                new_head_version=seen[new_head.pk],
                former_head_version=seen[head.pk],
            ):
                messages.success(request, _("户主已变更为 %(name)s") % {"name": new_head.name})
                return redirect(_detail_url(household, "members"))
    title = _("变更户主（现户主：%(name)s）") % {"name": head.name}
    return _form_page(request, household, form, title=title, submit=_("变更户主"), anchor="members")


@login_required
@GET_POST
def income_add(request: HttpRequest, pk: int) -> HttpResponse:
    household = _writable(request, pk)
    form = IncomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _attempt(
            form, services.set_income, actor=request.user, household=household, data=form.data_for_service()
        ):
            messages.success(request, _("已登记%(year)s年收入") % {"year": form.cleaned_data["year"]})
            return redirect(_detail_url(household, "incomes"))
    return _form_page(request, household, form, title=_("登记年度收入"), submit=_("保存"), anchor="incomes")


@login_required
@GET_POST
def income_edit(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    household = _writable(request, pk)
    income = Income.objects.filter(household=household, year=year).first()
    if income is None:
        raise Http404(_("没有该年度的收入记录"))
    if request.method == "GET":
        form = IncomeForm(initial=IncomeForm.initial_for(income), fixed_year=True)
    else:
        form = IncomeForm(request.POST, fixed_year=True)
        if form.is_valid() and (version := _version(form)) is not None:
            data = {**form.data_for_service(), "year": str(year)}
            if _attempt(
                form,
                services.set_income,
                actor=request.user,
                household=household,
                data=data,
                expected_version=version,
            ):
                messages.success(request, _("已保存%(year)s年收入") % {"year": year})
                return redirect(_detail_url(household, "incomes"))
    title = _("修改%(year)s年收入") % {"year": year}
    return _form_page(request, household, form, title=title, submit=_("保存"), anchor="incomes")


@login_required
@GET_POST
def conditions_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = _writable(request, pk)
    conditions = LivingConditions.objects.filter(household=household).first()
    if request.method == "GET":
        initial = {"version": conditions.version} if conditions else {}
        form = ConditionsForm(instance=conditions, initial=initial)
    else:
        # A blank instance: the service, not the form, changes the stored row.
        form = ConditionsForm(request.POST, instance=LivingConditions(household=household))
        if form.is_valid():
            version = form.cleaned_data.get("version")
            if conditions is not None and version is None:
                form.add_error(None, _("页面缺少版本信息，请刷新页面后重新编辑（您的修改未保存）"))
            else:
                if _attempt(
                    form,
                    services.update_conditions,
                    actor=request.user,
                    household=household,
                    data=form.data_for_service(),
                    expected_version=version,
                ):
                    messages.success(request, _("已保存生产生活条件"))
                    return redirect(_detail_url(household, "conditions"))
    return _form_page(
        request, household, form, title=_("修改生产生活条件"), submit=_("保存"), anchor="conditions"
    )
