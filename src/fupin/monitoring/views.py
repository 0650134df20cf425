"""Monitoring pages: the dashboard, the work list of findings (confirm / dismiss), the lists loaded, risk
warnings, and the 民政 pages (exchange history, 应保尽保). Thin: selectors read, services write."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fupin.core import audit, csvsafe, pii, uploads
from fupin.core.scope import in_area
from fupin.registry.models import Member

from . import config as monitoring_config
from . import permissions, risk, selectors, services
from .lists import ListRefused, checksum, file_rows
from .models import Finding, ListKind

STATUSES = {"open", "confirmed", "dismissed", "closed", "resolved", "all"}
EVIDENCE_FIELDS = [
    ("household_no", gettext_lazy("户编号")),
    ("name", gettext_lazy("姓名")),
    ("id_number", gettext_lazy("证件号码")),
    ("birth_date", gettext_lazy("出生日期")),
    ("village", gettext_lazy("村")),
    ("relation", gettext_lazy("与户主关系")),
    ("health", gettext_lazy("健康状况")),
    ("labour", gettext_lazy("劳动能力")),
    ("dibao", gettext_lazy("是否享受低保")),
    ("tekun", gettext_lazy("是否特困供养")),
    ("category", gettext_lazy("类别")),
    ("detail", gettext_lazy("说明")),
    ("amount", gettext_lazy("金额")),
    ("event_date", gettext_lazy("日期")),
    ("place", gettext_lazy("地址")),
]


def _labels() -> dict[str, str]:
    conf = monitoring_config.load()
    return {code: rule.label for code, rule in conf.rules.items()}


def _masked(key: str, value):
    if value in (None, ""):
        return ""
    if key == "id_number":
        return pii.mask_id(value)
    if key == "birth_date":
        return str(value)[:4]
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return value


@login_required
@require_GET
def dashboard(request):
    if not permissions.reads_dashboard(request.user):
        raise PermissionDenied
    data = selectors.dashboard(user=request.user)
    labels = _labels()
    chart = {
        "rules": [labels.get(r["rule"], r["rule"]) for r in data["by_rule"]],
        "open": [r["open"] for r in data["by_rule"]],
        "resolved": [r["resolved"] for r in data["by_rule"]],
        "months": [m["month"].strftime("%Y-%m") for m in data["by_month"] if m["month"]],
        "new": [m["n"] for m in data["by_month"] if m["month"]],
        "closed": _closed_per_month(data),
    }
    from fupin.areas.models import Area

    names = dict(
        Area.objects.filter(code__in=[v["area_code"] for v in data["by_village"]]).values_list("code", "name")
    )
    villages = [{**v, "name": names.get(v["area_code"], v["area_code"])} for v in data["by_village"]]
    rules = [{**r, "label": labels.get(r["rule"], r["rule"])} for r in data["by_rule"]]
    return render(
        request,
        "monitoring/dashboard.html",
        {"chart": chart, "rules": rules, "villages": villages, "may_run": permissions.may_run(request.user)},
    )


def _closed_per_month(data) -> list[int]:
    closed = {m["month"].strftime("%Y-%m"): m["n"] for m in data["closed_by_month"] if m["month"]}
    return [closed.get(m["month"].strftime("%Y-%m"), 0) for m in data["by_month"] if m["month"]]


@login_required
@require_GET
def finding_list(request):
    user = request.user
    if not permissions.reads_findings(user):
        raise PermissionDenied
    rule = request.GET.get("rule") or None
    status = request.GET.get("status") or "open"
    village = request.GET.get("village") or None
    if rule and rule not in monitoring_config.RULE_CODES:
        raise BadRequest(_("没有这条规则"))
    if status not in STATUSES:
        raise BadRequest(_("状态不对"))
    if village and not (village.isdigit() and len(village) <= 15):
        raise BadRequest(_("村代码应为数字"))
    queryset = selectors.findings_for(
        user=user, rule=rule, village=village, status=None if status == "all" else status
    )
    if request.GET.get("format") == "csv":
        return _findings_csv(request, queryset)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    labels = _labels()
    allowed = permissions.rules_for(user) or monitoring_config.RULE_CODES
    return render(
        request,
        "monitoring/findings.html",
        {
            "page": page,
            "labels": labels,
            "rules": [(c, labels[c]) for c in allowed],
            "rule": rule or "",
            "status": status,
            "village": village or "",
            "statuses": Finding.Status.choices,
            "may_decide": permissions.may_decide(user),
        },
    )


def _findings_csv(request, queryset) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="findings.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 with a BOM
    writer = csvsafe.writer(response)
    labels = _labels()
    writer.writerow(
        [
            _("规则"),
            _("问题"),
            _("户编号"),
            _("姓名"),
            _("证件号码"),
            _("说明"),
            _("匹配分"),
            _("状态"),
            _("处理说明"),
        ]
    )
    count = 0
    for f in queryset.iterator():
        writer.writerow(
            [
                f.rule,
                labels.get(f.rule, f.rule),
                f.household_no,
                f.name,
                pii.mask_id(f.id_number) if f.id_number else "",
                pii.mask_text(f.detail),
                f.score,
                f.get_status_display(),
                f.reason,
            ]
        )
        count += 1
    audit.record(
        "export",
        "monitoring.Finding",
        "",
        {"rows": count, "format": "csv", "unmasked": False},
        actor=request.user,
    )
    return response


def _finding(request, pk: int) -> Finding:
    found = selectors.findings_for(user=request.user, status=None).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@login_required
@require_GET
def finding_detail(request, pk: int):
    if not permissions.reads_findings(request.user):
        raise PermissionDenied
    finding = _finding(request, pk)
    registry = finding.evidence.get("registry", {})
    listed = finding.evidence.get("list", {})
    rows = [
        (label, _masked(key, registry.get(key)), _masked(key, listed.get(key)))
        for key, label in EVIDENCE_FIELDS
        if registry.get(key) not in (None, "") or listed.get(key) not in (None, "")
    ]
    others = [
        [
            (label, _masked(key, other.get(key)))
            for key, label in EVIDENCE_FIELDS
            if other.get(key) not in (None, "")
        ]
        for other in finding.evidence.get("others", [])
    ]
    kind = ListKind(listed["kind"]).label if listed.get("kind") in ListKind.values else ""
    return render(
        request,
        "monitoring/finding.html",
        {
            "finding": finding,
            "label": _labels().get(finding.rule, finding.rule),
            "rows": rows,
            "others": others,
            "list_kind": kind,
            "list_date": listed.get("list_date", ""),
            "match": finding.evidence.get("match", ""),
            "may_decide": permissions.may_decide(request.user) and finding.status != Finding.Status.CLOSED,
        },
    )


@login_required
@require_POST
def finding_decide(request, pk: int):
    if not permissions.may_decide(request.user):
        raise PermissionDenied
    finding = _finding(request, pk)
    try:
        services.decide(
            actor=request.user,
            finding=finding,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已处理"))
    return redirect("monitoring:finding_detail", pk=finding.pk)


@login_required
@require_http_methods(["GET", "POST"])
def list_index(request):
    user = request.user
    if not permissions.reads_findings(user):
        raise PermissionDenied
    kinds = [(k, label) for k, label in ListKind.choices if permissions.may_load(user, k)]
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        if not permissions.may_load(user, kind):
            raise PermissionDenied
        _upload(request, kind)
        return redirect("monitoring:lists")
    return render(
        request, "monitoring/lists.html", {"lists": selectors.lists_for(user=user)[:200], "kinds": kinds}
    )


def _upload(request, kind: str) -> None:
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("请选择文件"))
        return
    try:
        list_date = dt.date.fromisoformat(request.POST.get("list_date") or dt.date.today().isoformat())
    except ValueError:
        messages.error(request, _("名单日期应为 YYYY-MM-DD"))
        return
    try:
        file_kind = uploads.check_upload(upload, kinds={"xlsx", "xls", "csv"})
        data = upload.read()
        if file_kind == "csv":
            from .lists import _csv_rows

            rows = _csv_rows(data)
        else:
            import tempfile
            from pathlib import Path

            with tempfile.NamedTemporaryFile(suffix=f".{file_kind}", delete=False) as handle:
                handle.write(data)
            rows = list(file_rows(Path(handle.name), file_kind))
            Path(handle.name).unlink()
        result = services.load_rows(
            actor=request.user,
            kind=kind,
            rows=rows,
            checksum=checksum(data),
            file_name=upload.name,
            list_date=list_date,
            source=request.POST.get("source", ""),
        )
    except uploads.UploadRefused as exc:
        messages.error(request, exc.message)
        return
    except ListRefused as exc:
        messages.error(request, exc.message)
        return
    if not result.created:
        messages.info(request, _("同一份名单已经导入过，未作任何改动"))
    else:
        messages.success(
            request,
            _("已导入 %(n)d 行，提示/跳过 %(s)d 条")
            % {"n": result.external_list.rows_loaded, "s": len(result.skipped)},
        )


@login_required
@require_GET
def list_detail(request, pk: int):
    external = selectors.lists_for(user=request.user).filter(pk=pk).first()
    if external is None:
        if not permissions.reads_findings(request.user):
            raise PermissionDenied
        raise Http404
    skipped = [{**s, "message": pii.mask_text(s["message"])} for s in external.skipped]
    return render(request, "monitoring/list_detail.html", {"list": external, "skipped": skipped})


@login_required
@require_POST
def run(request):
    if not permissions.may_run(request.user):
        raise PermissionDenied
    result = services.run(actor=request.user)
    risks = risk.assess(actor=request.user)
    messages.success(
        request,
        _("比对完成：%(found)d 个问题（新增 %(created)d，关闭 %(closed)d）；返贫风险新识别 %(risk)d 户次")
        % {
            "found": result.found,
            "created": result.created,
            "closed": result.closed,
            "risk": risks.identified,
        },
    )
    return redirect("monitoring:dashboard")


@login_required
@require_GET
def risk_list(request):
    if not request.user.reads_households:
        raise PermissionDenied
    show_all = request.GET.get("all") == "1"
    warnings = selectors.warnings_for(user=request.user, open_only=not show_all).order_by(
        "category", "area_code", "household__household_no"
    )
    page = Paginator(warnings, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "monitoring/risks.html",
        {"page": page, "show_all": show_all, "line": monitoring_config.load().numbers["monitoring_line"]},
    )


@login_required
@require_GET
def exchanges(request):
    if not permissions.is_civil(request.user):
        raise PermissionDenied
    page = Paginator(selectors.exchanges_for(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "monitoring/exchanges.html", {"page": page})


@login_required
@require_GET
def covered(request):
    """应保尽保: who is covered by 低保/特困 in the registry, and who should be but is not (open findings)."""
    user = request.user
    if not permissions.is_civil(user):
        raise PermissionDenied
    members = in_area(
        Member.objects.filter(
            left_on__isnull=True, household__status__in=["registered", "returned", "exited"]
        ),
        user,
        "household__village__code",
    )
    covered_members = members.filter(dibao=True) | members.filter(tekun=True)
    gaps = selectors.findings_for(user=user, status="open").filter(
        rule__in=["dibao_not_registered", "no_labour_not_dibao"]
    )
    rows = covered_members.select_related("household", "household__village").order_by(
        "household__village__code", "household__household_no", "id"
    )
    return render(
        request,
        "monitoring/covered.html",
        {
            "page": Paginator(rows, 100).get_page(request.GET.get("page")),
            "gaps": gaps[:500],
            "labels": _labels(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def systems(request):
    """The administrator's list of interchange systems: create one (its key shown once) or revoke it."""
    if not request.user.is_admin:
        raise PermissionDenied
    from fupin.areas.models import Area

    from .models import InterchangeSystem

    new_key = None
    if request.method == "POST":
        area = Area.objects.filter(code=request.POST.get("area", "").strip()).first()
        if area is None:
            messages.error(request, _("没有这个区域代码"))
        else:
            try:
                system, new_key = services.create_system(
                    actor=request.user,
                    code=request.POST.get("code", ""),
                    name=request.POST.get("name", ""),
                    area=area,
                )
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
    return render(
        request,
        "monitoring/systems.html",
        {"systems": InterchangeSystem.objects.select_related("area"), "new_key": new_key},
    )


