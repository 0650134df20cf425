"""Every write of the benefits app: claims, subsidies, renovations, loans, dividends and payments.

Each service takes the acting user, checks the user may write benefits for the household (town office or
administrator, within the user's area), validates against the policy's numbers (`rules.py`), writes in one
transaction and records an audit entry. A refusal raises `Refused` with a Chinese message saying what to
fix; nothing is written then.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Sum
from stdnum import luhn

from fupin.core import audit
from fupin.core.codes import SCHOOL_STAGE
from fupin.core.roles import Role
from fupin.registry.models import Household, Member
from fupin.registry.selectors import households_for

from . import rules
from .models import (
    Asset,
    Dividend,
    Entitlement,
    Kind,
    Loan,
    MedicalClaim,
    Payment,
    Renovation,
    Repayment,
    Shareholding,
)

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
WRITERS = frozenset({Role.ADMIN, Role.TOWN_OFFICE})


class Refused(Exception):
    """A write refused: `message` says why, in Chinese; `field` names the form field when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotPermitted(Refused):
    pass


def may_write(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.role in WRITERS)


def ensure_writable(actor, household: Household) -> None:
    if not may_write(actor) or not households_for(user=actor).filter(pk=household.pk).exists():
        raise NotPermitted("您无权为该户登记惠民政策或付款")


def _money(value, field: str, label: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, TypeError, ValueError) as exc:  # any unparsable input is the same refusal
        raise Refused(f"{label}不是有效金额", field) from exc
    if not amount.is_finite() or amount < 0:
        raise Refused(f"{label}不能为负数", field)
    return amount


def _live_member(household: Household, member: Member, field: str = "member") -> None:
    if member.household_id != household.pk:
        raise Refused("该成员不属于本户", field)
    if member.left_on is not None:
        raise Refused(f"{member.name}已不在册（{member.left_on}离开），不能享受待遇", field)


def account_ok(account: str) -> bool:
    """A bank card number: 16–19 digits whose last is the Luhn check digit (银联卡号校验位)."""
    return account.isdigit() and 16 <= len(account) <= 19 and luhn.is_valid(account)


# -- medical aid ---------------------------------------------------------------------------------------


@transaction.atomic
def record_claim(
    *,
    actor,
    household: Household,
    member: Member,
    treated_on: dt.date,
    hospital: str,
    total_cost,
    compliant_cost,
    basic_insurance,
    critical_insurance,
    other_insurance,
    aid_granted=None,
) -> MedicalClaim:
    """Record a claim and its aid entitlement. The aid due is computed (rules.medical_aid); the aid
    granted defaults to it, and a grant below it is kept but listed by the shortfall check."""
    ensure_writable(actor, household)
    _live_member(household, member)
    total = _money(total_cost, "total_cost", "医疗总费用")
    compliant = _money(compliant_cost, "compliant_cost", "合规医疗费用")
    basic = _money(basic_insurance, "basic_insurance", "基本医保报销")
    critical = _money(critical_insurance, "critical_insurance", "大病保险报销")
    other = _money(other_insurance, "other_insurance", "其他保险报销")
    if compliant > total:
        raise Refused(f"合规医疗费用（{compliant}）不能大于医疗总费用（{total}）", "compliant_cost")
    if basic + critical + other > total:
        raise Refused("各项保险报销合计不能大于医疗总费用", "basic_insurance")
    policy = rules.for_year_rules(treated_on.year)
    aid = rules.medical_aid(
        total=total,
        compliant=compliant,
        basic=basic,
        critical=critical,
        other=other,
        share=policy.medical_aid_share.value,
    )
    granted = aid.due if aid_granted in (None, "") else _money(aid_granted, "aid_granted", "核定救助金额")
    if granted > aid.remainder:
        raise Refused(f"核定救助金额不能大于报销后剩余合规费用（{aid.remainder}）", "aid_granted")
    claim = MedicalClaim.objects.create(
        household=household,
        member=member,
        year=treated_on.year,
        treated_on=treated_on,
        hospital=hospital,
        total_cost=total,
        compliant_cost=compliant,
        basic_insurance=basic,
        critical_insurance=critical,
        other_insurance=other,
        share=aid.share,
        aid_due=aid.due,
        aid_granted=granted,
        policy=policy.policy,
        created_by=actor,
    )
    Entitlement.objects.create(
        household=household,
        member=member,
        kind=Kind.MEDICAL,
        year=claim.year,
        amount=granted,
        description=f"{hospital} {treated_on}",
        claim=claim,
        created_by=actor,
    )
    audit.record(
        "benefits.claim",
        "benefits.MedicalClaim",
        claim.pk,
        {"household": household.household_no, "due": str(aid.due), "granted": str(granted)},
        actor=actor,
    )
    return claim


