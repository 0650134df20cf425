"""The write paths and their refusals at the policy's boundaries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fupin.benefits import services
from fupin.benefits.models import Entitlement, Kind, MedicalClaim, Payment
from fupin.benefits.services import NotPermitted, Refused

from .conftest import person_born

D = Decimal
pytestmark = pytest.mark.django_db


def claim(users, household, **overrides):
    data = {
        "actor": users["town"],
        "household": household,
        "member": household.members.first(),
        "treated_on": dt.date(2017, 5, 4),
        "hospital": "连州市人民医院",
        "total_cost": "12000.00",
        "compliant_cost": "10000.00",
        "basic_insurance": "5000.00",
        "critical_insurance": "2000.00",
        "other_insurance": "0.00",
    }
    data.update(overrides)
    return services.record_claim(**data)


def test_a_claim_computes_the_aid_and_creates_its_entitlement(users, household):
    c = claim(users, household)
    assert (c.aid_due, c.aid_granted, c.share) == (D("2100.00"), D("2100.00"), D("0.7000"))
    entitlement = Entitlement.objects.get(claim=c)
    assert (entitlement.kind, entitlement.amount, entitlement.year) == (Kind.MEDICAL, D("2100.00"), 2017)


def test_a_compliant_cost_above_the_total_is_refused(users, household):
    with pytest.raises(Refused, match="合规医疗费用（10000.01）不能大于医疗总费用（10000.00）"):
        claim(users, household, total_cost="10000.00", compliant_cost="10000.01")
    assert not MedicalClaim.objects.exists()


def test_a_compliant_cost_equal_to_the_total_is_accepted(users, household):
    assert claim(users, household, total_cost="10000.00", compliant_cost="10000.00").aid_due == D("2100.00")


def test_a_grant_below_seventy_percent_is_kept_with_its_shortfall(users, household):
    c = claim(users, household, aid_granted="2099.99")
    assert c.shortfall == D("0.01")
    assert claim(users, household, aid_granted="2100.00").shortfall == D("0.00")


def test_only_the_town_office_within_its_area_records_benefits(users, household):
    for role in ("cadre", "helper", "leader", "auditor"):
        with pytest.raises(NotPermitted):
            claim(users, household, actor=users[role])
    other = users["town"]
    other.area_id = "441882102"
    other.save()
    with pytest.raises(NotPermitted):
        claim(users, household, actor=other)


def loan(users, household, borrower, **overrides):
    data = {
        "actor": users["town"],
        "household": household,
        "borrower": borrower,
        "bank": "连州农商银行",
        "amount": "50000.00",
        "term_months": 36,
        "rate": "0.0475",
        "start_date": dt.date(2017, 3, 1),
    }
    data.update(overrides)
    return services.record_loan(**data)


def test_a_loan_of_exactly_50000_for_exactly_3_years_is_accepted_with_3_yearly_subsidies(users, household):
    borrower = person_born(household, dt.date(1980, 1, 1))
    made = loan(users, household, borrower)
    assert made.due_date == dt.date(2020, 3, 1)
    subsidies = Entitlement.objects.filter(loan=made).order_by("year")
    assert [(e.year, e.amount) for e in subsidies] == [
        (2017, D("2375.00")),
        (2018, D("2375.00")),
        (2019, D("2375.00")),
    ]


def test_a_loan_above_the_limits_is_refused(users, household):
    borrower = person_born(household, dt.date(1980, 1, 1))
    with pytest.raises(Refused, match="超过政策上限 50,000 元"):
        loan(users, household, borrower, amount="50000.01")
    with pytest.raises(Refused, match="1至36个月"):
        loan(users, household, borrower, term_months=37)
    assert not Entitlement.objects.filter(kind=Kind.CREDIT).exists()


@pytest.mark.parametrize(
    ("born", "ok"),
    [
        (dt.date(1999, 3, 1), True),  # 18 on the loan day
        (dt.date(1999, 3, 2), False),  # 17
        (dt.date(1951, 3, 2), True),  # 65
        (dt.date(1951, 3, 1), False),  # 66 on the loan day
    ],
)
def test_the_borrower_must_be_18_to_65_on_the_loan_day(users, household, born, ok):
    borrower = person_born(household, born)
    if ok:
        assert loan(users, household, borrower).pk
    else:
        with pytest.raises(Refused, match="不在政策规定的 18–65 周岁之内"):
            loan(users, household, borrower)


def test_repayment_cannot_exceed_the_outstanding_principal(users, household):
    made = loan(users, household, person_born(household, dt.date(1980, 1, 1)), amount="10000.00")
    services.record_repayment(
        actor=users["town"], loan=made, paid_on=dt.date(2018, 3, 1), principal="6000.00"
    )
    with pytest.raises(Refused, match="4000.00"):
        services.record_repayment(
            actor=users["town"], loan=made, paid_on=dt.date(2018, 6, 1), principal="4000.01"
        )


def test_a_payment_up_to_the_entitlement_is_accepted_and_above_it_refused(users, household):
    entitlement = Entitlement.objects.get(claim=claim(users, household))
    services.pay(actor=users["town"], entitlement=entitlement, amount="2000.00")
    with pytest.raises(Refused, match="超过该待遇未付金额 100.00 元"):
        services.pay(actor=users["town"], entitlement=entitlement, amount="100.01")
    last = services.pay(actor=users["town"], entitlement=entitlement, amount="100.00")
    assert last.bank_account == household.bank_account
    assert services.open_amount(entitlement) == D("0.00")


def test_a_failed_payment_no_longer_counts_against_its_entitlement(users, household):
    entitlement = Entitlement.objects.get(claim=claim(users, household))
    payment = services.pay(actor=users["town"], entitlement=entitlement)
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.FAILED, failure_reason="账户已冻结")
    assert services.open_amount(entitlement) == D("2100.00")


def test_a_payment_to_an_account_failing_its_check_digit_is_refused(users, make_household):
    bad = make_household(bank_account="6228480000000001")  # last digit should be 7
    entitlement = Entitlement.objects.get(claim=claim(users, bad))
    with pytest.raises(Refused, match="校验位不符"):
        services.pay(actor=users["town"], entitlement=entitlement)
    assert not Payment.objects.exists()
    assert services.account_ok("6228480000000007")


def test_education_one_subsidy_per_student_per_school_year(users, pupil_household):
    pupil = pupil_household.members.get(name="小明")
    with pytest.raises(Refused, match="政策未规定该学段的补助金额"):
        services.grant_education(actor=users["town"], member=pupil, year=2017)
    e = services.grant_education(actor=users["town"], member=pupil, year=2017, amount="1000")
    assert (e.stage, e.amount) == ("primary", D("1000.00"))
    with pytest.raises(Refused, match="已有生活费补助"):
        services.grant_education(actor=users["town"], member=pupil, year=2017, amount="1000")
    head = pupil_household.members.get(relation="head")
    with pytest.raises(Refused, match="不在生活费补助学段内"):
        services.grant_education(actor=users["town"], member=head, year=2017, amount="1000")


def test_a_dividend_is_split_by_shares_and_sums_to_its_total_to_the_fen(users, make_household, areas):
    households = [make_household() for _ in range(3)]
    asset = services.record_asset(
        actor=users["town"],
        village=areas["a"],
        name="光伏电站",
        kind="光伏",
        cost="300000",
        acquired_year=2016,
        fund_source="省财政扶贫资金",
    )
    for h in households:
        services.set_holding(actor=users["town"], asset=asset, household=h, shares=1)
    dividend = services.declare_dividend(actor=users["town"], asset=asset, year=2017, total="1000.00")
    amounts = [
        e.amount for e in Entitlement.objects.filter(dividend=dividend).order_by("household__household_no")
    ]
    assert amounts == [D("333.33"), D("333.33"), D("333.34")]
    assert sum(amounts) == D("1000.00")