@login_required
@require_POST
def system_revoke(request, pk: int):
    if not request.user.is_admin:
        raise PermissionDenied
    from .models import InterchangeSystem

    system = InterchangeSystem.objects.filter(pk=pk, revoked_at__isnull=True).first()
    if system is None:
        raise Http404
    services.revoke_system(actor=request.user, system=system)
    messages.success(request, _("已撤销 %(code)s 的密钥") % {"code": system.code})
    return redirect("monitoring:systems")


@login_required
@require_POST
def risk_event_add(request):
    """A helper or village cadre records a hardship (medical costs, disaster, loss of labour) for a household."""
    from decimal import Decimal, InvalidOperation

    from fupin.registry.selectors import households_for

    from .models import RiskEvent

    user = request.user
    if not user.writes_registry:
        raise PermissionDenied
    household = (
        households_for(user=user).filter(household_no=request.POST.get("household_no", "").strip()).first()
    )
    kind = request.POST.get("kind", "")
    try:
        occurred = dt.date.fromisoformat(request.POST.get("occurred_on", ""))
        raw = request.POST.get("amount", "").strip()
        amount = Decimal(raw).quantize(Decimal("0.01")) if raw else None
        if amount is not None and not (amount.is_finite() and Decimal(0) <= amount < Decimal("1e10")):
            raise InvalidOperation
    except (ValueError, InvalidOperation):
        messages.error(request, _("日期或金额格式不对"))
        return redirect("monitoring:risks")
    if household is None:
        messages.error(request, _("没有这个户编号，或不在您的工作范围内"))
    elif kind not in RiskEvent.Kind.values:
        messages.error(request, _("请选择事件类型"))
    else:
        risk.record_event(
            actor=user,
            household=household,
            kind=kind,
            occurred_on=occurred,
            amount=amount,
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("已登记，下次监测时按政策标准判断是否预警"))
    return redirect("monitoring:risks")