# -- education -----------------------------------------------------------------------------------------


def stage_of(member: Member) -> str | None:
    return rules.STAGE_OF_SCHOOL.get(SCHOOL_STAGE.get(member.school_status, ""))


@transaction.atomic
def grant_education(*, actor, member: Member, year: int, amount=None) -> Entitlement:
    """One living subsidy per student per school year (the year it starts), at the policy's amount; where
    the policy gives none the office states the amount it pays (its county's standard)."""
    household = member.household
    ensure_writable(actor, household)
    _live_member(household, member)
    stage = stage_of(member)
    if stage is None:
        raise Refused(
            f"{member.name}的在校生状况（{member.get_school_status_display()}）不在生活费补助学段内"
        )
    known = rules.for_year_rules(year).education_amount(stage, year)
    if known is not None:
        if amount not in (None, "") and _money(amount, "amount", "补助金额") != known:
            raise Refused(f"政策规定的补助金额是 {known} 元", "amount")
        value = known
    else:
        if amount in (None, ""):
            raise Refused("政策未规定该学段的补助金额：请填写本县执行的金额", "amount")
        value = _money(amount, "amount", "补助金额")
        if value <= 0:
            raise Refused("补助金额须大于0", "amount")
    if Entitlement.objects.filter(kind=Kind.EDUCATION, member=member, year=year).exists():
        raise Refused(f"{member.name} {year}学年已有生活费补助（每生每学年一次）")
    try:
        with transaction.atomic():
            entitlement = Entitlement.objects.create(
                household=household,
                member=member,
                kind=Kind.EDUCATION,
                year=year,
                amount=value,
                stage=stage,
                created_by=actor,
            )
    except IntegrityError as exc:
        raise Refused(f"{member.name} {year}学年已有生活费补助（每生每学年一次）") from exc
    audit.record(
        "benefits.education",
        "benefits.Entitlement",
        entitlement.pk,
        {"household": household.household_no, "year": year, "amount": str(value)},
        actor=actor,
    )
    return entitlement


# -- housing -------------------------------------------------------------------------------------------


@transaction.atomic
def record_renovation(
    *, actor, household: Household, grade: str, subsidy_class: str, subsidy, year: int
) -> Renovation:
    ensure_writable(actor, household)
    if grade not in dict(Renovation.GRADES):
        raise Refused("危房级别须为C级或D级", "grade")
    if subsidy_class not in dict(Renovation.CLASSES):
        raise Refused("请选择补助类别", "subsidy_class")
    amount = _money(subsidy, "subsidy", "补助金额")
    if amount <= 0:
        raise Refused("补助金额须大于0", "subsidy")
    renovation = Renovation.objects.create(
        household=household,
        grade=grade,
        subsidy_class=subsidy_class,
        subsidy=amount,
        year=year,
        created_by=actor,
    )
    Entitlement.objects.create(
        household=household,
        kind=Kind.HOUSING,
        year=year,
        amount=amount,
        description=f"{renovation.get_grade_display()} {renovation.get_subsidy_class_display()}",
        renovation=renovation,
        created_by=actor,
    )
    audit.record(
        "benefits.renovation",
        "benefits.Renovation",
        renovation.pk,
        {"household": household.household_no, "grade": grade, "subsidy": str(amount)},
        actor=actor,
    )
    return renovation


@transaction.atomic
def advance_renovation(*, actor, renovation: Renovation, status: str, completed_on: dt.date | None = None):
    ensure_writable(actor, renovation.household)
    if status not in dict(Renovation.STATUSES):
        raise Refused("无效的进度", "status")
    if status == "done" and completed_on is None:
        raise Refused("竣工验收须填写竣工日期", "completed_on")
    renovation.status = status
    renovation.completed_on = completed_on if status == "done" else None
    renovation.save(update_fields=["status", "completed_on"])
    audit.record(
        "benefits.renovation_status", "benefits.Renovation", renovation.pk, {"status": status}, actor=actor
    )
    return renovation


# -- microcredit ---------------------------------------------------------------------------------------


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


