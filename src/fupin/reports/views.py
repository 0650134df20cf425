"""Pages of the reports app: the audit trail for the administrator and 审计/纪检 (search, export, chain
status), the village indicators (R13) with the town's targets, the standard report tables, and the
leader's dashboard."""

from __future__ import annotations

import json
import tempfile

import xlsxwriter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from fupin.areas import selectors as area_selectors
from fupin.core import audit, pii, uploads
from fupin.policy import definition as policy_definition

from . import dashboard, indicators, selectors, services, tables
from .forms import AuditFilterForm, IndicatorImportForm, IndicatorsForm, YearForm
from .models import VillageIndicators

PAGE_SIZE = 50
EXPORT_LIMIT = 200_000

REASONS = {
    "content": gettext_lazy("内容被修改（或审计密钥不对）"),
    "link": gettext_lazy("链接断开（前一条被删除或修改）"),
    "sequence": gettext_lazy("序号不连续（此前有记录被删除）"),
    "legacy": gettext_lazy("仍是旧式（无密钥）哈希：请先运行 fupin audit rehash"),
}


def _auditor(request):
    if not selectors.reads_audit_trail(request.user):
        raise PermissionDenied(_("只有系统管理员和审计/纪检可以查看审计记录"))


def _form(request) -> AuditFilterForm:
    form = AuditFilterForm(
        request.GET or None, actions=selectors.actions(), object_types=selectors.object_types()
    )
    if form.is_bound and not form.is_valid() and "page" in form.errors:
        raise BadRequest(_("页码无效"))
    return form


def detail_text(detail) -> str:
    """The entry's detail as one line, ID numbers masked (a detail may quote one)."""
    if not detail:
        return ""
    return pii.mask_text(json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str))


@login_required
@require_GET
def audit_list(request):
    _auditor(request)
    form = _form(request)
    page = form.page_number()
    events = selectors.audit_events(user=request.user, filters=form.filters())
    if form.is_bound and not form.is_valid():
        events = events.none()
    rows = list(events[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "rows": [(event, detail_text(event.detail)) for event in rows[:PAGE_SIZE]],
        "page": page,
        "has_next": len(rows) > PAGE_SIZE,
        "has_previous": page > 1,
        "query": query.urlencode(),
        "head": audit.head(),
    }
    return render(request, "reports/audit_list.html", context)


@login_required
@require_GET
def audit_export(request):
    _auditor(request)
    form = _form(request)
    filters = form.filters()
    events = selectors.audit_events(user=request.user, filters=filters)
    handle = tempfile.TemporaryFile()
    book = xlsxwriter.Workbook(handle, {"constant_memory": True, "in_memory": False})
    sheet = book.add_worksheet(_("审计记录"))
    header = [
        _("序号"),
        _("时间"),
        _("操作人账号"),
        _("动作"),
        _("对象类型"),
        _("对象编号"),
        _("详情"),
        _("哈希"),
    ]
    sheet.write_row(0, 0, header)
    count = 0
    for count, event in enumerate(events[:EXPORT_LIMIT].iterator(chunk_size=2000), start=1):
        sheet.write_number(count, 0, event.seq)
        local = timezone.localtime(event.at)
        # Text cells are written as strings: a value starting with "=" must never become a formula.
        for column, value in enumerate(
            [
                local.strftime("%Y-%m-%d %H:%M:%S"),
                event.actor_name,
                event.action,
                event.object_type,
                event.object_id,
                detail_text(event.detail),
                event.hash,
            ],
            start=1,
        ):
            sheet.write_string(count, column, value or "")
    book.close()
    handle.seek(0)
    audit.record(
        "export",
        "core.AuditEvent",
        "",
        {"rows": count, "filters": {k: str(v) for k, v in vars(filters).items() if v}},
        actor=request.user,
    )
    name = f"audit-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=name)


@login_required
@require_POST
def audit_verify(request):
    """Check the whole chain and the last anchor, as `fupin audit verify` does."""
    _auditor(request)
    result = audit.verify()
    anchor = audit.last_anchor()
    anchor_problem = audit.check_anchor(anchor) if anchor else None
    audit.record(
        "audit_verify",
        "core.AuditEvent",
        "",
        {"ok": result.ok, "checked": result.checked, "anchor": anchor_problem},
        actor=request.user,
    )
    context = {
        "result": result,
        "reason": REASONS.get(result.reason, result.reason),
        "anchor": anchor,
        "anchor_problem": anchor_problem,
    }
    partial = request.headers.get("HX-Request") == "true"
    return render(request, "reports/_audit_verify.html" if partial else "reports/audit_verify.html", context)


# -- village indicators (R13) ------------------------------------------------------------------------------


def _year(request) -> int:
    form = YearForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        raise BadRequest(_("年度无效"))
    return (form.cleaned_data.get("year") if form.is_bound else None) or min(timezone.localdate().year, 2018)


def _reads_indicators(user) -> None:
    if not user.reads_aggregates:
        raise PermissionDenied(_("您的角色不能查看村指标"))


@login_required
@require_GET
def indicator_list(request):
    user = request.user
    _reads_indicators(user)
    year = _year(request)
    writable = set(area_selectors.writable_villages_for(user=user).values_list("code", flat=True))
    rows = selectors.indicator_rows(user=user, year=year)
    context = {
        "year": year,
        "years": list(range(2016, max(year, 2018) + 1)),
        "rows": [
            {
                "village": village,
                "row": row,
                "own": own,
                "writable": village.code in writable,
                "flags": [getattr(row, name) if row else None for name in indicators.BOOLEAN_FIELDS],
            }
            for village, row, own in rows
        ],
        "flag_labels": [indicators.label(name) for name in indicators.BOOLEAN_FIELDS],
        "progress": selectors.progress(user=user, year=year, policy=policy_definition.for_year(year)),
        "may_write": bool(writable),
        "import_form": IndicatorImportForm(),
    }
    return render(request, "reports/indicator_list.html", context)


@login_required
def indicator_edit(request, code: str, year: int):
    user = request.user
    if not user.manages_households:
        raise PermissionDenied(_("您的角色不能填报村指标"))
    village = get_object_or_404(area_selectors.writable_villages_for(user=user), code=code)
    if not 2000 <= year <= 2100:
        raise Http404
    row = VillageIndicators.objects.filter(village=village, year=year).first()
    initial = {f.name: getattr(row, f.name) for f in indicators.FIELDS} if row else {}
    if row:
        initial["version"] = row.version
    form = IndicatorsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {f.name: form.cleaned_data.get(f.name) for f in indicators.FIELDS}
        try:
            services.record(
                actor=user,
                village=village,
                year=year,
                data=data,
                seen_version=form.cleaned_data.get("version"),
            )
        except services.ValidationFailed as exc:
            for problem in exc.problems:
                form.add_problem(problem.field, problem.message)
        except services.IndicatorError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("已保存 %(village)s %(year)s 年的指标") % {"village": village.name, "year": year}
            )
            return redirect(f"{reverse('reports:indicator_list')}?year={year}")
    context = {"form": form, "village": village, "year": year, "row": row}
    return render(request, "reports/indicator_edit.html", context)


