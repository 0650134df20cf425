"""Funds pages: the fund page of an area (town or village) with charts, projects and their lifecycle,
the ledger and its workbook, the abuse checks and the bank's loan figures. Thin: parse, call a service
or a selector, render."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.db.models import Max
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fupin.areas.models import Area
from fupin.core import audit, uploads
from fupin.core.scope import in_area
from fupin.policy.definition import PolicyError
from fupin.registry.validation import MAX_YEAR, MIN_YEAR

from . import checks, codes, excel, selectors, services
from .forms import (
    AdvanceForm,
    AllocationForm,
    DocumentForm,
    ExpenseForm,
    LoanImportForm,
    PerPersonForm,
    ProjectForm,
)
from .models import Allocation, ProjectDocument
from .rules import rules


def _year(request) -> int:
    raw = request.GET.get("year")
    if raw:
        if not re.fullmatch(r"[0-9]{4}", raw) or not MIN_YEAR <= int(raw) <= MAX_YEAR:
            raise BadRequest(
                _("年度应为%(low)d至%(high)d之间的四位年份") % {"low": MIN_YEAR, "high": MAX_YEAR}
            )
        return int(raw)
    return Allocation.objects.aggregate(y=Max("year"))["y"] or dt.date.today().year


def _reader(request) -> None:
    selectors.ensure_reader(request.user)


def _may(user, roles) -> bool:
    return user.is_admin or user.role in roles


def _require(request, roles) -> None:
    if not _may(request.user, roles):
        raise PermissionDenied


def _chart(book: selectors.Ledger) -> dict:
    return {
        "labels": {
            "allocated": _("下达"),
            "spent": _("已拨付"),
            "committed": _("已安排未拨付"),
            "remaining": _("结余"),
        },
        "sources": [x.label and _(x.label) for x in book.by_source],
        "source_allocated": [str(x.allocated) for x in book.by_source],
        "source_spent": [str(x.spent) for x in book.by_source],
        "villages": [x.label for x in book.by_village],
        "village_spent": [str(x.spent) for x in book.by_village],
        "village_committed": [str(x.committed) for x in book.by_village],
        "village_remaining": [str(max(x.remaining, 0)) for x in book.by_village],
    }


def _area_page(request, area: Area | None, template: str):
    year = _year(request)
    code = area.code if area else None
    book = selectors.ledger(user=request.user, year=year, area=code)
    funds = selectors.village_funds(user=request.user, year=year, area=code)
    try:
        split = selectors.per_person_rows(year=year, area=code, user=request.user)
    except PolicyError:  # a year no policy covers: the split is simply not shown
        split = None
    projects = selectors.projects_for(user=request.user)
    if code:
        projects = projects.filter(village__code__startswith=code)
    context = {
        "year": year,
        "area": area,
        "book": book,
        "funds": funds,
        "split": split,
        "mark": rules(year).village_fund_mark if split is not None else None,
        "projects": projects.filter(allocation__year=year)[:200],
        "chart": _chart(book),
        "may_manage": _may(request.user, selectors.MANAGERS),
        "per_person_form": PerPersonForm(initial={"year": year, "allocated_on": dt.date(year, 1, 1)}),
        "names": {
            **{v.code: v.name for v in Area.objects.filter(code__in=[r["village_code"] for r in split or []])}
        },
    }
    return render(request, template, context)


@login_required
@require_GET
def index(request):
    _reader(request)
    area = None if request.user.is_admin else request.user.area
    return _area_page(request, area, "funds/index.html")


@login_required
@require_GET
def village(request, code: str):
    area = selectors.area_for(user=request.user, code=code)
    return _area_page(request, area, "funds/index.html")


@login_required
@require_POST
def allocate_per_person(request):
    _reader(request)
    _require(request, selectors.MANAGERS)
    form = PerPersonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写年度、文号和下达日期"))
        return redirect("funds:index")
    area = request.user.area or Area.objects.filter(level="province").first()
    try:
        made = services.allocate_per_person(actor=request.user, area=area, **form.cleaned_data)
    except services.FundsError as exc:
        if isinstance(exc, services.NotPermitted):
            raise PermissionDenied(exc.message) from exc
        raise BadRequest(exc.message) from exc
    messages.success(request, _("已按村登记人均2万元资金 %(n)d 笔") % {"n": len(made)})
    return redirect(f"{reverse('funds:index')}?year={form.cleaned_data['year']}")


@login_required
@require_http_methods(["GET", "POST"])
def allocations(request):
    _reader(request)
    year = _year(request)
    form = AllocationForm(request.POST or None, initial={"year": year})
    if request.method == "POST":
        if not _may(request.user, selectors.MANAGERS):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            area = in_area(Area.objects.all(), request.user, "code").filter(code=data.pop("area")).first()
            if area is None:
                form.add_error("area", _("该区划不存在或不在您的工作范围内"))
            else:
                try:
                    services.create_allocation(actor=request.user, area=area, **data)
                except services.FundsError as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(request, _("已登记资金下达"))
                    return redirect(f"{reverse('funds:allocations')}?year={data['year']}")
    rows = selectors.ledger(user=request.user, year=year).allocations
    return render(
        request,
        "funds/allocations.html",
        {"year": year, "rows": rows, "form": form, "may_manage": _may(request.user, selectors.MANAGERS)},
    )


@login_required
@require_GET
def project_list(request):
    _reader(request)
    projects = selectors.projects_for(user=request.user)
    status = request.GET.get("status", "")
    if status:
        if status not in codes.PROJECT_STATUS.codes:
            raise BadRequest(_("状态无效"))
        projects = projects.filter(status=status)
    return render(
        request,
        "funds/project_list.html",
        {
            "projects": projects[:500],
            "status": status,
            "statuses": codes.PROJECT_STATUS.choices,
            "may_propose": _may(request.user, selectors.PROPOSERS),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request):
    _reader(request)
    if not _may(request.user, selectors.PROPOSERS):
        raise PermissionDenied
    villages = in_area(Area.objects.filter(level="village"), request.user, "code").order_by("code")
    mine = selectors.allocations_for(user=request.user)
    if not request.user.is_admin and request.user.area_id and len(request.user.area_id) == 12:
        # A village cadre also draws on the town's allocations to the village's town.
        mine = mine | Allocation.objects.filter(area_id=request.user.area_id[:9])
    form = ProjectForm(
        request.POST or None,
        villages=villages,
        allocations=mine.order_by("-year", "id")[:300],
        initial={"proposed_on": dt.date.today()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project = services.propose_project(
                actor=request.user,
                village=villages.get(code=data.pop("village")),
                allocation=Allocation.objects.get(pk=data.pop("allocation")),
                **data,
            )
        except services.FundsError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("项目已申报，等待审批"))
            return redirect("funds:project_detail", pk=project.pk)
    return render(request, "funds/project_form.html", {"form": form})


NEXT_LABELS = {
    "approved": _("审批通过"),
    "rejected": _("不予批准"),
    "tendering": _("开始招标"),
    "implementing": _("签订合同、开工实施"),
    "accepted": _("验收合格"),
    "evaluated": _("完成绩效评价"),
}


@login_required
@require_GET
def project_detail(request, pk: int):
    project = selectors.project_detail(user=request.user, pk=pk)
    totals = services.project_totals(project)
    user = request.user
    actions = []
    for to in codes.TRANSITIONS[project.status]:
        roles = selectors.PROPOSERS if to == "tendering" else selectors.MANAGERS
        if _may(user, roles):
            actions.append({"to": to, "label": _(str(NEXT_LABELS[to]))})
    return render(
        request,
        "funds/project_detail.html",
        {
            "project": project,
            "totals": totals,
            "actions": actions,
            "today": dt.date.today(),
            "expenses": project.expenses.select_related("allocation").order_by("paid_on", "id"),
            "documents": project.documents.all(),
            "may_pay": _may(user, selectors.MANAGERS) and project.status in codes.PAYABLE,
            "may_upload": _may(user, selectors.PROPOSERS),
            "expense_form": ExpenseForm(initial={"paid_on": dt.date.today()}),
            "document_form": DocumentForm(),
            "history": project.history.all()[:50],
        },
    )


def _fail(request, pk: int, exc: services.FundsError):
    if isinstance(exc, services.NotPermitted):
        raise PermissionDenied(exc.message)
    messages.error(request, exc.message)
    return redirect("funds:project_detail", pk=pk)


@login_required
@require_POST
def project_advance(request, pk: int):
    project = selectors.project_detail(user=request.user, pk=pk)
    _require(request, selectors.PROPOSERS)
    form = AdvanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写日期及本步骤所需的内容"))
        return redirect("funds:project_detail", pk=pk)
    data = form.cleaned_data
    try:
        services.advance_project(
            actor=request.user,
            project=project,
            to_status=data["to_status"],
            on=data["on"],
            expected_version=data["version"],
            contractor=data["contractor"],
            contract_amount=data["contract_amount"],
            evaluation=data["evaluation"],
        )
    except services.FundsError as exc:
        return _fail(request, pk, exc)
    messages.success(request, _("项目状态已更新"))
    return redirect("funds:project_detail", pk=pk)


@login_required
@require_POST
def project_expense(request, pk: int):
    project = selectors.project_detail(user=request.user, pk=pk)
    _require(request, selectors.MANAGERS)
    form = ExpenseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写金额、拨付日期和收款方"))
        return redirect("funds:project_detail", pk=pk)
    try:
        services.record_expense(
            actor=request.user, allocation=project.allocation, project=project, **form.cleaned_data
        )
    except services.FundsError as exc:
        return _fail(request, pk, exc)
    messages.success(request, _("已登记拨付"))
    return redirect("funds:project_detail", pk=pk)


@login_required
@require_POST
def project_document(request, pk: int):
    project = selectors.project_detail(user=request.user, pk=pk)
    _require(request, selectors.PROPOSERS)
    refused = getattr(request, "refused_uploads", None)
    if refused:
        messages.error(request, uploads.refused_message(refused))
        return redirect("funds:project_detail", pk=pk)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择文件类别和文件"))
        return redirect("funds:project_detail", pk=pk)
    try:
        services.add_document(
            actor=request.user,
            project=project,
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
        )
    except services.FundsError as exc:
        return _fail(request, pk, exc)
    messages.success(request, _("文件已上传"))
    return redirect("funds:project_detail", pk=pk)


@login_required
@require_GET
def document_download(request, pk: int):
    document = get_object_or_404(ProjectDocument, pk=pk)
    selectors.project_detail(user=request.user, pk=document.project_id)  # 404 outside the scope
    audit.record("export", "funds.ProjectDocument", document.pk, {"project": document.project_id})
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=document.name)


@login_required
@require_GET
def ledger(request):
    _reader(request)
    year = _year(request)
    book = selectors.ledger(user=request.user, year=year)
    return render(request, "funds/ledger.html", {"year": year, "book": book, "chart": _chart(book)})


@login_required
@require_GET
def ledger_export(request):
    _reader(request)
    year = _year(request)
    book = selectors.ledger(user=request.user, year=year)
    projects = (
        selectors.projects_for(user=request.user).filter(allocation__year=year).order_by("village_id", "id")
    )
    expenses = (
        selectors.expenses_for(user=request.user)
        .filter(allocation__year=year)
        .select_related("household")
        .order_by("paid_on", "id")
    )
    content = excel.ledger_workbook(book, list(projects), list(expenses))
    audit.record("export", "funds.ledger", str(year), {"year": year, "allocations": len(book.allocations)})
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="funds-ledger-{year}.xlsx"'
    return response


@login_required
@require_GET
def findings(request):
    _reader(request)
    year = _year(request)
    found = checks.evidence_for(year, user=request.user)
    for f in found:
        f["label"] = _(checks.CHECKS[f["check"]])
    counts = {_(label): sum(1 for f in found if f["check"] == key) for key, label in checks.CHECKS.items()}
    return render(request, "funds/findings.html", {"year": year, "found": found, "counts": counts})


@login_required
@require_http_methods(["GET", "POST"])
def loans(request):
    _reader(request)
    form = LoanImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not _may(request.user, selectors.MANAGERS):
            raise PermissionDenied
        refused = getattr(request, "refused_uploads", None)
        if refused:
            form.add_error("file", uploads.refused_message(refused))
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                kind = uploads.check_upload(upload, kinds={"xlsx", "xls", "csv"})
                count = services.import_loan_figures(
                    actor=request.user, rows=excel.read_loan_rows(upload, kind)
                )
            except uploads.UploadRefused as exc:
                form.add_error("file", str(exc))
            except services.FundsError as exc:
                form.add_error("file", exc.message)
            else:
                messages.success(request, _("已导入 %(n)d 行银行数据") % {"n": count})
                return redirect("funds:loans")
    rows = selectors.loan_indicators(user=request.user)
    return render(
        request,
        "funds/loans.html",
        {"rows": rows, "form": form, "may_manage": _may(request.user, selectors.MANAGERS)},
    )