@transaction.atomic
def record_loan(
    *,
    actor,
    household: Household,
    borrower: Member,
    bank: str,
    amount,
    term_months: int,
    rate,
    start_date: dt.date,
    purpose: str = "",
) -> Loan:
    """A microcredit loan within the policy's limits, with one interest-subsidy entitlement per loan year."""
    ensure_writable(actor, household)
    _live_member(household, borrower, "borrower")
    if household.status == "removed":
        raise Refused("扶贫小额信贷只贷给建档立卡贫困户：该户已销号", "household")
    policy = rules.for_year_rules(start_date.year)
    value = _money(amount, "amount", "贷款金额")
    limit = policy.microcredit_max_amount.value
    if value <= 0:
        raise Refused("贷款金额须大于0", "amount")
    if value > limit:
        raise Refused(f"贷款金额 {value} 元超过政策上限 {limit:,.0f} 元", "amount")
    max_months = int(policy.microcredit_max_years.value) * 12
    if not 1 <= int(term_months) <= max_months:
        raise Refused(f"贷款期限须在1至{max_months}个月之间（政策上限{max_months // 12}年）", "term_months")
    try:
        annual = Decimal(str(rate))
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise Refused("年利率无效", "rate") from exc
    if not annual.is_finite() or not Decimal("0") < annual < Decimal("0.2"):
        raise Refused("年利率须在0至20%之间（例如 0.0475）", "rate")
    age = rules.age_on(borrower.birth_date, start_date)
    low, high = int(policy.microcredit_age_min.value), int(policy.microcredit_age_max.value)
    if not low <= age <= high:
        raise Refused(f"借款人放款日年龄 {age} 岁，不在政策规定的 {low}–{high} 周岁之内", "borrower")
    loan = Loan.objects.create(
        household=household,
        borrower=borrower,
        bank=bank,
        amount=value,
        term_months=int(term_months),
        rate=annual,
        start_date=start_date,
        due_date=_add_months(start_date, int(term_months)),
        purpose=purpose,
        created_by=actor,
    )
    years = -(-int(term_months) // 12)
    for index in range(years):
        Entitlement.objects.create(
            household=household,
            member=borrower,
            kind=Kind.CREDIT,
            year=start_date.year + index,
            amount=loan.yearly_subsidy,
            description=f"{bank} 第{index + 1}年贴息",
            loan=loan,
            created_by=actor,
        )
    audit.record(
        "benefits.loan",
        "benefits.Loan",
        loan.pk,
        {"household": household.household_no, "amount": str(value), "months": int(term_months)},
        actor=actor,
    )
    return loan


def outstanding(loan: Loan) -> Decimal:
    repaid = loan.repayments.aggregate(s=Sum("principal"))["s"] or ZERO
    return loan.amount - repaid


@transaction.atomic
def record_repayment(*, actor, loan: Loan, paid_on: dt.date, principal, interest=ZERO) -> Repayment:
    ensure_writable(actor, loan.household)
    value = _money(principal, "principal", "还款本金")
    left = outstanding(loan)
    if value <= 0 or value > left:
        raise Refused(f"还款本金须大于0且不超过未还本金 {left} 元", "principal")
    repayment = Repayment.objects.create(
        loan=loan, paid_on=paid_on, principal=value, interest=_money(interest, "interest", "利息")
    )
    audit.record("benefits.repayment", "benefits.Loan", loan.pk, {"principal": str(value)}, actor=actor)
    return repayment


# -- dividends -----------------------------------------------------------------------------------------


def _ensure_town(actor) -> None:
    if not may_write(actor):
        raise NotPermitted("您无权登记收益资产")


@transaction.atomic
def record_asset(
    *, actor, village, name: str, kind: str, cost, acquired_year: int, fund_source: str
) -> Asset:
    _ensure_town(actor)
    if not actor.is_admin and not village.code.startswith(actor.area_id or "-"):
        raise NotPermitted("该村不在您的管辖范围内")
    asset = Asset.objects.create(
        village=village,
        name=name,
        kind=kind,
        cost=_money(cost, "cost", "购置金额"),
        acquired_year=acquired_year,
        fund_source=fund_source,
        created_by=actor,
    )
    audit.record("benefits.asset", "benefits.Asset", asset.pk, {"name": name}, actor=actor)
    return asset


@transaction.atomic
def set_holding(*, actor, asset: Asset, household: Household, shares: int) -> Shareholding:
    ensure_writable(actor, household)
    if int(shares) <= 0:
        raise Refused("股数须大于0", "shares")
    holding, _created = Shareholding.objects.update_or_create(
        asset=asset, household=household, defaults={"shares": int(shares)}
    )
    audit.record(
        "benefits.holding",
        "benefits.Asset",
        asset.pk,
        {"household": household.household_no, "shares": shares},
        actor=actor,
    )
    return holding


def split(total: Decimal, weights: list[int]) -> list[Decimal]:
    """`total` shared by `weights`, each share rounded down to the fen, the last taking the remainder."""
    whole = sum(weights)
    shares = [(total * w / whole).quantize(CENT, rounding=ROUND_DOWN) for w in weights[:-1]]
    return [*shares, total - sum(shares, ZERO)]


@transaction.atomic
def declare_dividend(*, actor, asset: Asset, year: int, total) -> Dividend:
    """A year's payout of `asset`: one dividend entitlement per shareholding household."""
    _ensure_town(actor)
    holdings = list(asset.holdings.select_related("household").order_by("household__household_no"))
    if not holdings:
        raise Refused("该资产还没有持股户")
    for holding in holdings:
        ensure_writable(actor, holding.household)
    value = _money(total, "total", "分红总额")
    if value <= 0:
        raise Refused("分红总额须大于0", "total")
    if Dividend.objects.filter(asset=asset, year=year).exists():
        raise Refused(f"{asset.name} {year}年已分红")
    dividend = Dividend.objects.create(asset=asset, year=year, total=value)
    for holding, amount in zip(holdings, split(value, [h.shares for h in holdings]), strict=True):
        Entitlement.objects.create(
            household=holding.household,
            kind=Kind.DIVIDEND,
            year=year,
            amount=amount,
            description=f"{asset.name} {holding.shares}股",
            dividend=dividend,
            created_by=actor,
        )
    audit.record(
        "benefits.dividend", "benefits.Asset", asset.pk, {"year": year, "total": str(value)}, actor=actor
    )
    return dividend


# -- payments ------------------------------------------------------------------------------------------


def paid_against(entitlement: Entitlement, *, exclude: int | None = None) -> Decimal:
    """What counts against an entitlement: every payment but the failed ones."""
    payments = entitlement.payments.exclude(status=Payment.Status.FAILED)
    if exclude:
        payments = payments.exclude(pk=exclude)
    return payments.aggregate(s=Sum("amount"))["s"] or ZERO


def open_amount(entitlement: Entitlement) -> Decimal:
    return entitlement.amount - paid_against(entitlement)


@transaction.atomic
def pay(*, actor, entitlement: Entitlement, amount=None, paid_for: dt.date | None = None) -> Payment:
    """A payment to the household's 一卡通 account, waiting for the next bank batch. Refused above what the
    entitlement still has open, to a household no longer on the register, to a member who left, or to an
    account number that fails its check digit."""
    household = Household.objects.select_for_update().get(pk=entitlement.household_id)
    ensure_writable(actor, household)
    if household.status == "removed":
        raise Refused("该户已销号，不能付款")
    if entitlement.member_id and entitlement.member.left_on is not None:
        raise Refused(f"{entitlement.member.name}已不在册，不能付款")
    left = open_amount(entitlement)
    value = left if amount in (None, "") else _money(amount, "amount", "付款金额")
    if value <= 0:
        raise Refused("付款金额须大于0（该待遇已无未付金额）", "amount")
    if value > left:
        raise Refused(f"付款金额 {value} 元超过该待遇未付金额 {left} 元", "amount")
    account = (household.bank_account or "").replace(" ", "")
    if not account:
        raise Refused("该户没有登记一卡通账号：请先在户信息中填写")
    if not account_ok(account):
        raise Refused("该户一卡通账号校验位不符：请核对户信息中的账号")
    head = household.members.filter(relation="head", left_on__isnull=True).first()
    payment = Payment.objects.create(
        entitlement=entitlement,
        household=household,
        amount=value,
        payee=head.name if head else "",
        bank_name=household.bank_name,
        bank_account=account,
        paid_for=paid_for or dt.date.today(),
        created_by=actor,
    )
    audit.record(
        "benefits.payment",
        "benefits.Payment",
        payment.pk,
        {"household": household.household_no, "amount": str(value), "kind": entitlement.kind},
        actor=actor,
    )
    return payment
