"""The audit trail in the web, for the administrator and 审计/纪检: search, export, chain status."""

from __future__ import annotations

import json
import tempfile

import xlsxwriter
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from fupin.core import audit, pii

from . import selectors
from .forms import AuditFilterForm

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
