"""Pages of procedures: the work list, the engine's 拟脱贫名单, one procedure with its steps, the
printable notice. Thin: parse, call `services`, render; a refusal shows the service's Chinese message."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fupin.core import audit
from fupin.core.pdf import render_pdf
from fupin.registry.selectors import households_for, incomes_for

from . import definitions, selectors, services
from .forms import ObjectionForm, ResolveForm, StepForm
from .models import Notice, Objection, Procedure

STATUS_OF = {"not_permitted": 403, "already_done": 409}


def _procedure(request, pk: int) -> Procedure:
    try:
        return selectors.procedure_detail(user=request.user, pk=pk)
    except Procedure.DoesNotExist:
        raise Http404(_("没有找到该程序")) from None


def _may_start(user) -> bool:
    return user.is_admin or user.role in ("village_cadre", "town_office")


@login_required
@require_GET
def work_list(request: HttpRequest) -> HttpResponse:
    items = selectors.work_list(user=request.user)
    context = {
        "items": items,
        "open": selectors.open_procedures(user=request.user)[:500],
        "objections": selectors.open_objections(user=request.user)[:200],
        "may_start": _may_start(request.user),
    }
    return render(request, "procedures/work_list.html", context)


def _year(request) -> int:
    """The asked year; by default the latest year with incomes in the user's scope (not after today)."""
    raw = request.GET.get("year", "")
    if not raw:
        latest = (
            incomes_for(user=request.user)
            .filter(year__lte=services.today().year)
            .aggregate(y=Max("year"))["y"]
        )
        return latest or services.today().year
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise BadRequest(_("年度无效"))
    return int(raw)


@login_required
@require_GET
def exit_candidates(request: HttpRequest) -> HttpResponse:
    if not _may_start(request.user):
        raise PermissionDenied(_("您没有提出脱贫退出的权限"))
    year = _year(request)
    rows = selectors.exit_candidates(user=request.user, year=year)
    return render(
        request,
        "procedures/exit_candidates.html",
        {"rows": rows, "year": year, "years": range(2016, services.today().year + 1)},
    )


def _render_detail(
    request, procedure: Procedure, *, form=None, status: int = 200, error: str = ""
) -> HttpResponse:
    definition = procedure.definition
    spec = procedure.current_step
    refusal = services.refusal_for(request.user, procedure) if spec else None
    if spec is not None and refusal is None and form is None:
        form = StepForm(
            spec=spec, initial={"current": procedure.current, "date": services.today().isoformat()}
        )
    steps = {s.index: s for s in procedure.steps.all()}
    rows = []
    for spec_row in definition.steps:
        step = steps.get(spec_row.index)
        labels = {f.name: f.label for f in spec_row.fields}
        shown = (
            [(labels[k], v) for k, v in step.data.items() if k in labels]
            if step and not step.notice_id
            else []
        )
        rows.append({"spec": spec_row, "step": step, "shown": shown})
    objections = list(procedure.objections.all())
    context = {
        "procedure": procedure,
        "definition": definition,
        "rows": rows,
        "spec": spec,
        "refusal": refusal,
        "form": form if refusal is None else None,
        "objections": objections,
        "objection_form": ObjectionForm(initial={"received": services.today().isoformat()}),
        "resolve_form": ResolveForm(),
        "may_object": procedure.state == "open"
        and any(s.notice_id for s in steps.values())
        and _may_start(request.user),
        "error": error,
    }
    return render(request, "procedures/detail.html", context, status=status)


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _procedure(request, pk))


