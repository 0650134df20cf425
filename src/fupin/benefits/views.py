"""Benefit pages: a household's benefits and payments, the medical-aid claim, the bank batch out and back,
the education, housing, loan and dividend lists, and the checks. Thin: parse, call a service, render."""

from __future__ import annotations

import datetime as dt
import io
import re

import xlsxwriter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.db.models import Count, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fupin.core import audit, csvsafe
from fupin.core.uploads import UploadRefused, check_upload
from fupin.registry.models import Household, Member
from fupin.registry.selectors import households_for

from . import bank, checks, rules, selectors, services
from .forms import BankResultForm, ClaimForm, GrantForm, LoanForm, PayForm, RenovationForm
from .models import BankBatch, Entitlement, Kind, Payment
from .services import Refused


def _reader(request) -> None:
    if not request.user.reads_households:
        raise PermissionDenied(_("您的角色不能查看惠民政策落实情况"))


def _writer(request) -> None:
    if not services.may_write(request.user):
        raise PermissionDenied(_("只有镇扶贫办可以登记待遇和付款"))


def _household(request, pk: int) -> Household:
    found = households_for(user=request.user).select_related("village").filter(pk=pk).first()
    if found is None:
        raise Http404(_("没有找到该户"))
    return found


def _year(request, default: int) -> int:
    raw = request.GET.get("year", "")
    if not raw:
        return default
    if not re.fullmatch(r"[0-9]{4}", raw) or not 2000 <= int(raw) <= 2100:
        raise BadRequest(_("年度应为2000至2100之间的四位年份"))
    return int(raw)


def _xlsx(name: str, headers: list[str], rows: list[list]) -> HttpResponse:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    )
    sheet = book.add_worksheet(name[:31])
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, headers, bold)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, (int, float)) or hasattr(value, "quantize"):
                sheet.write_number(r, c, float(value))
            else:
                sheet.write_string(r, c, str(value))
    sheet.set_column(0, len(headers) - 1, 16)
    book.close()
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}.xlsx"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


@login_required
@require_GET
def index(request):
    _reader(request)
    entitlements = selectors.entitlements_for(user=request.user)
    by_kind = (
        entitlements.values("kind", "year")
        .annotate(n=Count("pk"), total=Sum("amount"))
        .order_by("-year", "kind")
    )
    labels = dict(Kind.choices)
    payments = selectors.payments_for(user=request.user)
    by_status = payments.values("status").annotate(n=Count("pk"), total=Sum("amount")).order_by("status")
    status_labels = dict(Payment.Status.choices)
    return render(
        request,
        "benefits/index.html",
        {
            "rows": [{**r, "label": labels[r["kind"]]} for r in by_kind],
            "payments": [{**r, "label": status_labels[r["status"]]} for r in by_status],
            "failed": payments.filter(status=Payment.Status.FAILED)
            .select_related("household")
            .order_by("-id")[:50],
            "may_write": services.may_write(request.user),
        },
    )


@login_required
@require_GET
def household(request, pk: int):
    _reader(request)
    found = _household(request, pk)
    context = selectors.household_benefits(user=request.user, household=found)
    context.update(household=found, may_write=services.may_write(request.user), pay_form=PayForm())
    context["claims"] = (
        selectors.claims_for(user=request.user).filter(household=found).select_related("member")
    )
    return render(request, "benefits/household.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def claim_create(request, pk: int):
    found = _household(request, pk)
    _writer(request)
    members = list(found.members.filter(left_on__isnull=True).order_by("id"))
    form = ClaimForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        member = next(m for m in members if m.pk == data["member"])
        try:
            claim = services.record_claim(
                actor=request.user,
                household=found,
                member=member,
                treated_on=data["treated_on"],
                hospital=data["hospital"],
                total_cost=data["total_cost"],
                compliant_cost=data["compliant_cost"],
                basic_insurance=data["basic_insurance"],
                critical_insurance=data["critical_insurance"],
                other_insurance=data["other_insurance"],
                aid_granted=data["aid_granted"],
            )
        except Refused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("医疗救助已登记"))
            return redirect("benefits:claim_detail", pk=claim.pk)
    share = rules.for_year_rules(timezone.localdate().year).medical_aid_share.value
    return render(request, "benefits/claim_form.html", {"form": form, "household": found, "share": share})


@login_required
@require_GET
def claim_detail(request, pk: int):
    _reader(request)
    claim = (
        selectors.claims_for(user=request.user).select_related("household", "member").filter(pk=pk).first()
    )
    if claim is None:
        raise Http404(_("没有找到该申请"))
    aid = rules.medical_aid(
        total=claim.total_cost,
        compliant=claim.compliant_cost,
        basic=claim.basic_insurance,
        critical=claim.critical_insurance,
        other=claim.other_insurance,
        share=claim.share,
    )
    entitlement = Entitlement.objects.get(claim=claim)
    return render(
        request,
        "benefits/claim_detail.html",
        {
            "claim": claim,
            "aid": aid,
            "entitlement": entitlement,
            "open": services.open_amount(entitlement),
            "may_write": services.may_write(request.user),
        },
    )


