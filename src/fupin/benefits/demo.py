"""The benefits part of the demo town (`fupin loaddemo`): claims, subsidies, renovations, loans, dividends and
their payments for 2016–2018, paid through yearly bank batches (the 2018 batch with one failed payment),
with planted cases for the checks.

Everything goes through the services and the bank file path, as an office would do it, except two
planted records that no honest path produces: a payment whose account was changed to another
household's (多户共用账号) and a household paid twice for renovation in one year (the second renovation is
recorded through the service; that is what the check is for).

Not planted: payments to removed households or dead / departed members. Planting them would change the
register (a removal, a death), and the demo's register is pinned by its own test (1,466 households, 3,608
members, their history and audit counts); `tests/benefits/test_checks.py` builds those cases instead.

Amounts the policy leaves unknown (education subsidy per stage, renovation subsidy per class) are the
demo's own figures (`DEMO_*` below), not policy numbers.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from decimal import Decimal

from fupin.core.roles import Role
from fupin.registry.models import LivingConditions, Member

from . import bank, services
from .models import (
    Asset,
    BankBatch,
    Dividend,
    Entitlement,
    Loan,
    MedicalClaim,
    Payment,
    Renovation,
    Repayment,
    Shareholding,
)
from .selectors import STUDENT_CODES

SEED = 20161226
YEARS = (2016, 2017, 2018)
DEMO_EDUCATION = {
    "primary": "500.00",
    "junior": "1000.00",
    "senior": "1500.00",
    "secondary_vocational": "1500.00",
    "college": "3000.00",
}
DEMO_RENOVATION = {"rebuild": "20000.00", "repair": "8000.00"}
HOSPITALS = ("连州市人民医院", "星子镇卫生院", "清远市人民医院", "连州市中医院")
FAILED_REASON = "账户已冻结，请核实账户状态后重新付款"


def _paying(households: dict) -> list:
    """Households in the programme whose 一卡通 account passes its check digit, in household-number order."""
    return [
        h
        for _no, h in sorted(households.items())
        if h.status != "removed" and services.account_ok((h.bank_account or "").replace(" ", ""))
    ]


def _claims(actor, rng: random.Random, paying: list, year: int) -> list[Entitlement]:
    made = []
    for household in rng.sample(paying, 8):
        member = household.members.filter(left_on__isnull=True).order_by("id").first()
        compliant = Decimal(rng.randrange(3000, 40000))
        basic = (compliant * Decimal("0.5")).quantize(Decimal("1"))
        critical = (compliant * Decimal("0.15")).quantize(Decimal("1"))
        claim = services.record_claim(
            actor=actor,
            household=household,
            member=member,
            treated_on=dt.date(year, rng.randrange(1, 11), rng.randrange(1, 28)),
            hospital=rng.choice(HOSPITALS),
            total_cost=compliant + rng.randrange(0, 3000),
            compliant_cost=compliant,
            basic_insurance=basic,
            critical_insurance=critical,
            other_insurance=0,
        )
        made.append(Entitlement.objects.get(claim=claim))
    return made


def _pay_all(actor, entitlements: list[Entitlement], year: int) -> list[Payment]:
    payments = []
    for entitlement in entitlements:
        # an account failing its check digit is not paid: the office must correct it first
        if services.account_ok(entitlement.household.bank_account) and services.open_amount(entitlement) > 0:
            payments.append(
                services.pay(actor=actor, entitlement=entitlement, paid_for=dt.date(year, 12, 10))
            )
    return payments


def _bank_round(actor, year: int, fail: Payment | None = None) -> None:
    """Export the year's batch and import the bank's answer: all paid but `fail`."""
    _batch, data = bank.export_batch(actor=actor)
    rows = bank.read_rows(data)
    for row in rows[1:]:
        failed = fail is not None and row[0] == fail.reference
        row[7], row[8] = ("失败", FAILED_REASON) if failed else ("成功", "")
    report = bank.import_results(actor=actor, data=_workbook(rows), today=dt.date(year, 12, 20))
    if not report.ok:  # a demo that cannot pay its own batch is a bug
        raise RuntimeError(report.errors)


def _workbook(rows: list[list]) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, float):
                sheet.write_number(r, c, value)
            elif value not in (None, ""):
                sheet.write_string(r, c, str(value))
    book.close()
    return buffer.getvalue()


def load(*, town, users, households, actor) -> None:
    if MedicalClaim.objects.filter(household__in=list(households.values())).exists():
        return
    actor = users[Role.TOWN_OFFICE]
    rng = random.Random(SEED)
    paying = _paying(households)
    by_no = dict(households)
    students = [
        m
        for h in paying
        for m in h.members.filter(left_on__isnull=True, school_status__in=STUDENT_CODES).order_by("id")
    ]
    everyone = [h for _no, h in sorted(households.items()) if h.status != "removed"]
    all_students = [
        m
        for m in Member.objects.filter(
            household__in=everyone, left_on__isnull=True, school_status__in=STUDENT_CODES
        ).order_by("household__household_no", "id")
    ]
    dilapidated = set(
        LivingConditions.objects.filter(household__in=everyone, dilapidated=True).values_list(
            "household", flat=True
        )
    )
    unsafe = [h for h in everyone if not h.housing_safe or h.pk in dilapidated]
    left_without = {m.pk for m in students[:2]}  # planted: two students without a 2018 subsidy
    loan_households = rng.sample(paying, 6)
    asset_households = rng.sample(paying, 12)
    village = paying[0].village if paying else None
    fail = None

    for year in YEARS:
        year_entitlements = _claims(actor, rng, paying, year)
        # 2016–2017: the students of the paying households; 2018: every student of the town but two
        for member in all_students if year == 2018 else students:
            if year == 2018 and member.pk in left_without:
                continue
            stage = services.stage_of(member)
            year_entitlements.append(
                services.grant_education(actor=actor, member=member, year=year, amount=DEMO_EDUCATION[stage])
            )
        for household in unsafe[(year - 2016) * 2 : (year - 2016) * 2 + (2 if year < 2018 else 1)]:
            subsidy_class = rng.choice(sorted(DEMO_RENOVATION))
            renovation = services.record_renovation(
                actor=actor,
                household=household,
                grade="D" if subsidy_class == "rebuild" else "C",
                subsidy_class=subsidy_class,
                subsidy=DEMO_RENOVATION[subsidy_class],
                year=year,
            )
            if year < 2018:
                services.advance_renovation(
                    actor=actor, renovation=renovation, status="done", completed_on=dt.date(year, 11, 30)
                )
            else:
                services.advance_renovation(actor=actor, renovation=renovation, status="building")
            year_entitlements.append(Entitlement.objects.get(renovation=renovation))
        if year == 2016:
            for index, household in enumerate(loan_households):
                borrower = _borrower(household, dt.date(2016, 5, 1))
                if borrower is None:
                    continue
                services.record_loan(
                    actor=actor,
                    household=household,
                    borrower=borrower,
                    bank="连州农商银行",
                    amount="50000.00" if index % 2 else "30000.00",
                    term_months=36,
                    rate="0.0475",
                    start_date=dt.date(2016, 5, 1),
                    purpose="种养殖",
                )
            if village is not None:
                asset = services.record_asset(
                    actor=actor,
                    village=village,
                    name="村级光伏电站",
                    kind="光伏发电",
                    cost="300000.00",
                    acquired_year=2016,
                    fund_source="省、广州市、清远市扶贫资金（6:3:1）",
                )
                for household in asset_households:
                    services.set_holding(actor=actor, asset=asset, household=household, shares=1)
        year_entitlements.extend(Entitlement.objects.filter(kind="credit", year=year, loan__isnull=False))
        asset = Asset.objects.filter(village=village).first() if village else None
        if asset is not None and year >= 2017:
            dividend = services.declare_dividend(actor=actor, asset=asset, year=year, total="24000.00")
            year_entitlements.extend(Entitlement.objects.filter(dividend=dividend))
        if year == 2017 and len(paying) > 1:
            # planted 虚报冒领: one house renovated once but its subsidy recorded and paid twice in a year
            for _twice in range(2):
                again = services.record_renovation(
                    actor=actor,
                    household=paying[1],
                    grade="C",
                    subsidy_class="repair",
                    subsidy="8000.00",
                    year=2017,
                )
                services.advance_renovation(
                    actor=actor, renovation=again, status="done", completed_on=dt.date(2017, 10, 31)
                )
                year_entitlements.append(Entitlement.objects.get(renovation=again))
        # planted: one medical grant below the policy's share
        if year == 2018:
            household = paying[-1]
            claim = services.record_claim(
                actor=actor,
                household=household,
                member=household.members.filter(left_on__isnull=True).order_by("id").first(),
                treated_on=dt.date(2018, 6, 15),
                hospital="连州市人民医院",
                total_cost="18000.00",
                compliant_cost="15000.00",
                basic_insurance="7500.00",
                critical_insurance="1500.00",
                other_insurance="0.00",
                aid_granted="3000.00",
            )
            year_entitlements.append(Entitlement.objects.get(claim=claim))
        payments = _pay_all(actor, year_entitlements, year)
        if year == 2017 and len(payments) > 2:
            # planted 虚报冒领: one payment's account changed to another household's account
            victim, other = (
                payments[0],
                next(p for p in payments if p.household_id != payments[0].household_id),
            )
            Payment.objects.filter(pk=victim.pk).update(bank_account=other.bank_account)
        if year == 2018 and payments:
            fail = next((p for p in payments if p.entitlement.kind == "medical"), payments[0])
        _bank_round(actor, year, fail)
    for loan in Loan.objects.filter(household__in=list(by_no.values())).order_by("pk")[2:]:
        services.record_repayment(actor=actor, loan=loan, paid_on=loan.due_date, principal=loan.amount)
    # two loans left unpaid: overdue. One more year of medical claims waits for the next bank batch.
    for entitlement in _claims(actor, rng, paying, 2018)[:3]:
        services.pay(actor=actor, entitlement=entitlement, paid_for=dt.date(2018, 12, 28))


def _borrower(household, day: dt.date):
    from .rules import age_on

    for member in household.members.filter(left_on__isnull=True).order_by("id"):
        if 18 <= age_on(member.birth_date, day) <= 65:
            return member
    return None


def reset(*, town_code) -> None:
    """Remove the town's benefit records (before the registry's households go)."""
    under = {"household__village__code__startswith": town_code}
    batches = set(Payment.objects.filter(**under).values_list("batch", flat=True))
    Payment.objects.filter(**under).delete()
    BankBatch.objects.filter(pk__in=[b for b in batches if b]).delete()
    Entitlement.objects.filter(**under).delete()
    MedicalClaim.objects.filter(**under).delete()
    Renovation.objects.filter(**under).delete()
    Repayment.objects.filter(loan__household__village__code__startswith=town_code).delete()
    Loan.objects.filter(**under).delete()
    Shareholding.objects.filter(**under).delete()
    Dividend.objects.filter(asset__village__code__startswith=town_code).delete()
    Asset.objects.filter(village__code__startswith=town_code).delete()