@login_required
@require_POST
def indicator_import(request):
    user = request.user
    if not user.manages_households:
        raise PermissionDenied(_("您的角色不能导入村指标"))
    form = IndicatorImportForm(request.POST, request.FILES)
    report = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            kind = uploads.check_upload(upload, kinds={"xlsx", "xls", "csv"})
        except uploads.UploadRefused as exc:
            form.add_error("file", str(exc))
        else:
            try:
                rows = services.read_rows(upload.read(), kind)
            except services.UNREADABLE:
                form.add_error("file", _("无法读取该工作簿；请用 Excel 另存为 .xlsx 后再上传"))
            else:
                report = services.import_rows(actor=user, rows=rows)
    status = 200 if report is not None and report.ok else 400
    return render(request, "reports/indicator_import.html", {"form": form, "report": report}, status=status)


@login_required
@require_GET
def indicator_export(request):
    """The template filled with the year's indicators of the user's villages (an empty template when none)."""
    user = request.user
    _reads_indicators(user)
    year = _year(request)
    handle = tempfile.TemporaryFile()
    book = xlsxwriter.Workbook(handle, {"in_memory": False})
    sheet = book.add_worksheet(_("村指标"))
    sheet.write_row(0, 0, services.template_headers())
    sheet.set_column(0, 1, 16)
    for number, (village, row, own) in enumerate(selectors.indicator_rows(user=user, year=year), start=1):
        sheet.write_string(number, 0, village.code)
        sheet.write_string(number, 1, village.name)
        sheet.write_number(number, 2, year)
        if row is None or not own:
            continue
        for column, spec in enumerate(indicators.FIELDS, start=3):
            value = getattr(row, spec.name)
            if spec.kind == "bool":
                sheet.write_string(number, column, _("是") if value else _("否"))
            elif value is not None and spec.kind in ("km", "money"):
                sheet.write_number(number, column, float(value))
            elif value:
                sheet.write_string(number, column, str(value))
    book.close()
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=f"village-indicators-{year}.xlsx")


# -- standard report tables to the upper level -------------------------------------------------------------


@login_required
@require_GET
def report_tables(request):
    user = request.user
    _reads_indicators(user)
    year = _year(request)
    context = {
        "year": year,
        "years": list(range(2016, max(year, 2018) + 1)),
        "sheets": tables.sheets(user, year),
    }
    return render(request, "reports/tables.html", context)


@login_required
@require_GET
def report_tables_download(request):
    user = request.user
    _reads_indicators(user)
    year = _year(request)
    handle = tempfile.TemporaryFile()
    tables.write(user, year, handle)
    handle.seek(0)
    audit.record("export", "reports.tables", str(year), {"area": user.area_id or ""}, actor=user)
    return FileResponse(handle, as_attachment=True, filename=f"report-tables-{year}.xlsx")


# -- the leader's dashboard -----------------------------------------------------------------------------


@login_required
@require_GET
def dashboard_page(request):
    user = request.user
    _reads_indicators(user)
    year = _year(request)
    groups, chart = dashboard.figures(user, year)
    return render(request, "reports/dashboard.html", {"groups": groups, "chart": chart, "year": year})