@login_required
@require_POST
def pay(request, pk: int):
    entitlement = selectors.entitlements_for(user=request.user).filter(pk=pk).first()
    if entitlement is None:
        raise Http404(_("没有找到该待遇"))
    _writer(request)
    form = PayForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("付款金额无效"))
    else:
        try:
            payment = services.pay(
                actor=request.user, entitlement=entitlement, amount=form.cleaned_data["amount"]
            )
        except Refused as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("已生成付款 %(ref)s，待导出银行代发文件") % {"ref": payment.reference}
            )
    return redirect("benefits:household", pk=entitlement.household_id)


@login_required
@require_GET
def bank_page(request):
    _writer(request)
    pending = selectors.payments_for(user=request.user).filter(status=Payment.Status.PENDING)
    waiting = selectors.payments_for(user=request.user).filter(status=Payment.Status.EXPORTED)
    batches = (
        BankBatch.objects.filter(payments__in=selectors.payments_for(user=request.user))
        .annotate(n=Count("payments", distinct=True), total=Sum("payments__amount"))
        .order_by("-id")[:30]
    )
    return render(
        request,
        "benefits/bank.html",
        {
            "pending": pending.aggregate(n=Count("pk"), total=Sum("amount")),
            "waiting": waiting.aggregate(n=Count("pk"), total=Sum("amount")),
            "batches": batches,
            "form": BankResultForm(),
        },
    )


def _batch_response(batch: BankBatch, data: bytes) -> HttpResponse:
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="bank-batch-{batch.number}.xlsx"'
    return response


@login_required
@require_POST
def bank_export(request):
    _writer(request)
    try:
        batch, data = bank.export_batch(actor=request.user)
    except Refused as exc:
        messages.error(request, exc.message)
        return redirect("benefits:bank")
    return _batch_response(batch, data)


@login_required
@require_GET
def bank_batch_file(request, pk: int):
    _writer(request)
    batch = (
        BankBatch.objects.filter(pk=pk, payments__in=selectors.payments_for(user=request.user))
        .distinct()
        .first()
    )
    if batch is None:
        raise Http404(_("没有找到该批次"))
    return _batch_response(batch, bank.batch_file(actor=request.user, batch=batch))


@login_required
@require_POST
def bank_import(request):
    _writer(request)
    form = BankResultForm(request.POST, request.FILES)
    report, error = None, None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            check_upload(upload, kinds={"xlsx"})
            report = bank.import_results(actor=request.user, data=upload.read())
        except UploadRefused as exc:
            error = exc.message
        except Refused as exc:
            error = exc.message
    else:
        error = _("请选择银行回盘文件")
    return render(request, "benefits/bank_result.html", {"report": report, "error": error}, status=200)


@login_required
@require_GET
def education(request):
    _reader(request)
    year = _year(request, checks.default_year())
    missing = list(selectors.students_without_subsidy(user=request.user, year=year))
    granted = (
        selectors.entitlements_for(user=request.user)
        .filter(kind=Kind.EDUCATION, year=year)
        .select_related("household", "member")
        .order_by("household__household_no")
    )
    policy = rules.for_year_rules(year)
    amounts = [(stage, policy.education_amount(stage, year)) for stage in rules.STAGES]
    if request.GET.get("format") == "xlsx":
        audit.record(
            "export", "benefits", "education", {"year": year, "rows": len(missing)}, actor=request.user
        )
        return _xlsx(
            f"未享受生活补助在校生-{year}",
            [_("户编号"), _("村"), _("姓名"), _("在校生状况"), _("学年")],
            [
                [
                    m.household.household_no,
                    m.household.village.name,
                    m.name,
                    m.get_school_status_display(),
                    year,
                ]
                for m in missing
            ],
        )
    return render(
        request,
        "benefits/education.html",
        {
            "year": year,
            "missing": missing,
            "granted": granted,
            "amounts": amounts,
            "stage_labels": STAGE_LABELS,
            "may_write": services.may_write(request.user),
        },
    )


STAGE_LABELS = {
    "primary": gettext_lazy("小学"),
    "junior": gettext_lazy("初中"),
    "senior": gettext_lazy("高中"),
    "secondary_vocational": gettext_lazy("中职/技校"),
    "college": gettext_lazy("大专"),
}


