"""The abuse checks on built data: 挤占挪用, 截留私分, 挥霍浪费 — each found, each with its evidence,
and nothing found in the clean cases beside them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fupin.funds import services
from fupin.funds.checks import evidence, findings

from .conftest import run_to

TODAY = dt.date(2018, 12, 31)


def checks_of(year=2017):
    return [(f.check, f.amount) for f in findings(year, today=TODAY)]


def test_spending_the_per_person_fund_on_a_village_road_is_diverted(
    users, allocation, project, make_household
):
    fund = allocation(amount="60000.00", source="pp_province", purposes=["industry", "education"])
    household = make_household()
    # Within its purpose: industry support paid to a household — clean.
    services.record_expense(
        actor=users["town"],
        allocation=fund,
        household=household,
        project_type="industry",
        amount="5000",
        paid_on=dt.date(2017, 3, 2),
        payee="户主",
    )
    road = run_to(project(alloc=fund, budget="40000.00", project_type="road"), "implementing", users)
    services.record_expense(
        actor=users["town"],
        allocation=fund,
        project=road,
        amount="12345.67",
        paid_on=dt.date(2017, 5, 2),
        payee="路桥公司",
    )
    found = [f for f in findings(2017, today=TODAY) if f.check == "diverted"]
    assert len(found) == 1
    check, household_no, detail, amount = found[0]
    assert (household_no, amount) == ("", Decimal("12345.67"))
    assert "村道硬底化" in detail and "清财农〔2017〕1号" in detail


def test_a_household_payment_outside_the_purpose_names_the_household(users, allocation, make_household):
    fund = allocation(amount="10000.00", purposes=["education"])
    household = make_household()
    services.record_expense(
        actor=users["town"],
        allocation=fund,
        household=household,
        project_type="relief",
        amount="800",
        paid_on=dt.date(2017, 3, 2),
        payee="户主",
    )
    [finding] = [f for f in findings(2017, today=TODAY) if f.check == "diverted"]
    assert finding.household_no == household.household_no


def test_money_not_paid_on_within_the_policy_days_is_retained(users, allocation, make_household):
    household = make_household()
    idle = allocation(amount="70000.00", on=dt.date(2017, 3, 1), document_no="清财农〔2017〕21号")
    late = allocation(amount="20000.00", on=dt.date(2017, 3, 1), document_no="清财农〔2017〕22号")
    prompt = allocation(amount="30000.00", on=dt.date(2017, 3, 1), document_no="清财农〔2017〕23号")
    services.record_expense(
        actor=users["town"],
        allocation=late,
        household=household,
        project_type="industry",
        amount="100",
        paid_on=dt.date(2017, 3, 1) + dt.timedelta(days=91),
        payee="户主",
    )
    services.record_expense(
        actor=users["town"],
        allocation=prompt,
        household=household,
        project_type="industry",
        amount="100",
        paid_on=dt.date(2017, 3, 1) + dt.timedelta(days=90),
        payee="户主",
    )
    found = {f["allocation"]: f for f in evidence(2017, today=TODAY) if f["check"] == "retained"}
    assert set(found) == {idle.pk, late.pk}
    assert "至今未拨付" in found[idle.pk]["detail"]
    assert found[idle.pk]["amount"] == Decimal("70000.00")


def test_retention_is_not_flagged_before_the_days_have_passed(users, allocation):
    allocation(amount="70000.00", on=dt.date(2017, 3, 1))
    assert evidence(2017, today=dt.date(2017, 5, 30)) == []
    assert [f["check"] for f in evidence(2017, today=dt.date(2017, 5, 31))] == ["retained"]


def test_a_project_costing_far_above_its_types_median_is_wasteful(users, allocation, project):
    fund = allocation(amount="10000000.00")
    for i, budget in enumerate(("100000", "110000", "120000")):
        run_to(project(alloc=fund, budget=budget, beneficiaries=100, name=f"正常{i}"), "approved", users)
    # Median per beneficiary: 1,100 yuan; three times is 3,300.
    at_limit = run_to(
        project(alloc=fund, budget="330000", beneficiaries=100, name="恰好3倍"), "approved", users
    )
    lavish = run_to(
        project(alloc=fund, budget="340000", beneficiaries=80, name="豪华村道"), "approved", users
    )
    found = [f for f in evidence(2017, today=TODAY) if f["check"] == "wasteful"]
    assert [f["project"] for f in found] == [lavish.pk]
    assert found[0]["amount"] == Decimal("340000.00")
    assert at_limit.pk not in [f["project"] for f in found]


def test_a_type_with_fewer_than_three_projects_has_no_median_to_compare(users, allocation, project):
    fund = allocation(amount="10000000.00")
    run_to(project(alloc=fund, budget="10000", beneficiaries=100), "approved", users)
    run_to(project(alloc=fund, budget="900000", beneficiaries=10, name="b"), "approved", users)
    assert [f for f in evidence(2017, today=TODAY) if f["check"] == "wasteful"] == []