@login_required
@require_POST
def act(request: HttpRequest, pk: int) -> HttpResponse:
    procedure = _procedure(request, pk)
    spec = procedure.current_step
    if spec is None:
        return _render_detail(request, procedure, status=400, error=_("该程序已结束"))
    step_code = request.POST.get("step", spec.code)
    seen = request.POST.get("current", "")
    if seen.isdigit():
        procedure.current = int(seen)
    form = StepForm(request.POST, request.FILES, spec=spec)
    form.is_valid()
    upload = request.FILES.get(form.file_field() or "")
    try:
        services.act(
            actor=request.user,
            procedure=procedure,
            step=step_code,
            data={k: v for k, v in form.cleaned_data.items() if k != "current"},
            upload=upload,
        )
    except services.Refused as exc:
        procedure = _procedure(request, pk)
        return _render_detail(
            request, procedure, form=form, status=STATUS_OF.get(exc.code, 400), error=str(exc)
        )
    messages.success(request, _("已办理“%(step)s”") % {"step": _(spec.name)})
    return redirect("procedures:detail", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, household: int, kind: str) -> HttpResponse:
    try:
        definition = definitions.get(kind)
    except definitions.DefinitionError:
        raise Http404(_("没有这种程序")) from None
    record = households_for(user=request.user).filter(pk=household).select_related("village").first()
    if record is None:
        raise Http404(_("没有找到该户"))
    if not _may_start(request.user):
        raise PermissionDenied(_("您没有提出该程序的权限"))
    spec = definition.steps[0]
    year = services.today().year
    if request.method == "POST":
        raw_year = request.POST.get("year", "")
        year = int(raw_year) if raw_year.isdigit() and len(raw_year) == 4 else 0
    verdict = services.engine_verdict(definition, record, year) if 2000 <= year <= 2100 else {}
    form = StepForm(
        request.POST or None,
        request.FILES or None,
        spec=spec,
        with_reason=bool(definition.verdict),
        initial={"date": services.today().isoformat()},
    )
    error = ""
    status = 200
    if request.method == "POST":
        form.is_valid()
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("current", "reason")}
        try:
            procedure = services.start(
                actor=request.user,
                household=record,
                kind=kind,
                year=year,
                data=data,
                reason=form.cleaned_data.get("reason") or "",
                upload=request.FILES.get(form.file_field() or ""),
            )
        except services.Refused as exc:
            error, status = str(exc), STATUS_OF.get(exc.code, 400)
        else:
            messages.success(request, _("已提出“%(kind)s”") % {"kind": _(definition.name)})
            return redirect("procedures:detail", pk=procedure.pk)
    context = {
        "household": record,
        "definition": definition,
        "form": form,
        "verdict": verdict,
        "year": year,
        "years": range(services.today().year, 2015, -1),
        "error": error,
    }
    return render(request, "procedures/start.html", context, status=status)


@login_required
@require_POST
def objection_add(request: HttpRequest, pk: int) -> HttpResponse:
    procedure = _procedure(request, pk)
    form = ObjectionForm(request.POST)
    form.is_valid()
    try:
        services.record_objection(
            actor=request.user,
            procedure=procedure,
            text=form.cleaned_data.get("text"),
            received=form.cleaned_data.get("received"),
        )
    except services.Refused as exc:
        return _render_detail(request, procedure, status=STATUS_OF.get(exc.code, 400), error=str(exc))
    messages.success(request, _("已登记异议；异议处理完毕前不能办理下一步"))
    return redirect("procedures:detail", pk=pk)


@login_required
@require_POST
def objection_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    objection = Objection.objects.filter(
        pk=pk, procedure__in=selectors.procedures_for(user=request.user)
    ).first()
    if objection is None:
        raise Http404(_("没有找到该异议"))
    form = ResolveForm(request.POST)
    form.is_valid()
    try:
        services.resolve_objection(
            actor=request.user,
            objection=objection,
            finding=form.cleaned_data.get("finding"),
            upheld=form.cleaned_data.get("upheld") == "1",
        )
    except services.Refused as exc:
        procedure = _procedure(request, objection.procedure_id)
        return _render_detail(request, procedure, status=STATUS_OF.get(exc.code, 400), error=str(exc))
    messages.success(request, _("已记录异议的核查结论"))
    return redirect("procedures:detail", pk=objection.procedure_id)


def _areas_of(village) -> dict:
    town = village.parent
    county = town.parent if town is not None else None
    return {"village": village, "town": town, "county": county}


@login_required
@require_GET
def notice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        notice = selectors.notice_for(user=request.user, pk=pk)
    except Notice.DoesNotExist:
        raise Http404(_("没有找到该公示")) from None
    context = {"notice": notice, "rows": selectors.notice_rows(notice), **_areas_of(notice.village)}
    pdf = render_pdf("procedures/notice_pdf.html", context, request=request)
    audit.record(
        "export",
        "procedures.Notice",
        notice.pk,
        {"format": "pdf", "rows": len(context["rows"])},
        actor=request.user,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"notice-{notice.village_id}-{notice.start_date:%Y%m%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