@login_required
@require_POST
def education_grant(request, pk: int):
    member = Member.objects.filter(pk=pk, household__in=households_for(user=request.user)).first()
    if member is None:
        raise Http404(_("没有找到该学生"))
    _writer(request)
    form = GrantForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写学年和补助金额"))
        return redirect("benefits:education")
    year = form.cleaned_data["year"]
    try:
        services.grant_education(
            actor=request.user, member=member, year=year, amount=form.cleaned_data["amount"]
        )
    except Refused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("%(name)s %(year)s学年生活费补助已登记") % {"name": member.name, "year": year}
        )
    return redirect(f"{_url('benefits:education')}?year={year}")


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)


@login_required
@require_GET
def housing(request):
    _reader(request)
    today = _day(request.GET.get("on", "")) or timezone.localdate()
    policy = rules.for_year_rules(min(today.year, 2018))
    deadline = policy.housing_deadline.value
    houses = selectors.open_houses(user=request.user)
    renovations = (
        selectors.renovations_for(user=request.user)
        .select_related("household")
        .order_by("-year", "household__household_no")
    )
    if request.GET.get("format") == "xlsx":
        audit.record("export", "benefits", "housing", {"rows": len(houses)}, actor=request.user)
        return _xlsx(
            "未完成危房改造",
            [_("户编号"), _("村"), _("危房级别"), _("补助类别"), _("补助金额"), _("进度")],
            [
                [
                    h["household"].household_no,
                    h["household"].village.name,
                    h["renovation"].get_grade_display() if h["renovation"] else "",
                    h["renovation"].get_subsidy_class_display() if h["renovation"] else "",
                    h["renovation"].subsidy if h["renovation"] else "",
                    h["renovation"].get_status_display() if h["renovation"] else _("未立项"),
                ]
                for h in houses
            ],
        )
    return render(
        request,
        "benefits/housing.html",
        {
            "deadline": deadline,
            "days_left": (deadline - today).days,
            "houses": houses,
            "renovations": renovations,
        },
    )


def _day(raw: str) -> dt.date | None:
    """`?on=YYYY-MM-DD`: the day the countdown is counted from (default today)."""
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw[:10])
    except ValueError as exc:
        raise BadRequest(_("日期应写成 YYYY-MM-DD")) from exc
    if not 2000 <= day.year <= 2100:
        raise BadRequest(_("日期应写成 YYYY-MM-DD"))
    return day


@login_required
@require_http_methods(["GET", "POST"])
def renovation_create(request, pk: int):
    found = _household(request, pk)
    _writer(request)
    form = RenovationForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_renovation(actor=request.user, household=found, **form.cleaned_data)
        except Refused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("危房改造已登记"))
            return redirect("benefits:household", pk=found.pk)
    return render(
        request, "benefits/simple_form.html", {"form": form, "household": found, "title": _("登记危房改造")}
    )


@login_required
@require_http_methods(["GET", "POST"])
def loan_create(request, pk: int):
    found = _household(request, pk)
    _writer(request)
    members = list(found.members.filter(left_on__isnull=True).order_by("id"))
    form = LoanForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["borrower"] = next(m for m in members if m.pk == data["borrower"])
        try:
            services.record_loan(actor=request.user, household=found, **data)
        except Refused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("扶贫小额信贷已登记"))
            return redirect("benefits:household", pk=found.pk)
    return render(
        request,
        "benefits/simple_form.html",
        {"form": form, "household": found, "title": _("登记扶贫小额信贷")},
    )


@login_required
@require_GET
def loans(request):
    _reader(request)
    today = timezone.localdate()
    rows = (
        selectors.loans_for(user=request.user)
        .select_related("household", "borrower")
        .annotate(repaid=Sum("repayments__principal", default=0))
        .order_by("-start_date")
    )
    overdue = {loan.pk for loan in selectors.overdue_loans(user=request.user, today=today)}
    return render(request, "benefits/loans.html", {"loans": rows, "overdue": overdue, "today": today})


@login_required
@require_GET
def dividends(request):
    _reader(request)
    assets = (
        selectors.assets_for(user=request.user)
        .select_related("village")
        .prefetch_related("dividends", "holdings__household")
    )
    return render(request, "benefits/dividends.html", {"assets": assets})


@login_required
@require_GET
def check_list(request):
    _reader(request)
    raw = request.GET.get("year", "")
    year = _year(request, 0) or None if raw else None
    found = checks.findings(year=year, user=request.user)
    if request.GET.get("format") == "csv":
        audit.record("export", "benefits", "checks", {"year": year, "rows": len(found)}, actor=request.user)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="benefits-checks.csv"'
        response.write("\ufeff")
        writer = csvsafe.writer(response)
        writer.writerow(checks.COLUMNS)
        for finding in found:
            writer.writerow(finding.row())
        return response
    return render(request, "benefits/checks.html", {"findings": found, "year": year})
