"""Each check on built data, and `fupin benefits check` with its exact columns."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from fupin.benefits import checks, services
from fupin.benefits.models import Entitlement
from fupin.registry import services as registry
from fupin.registry.models import Household

from .conftest import good_account

pytestmark = pytest.mark.django_db
D = Decimal
DAY = dt.date(2017, 6, 1)


def medical(users, household, granted=None, paid_for=DAY):
    c = services.record_claim(
        actor=users["town"],
        household=household,
        member=household.members.first(),
        treated_on=dt.date(2017, 5, 1),
        hospital="连州市人民医院",
        total_cost="2000.00",
        compliant_cost="2000.00",
        basic_insurance="1000.00",
        critical_insurance="0",
        other_insurance="0",
        aid_granted=granted,
    )
    return Entitlement.objects.get(claim=c)


def found(check, year=None, user=None):
    return [f for f in checks.findings(year=year, user=user) if f.check == check]


def test_medical_shortfall_lists_a_grant_below_seventy_percent(users, household, make_household):
    medical(users, household, granted="650.00")
    medical(users, make_household(bank_account=good_account()))  # at the share: not listed
    [finding] = found("medical_shortfall")
    assert (finding.household_no, finding.amount) == (household.household_no, D("50.00"))
    assert found("medical_shortfall", year=2016) == []


def test_students_without_a_subsidy_for_the_year_are_listed_until_granted(users, pupil_household):
    pupil = pupil_household.members.get(name="小明")
    assert [f.detail for f in found("student_without_subsidy", year=2017)] == [
        "小明（小学）2017学年无生活费补助"
    ]
    services.grant_education(actor=users["town"], member=pupil, year=2017, amount="500")
    assert found("student_without_subsidy", year=2017) == []
    assert len(found("student_without_subsidy", year=2018)) == 1


def test_a_payment_to_a_household_removed_afterwards_is_listed(users, household):
    services.pay(actor=users["town"], entitlement=medical(users, household), paid_for=DAY)
    assert found("paid_removed") == []
    household = Household.objects.get(pk=household.pk)
    registry.change_status(
        actor=users["town"],
        household=household,
        to_status="removed",
        year=2017,
        reason="识别不准",
        expected_version=household.version,
    )
    [finding] = found("paid_removed")
    assert (finding.household_no, finding.amount) == (household.household_no, D("700.00"))


def test_a_payment_for_a_member_dated_after_the_death_is_listed(users, pupil_household):
    pupil = pupil_household.members.get(name="小明")
    entitlement = services.grant_education(actor=users["town"], member=pupil, year=2017, amount="500")
    services.pay(actor=users["town"], entitlement=entitlement, paid_for=DAY)
    registry.remove_member(
        actor=users["town"],
        member=pupil,
        reason="death",
        on_date=dt.date(2017, 5, 20),
        expected_version=pupil.version,
    )
    [finding] = found("paid_dead")
    assert "2017-05-20已死亡" in finding.detail and finding.amount == D("500.00")
    assert found("paid_unregistered") == []


def test_a_member_who_left_after_the_payment_is_not_listed(users, pupil_household):
    pupil = pupil_household.members.get(name="小明")
    entitlement = services.grant_education(actor=users["town"], member=pupil, year=2017, amount="500")
    services.pay(actor=users["town"], entitlement=entitlement, paid_for=DAY)
    registry.remove_member(
        actor=users["town"],
        member=pupil,
        reason="moved",
        on_date=dt.date(2017, 9, 1),
        expected_version=pupil.version,
    )
    assert found("paid_unregistered") == [] and found("paid_dead") == []


def test_the_same_entitlement_paid_twice_and_two_housing_subsidies_in_a_year_are_listed(
    users, household, make_household
):
    entitlement = medical(users, household)
    services.pay(actor=users["town"], entitlement=entitlement, amount="350.00", paid_for=DAY)
    services.pay(actor=users["town"], entitlement=entitlement, amount="350.00", paid_for=DAY)
    other = make_household(bank_account=good_account())
    for _ in range(2):
        r = services.record_renovation(
            actor=users["town"],
            household=other,
            grade="D",
            subsidy_class="rebuild",
            subsidy="20000",
            year=2017,
        )
        services.pay(actor=users["town"], entitlement=Entitlement.objects.get(renovation=r), paid_for=DAY)
    twice = {(f.household_no, f.amount) for f in found("paid_twice")}
    assert twice == {(household.household_no, D("350.00")), (other.household_no, D("40000.00"))}


def test_one_account_paid_for_two_households_is_listed_for_both(users, make_household):
    account = good_account()
    a, b = make_household(bank_account=account), make_household(bank_account=account)
    c = make_household(bank_account=good_account())
    for h in (a, b, c):
        services.pay(actor=users["town"], entitlement=medical(users, h), paid_for=DAY)
    shared = found("shared_account")
    assert sorted(f.household_no for f in shared) == sorted([a.household_no, b.household_no])
    assert all(f"尾号{account[-4:]}" in f.detail for f in shared)


def test_findings_are_limited_to_the_users_households(users, household):
    medical(users, household, granted="600.00")
    assert len(found("medical_shortfall", user=users["cadre"])) == 1
    assert found("medical_shortfall", user=users["cadre_b"]) == []


def test_the_command_writes_the_exact_columns(users, household):
    medical(users, household, granted="600.00")
    out = io.StringIO()
    call_command("benefits", "check", "--year", "2017", "--format", "csv", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["check", "household_no", "detail", "amount"]
    assert ["medical_shortfall", household.household_no] == rows[1][:2]
    assert rows[1][3] == "100.00"


def test_the_command_adds_the_funds_findings_when_that_app_is_there(users, monkeypatch):
    import sys
    import types

    fake = types.ModuleType("fupin.funds.checks")
    fake.findings = lambda year: [
        {"check": "embezzlement", "household_no": "", "detail": f"挤占挪用 {year}", "amount": "1000.00"}
    ]
    package = types.ModuleType("fupin.funds")
    package.checks = fake
    monkeypatch.setitem(sys.modules, "fupin.funds", package)
    monkeypatch.setitem(sys.modules, "fupin.funds.checks", fake)
    out = io.StringIO()
    call_command("benefits", "check", "--year", "2017", "--format", "csv", stdout=out)
    assert out.getvalue().splitlines()[-1] == "embezzlement,,挤占挪用 2017,1000.00"


def test_on_an_empty_database_the_command_prints_only_its_header(users):
    out = io.StringIO()
    call_command("benefits", "check", "--format", "csv", stdout=out)
    assert out.getvalue().splitlines() == ["check,household_no,detail,amount"]
