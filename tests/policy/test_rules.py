"""The shipped policy at every boundary of the notice's rules, explained and in bulk (helpers.both)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from .helpers import POLICY, both, household, member, village, village_both


def test_line_is_carried_to_the_year_by_the_price_index():
    t = POLICY.thresholds(2016)
    assert t.price_index == Decimal("103.83")
    assert t.poverty_line == Decimal("4153.20")  # 4000 × 103.83 / 100
    assert POLICY.thresholds(2014).poverty_line == Decimal("4000.00")


@pytest.mark.parametrize(
    ("disposable", "below"), [("4000.00", False), ("3999.99", True), ("4000.01", False), ("0.00", True)]
)
def test_poverty_line_in_2014_prices(disposable, below):
    explanation, _row = both(household(disposable=disposable), 2014)
    assert explanation.below_line.verdict is below


@pytest.mark.parametrize(("disposable", "below"), [("4153.20", False), ("4153.19", True)])
def test_poverty_line_in_2016_prices(disposable, below):
    explanation, _row = both(household(disposable=disposable), 2016)
    assert explanation.below_line.verdict is below


@pytest.mark.parametrize(
    ("disposable", "per_capita", "below"),
    [("8306.39", "4153.20", False), ("8306.38", "4153.19", True), ("-0.01", "-0.01", True)],
)
def test_per_capita_is_rounded_half_up_before_the_comparison(disposable, per_capita, below):
    explanation, row = both(household([member(), member()], disposable=disposable), 2016)
    assert explanation.per_capita == Decimal(per_capita)
    assert row["below_line"] is below


def test_household_without_income_members_is_never_below_nor_exits():
    explanation, row = both(household([], disposable="100.00"), 2016)
    assert explanation.per_capita is None
    assert row["below_line"] is False and row["exit_eligible"] is False


def test_exit_threshold_is_exactly_45_percent_of_the_provincial_income():
    assert POLICY.thresholds(2016).household_exit_threshold == Decimal("6530.49")  # 14512.20 × 0.45


@pytest.mark.parametrize(
    ("disposable", "eligible", "unmet"), [("6530.49", True, []), ("6530.48", False, ["income"])]
)
def test_labour_capable_household_exits_at_exactly_45_percent(disposable, eligible, unmet):
    explanation, _row = both(household(disposable=disposable), 2016)
    assert explanation.exit_eligible.verdict is eligible
    assert explanation.unmet == unmet


def test_no_labour_household_exits_on_the_safety_net_whatever_its_income():
    people = [member(labour="none", dibao=True), member(labour="lost", tekun=True)]
    explanation, _row = both(household(people, disposable="1000.00"), 2016)
    assert explanation.exit_eligible.verdict is True
    assert explanation.unmet == []


def test_no_labour_household_with_a_member_outside_the_safety_net_does_not_exit():
    people = [member(labour="none", dibao=True), member(labour="none")]
    explanation, _row = both(household(people, disposable="99999.00"), 2016)
    assert explanation.exit_eligible.verdict is False
    assert explanation.unmet == ["safety_net"]


def test_labour_capable_household_on_dibao_still_needs_the_income_test():
    people = [member(dibao=True)]
    explanation, _row = both(household(people, disposable="1000.00"), 2016)
    assert explanation.unmet == ["income"]


@pytest.mark.parametrize(
    ("birth", "status", "unmet"),
    [
        (dt.date(2010, 9, 1), "none", ["education"]),  # exactly 6 on 2016-09-01
        (dt.date(2010, 9, 2), "none", []),  # 5, not yet of school age
        (dt.date(2001, 9, 1), "none", ["education"]),  # 15
        (dt.date(2000, 9, 1), "none", []),  # 16
        (dt.date(2008, 3, 1), "primary", []),
        (dt.date(2008, 3, 1), "preschool", ["education"]),
        (dt.date(2001, 9, 1), "secondary_vocational", []),
    ],
)
def test_compulsory_school_age_members_must_be_in_school(birth, status, unmet):
    people = [member(), member(labour="none", birth_date=birth, school_status=status)]
    explanation, _row = both(household(people, disposable="20000.00"), 2016)
    assert explanation.unmet == unmet


def test_every_shortfall_is_reported_in_a_fixed_order():
    people = [member(medical_insurance=False), member(labour="none", birth_date=dt.date(2008, 1, 1))]
    explanation, row = both(
        household(people, disposable="100.00", housing_safe=False, water_safe=False), 2016
    )
    assert explanation.unmet == ["income", "education", "medical", "housing", "water"]
    assert row["unmet"] == "income;education;medical;housing;water"


@pytest.mark.parametrize(
    ("poor", "registered", "income", "relatively_poor"),
    [
        (5, 100, "8000.00", True),  # exactly 5 %: "以上" includes the bound
        (4, 100, "8000.00", False),
        (181, 3608, "8000.00", True),  # 5.02 %
        (180, 3608, "8000.00", False),  # 4.99 %
        (5, 100, "8306.40", False),  # the 8000 line in 2016 prices is 8306.40
        (5, 100, "8306.39", True),
        (5, 100, None, False),
        (0, 0, "1000.00", False),
    ],
)
def test_relatively_poor_village(poor, registered, income, relatively_poor):
    explanation, _row = village_both(village(poor, registered, income), 2016)
    assert explanation.relatively_poor.verdict is relatively_poor


@pytest.mark.parametrize(("income", "exits"), [("8707.32", True), ("8707.31", False), (None, False)])
def test_village_exit_at_60_percent_of_the_provincial_income(income, exits):
    assert POLICY.thresholds(2016).village_exit_threshold == Decimal("8707.32")
    explanation, _row = village_both(village(0, 100, income), 2016)
    assert explanation.exit_eligible.verdict is exits


def test_poor_share_has_four_decimals():
    explanation, row = village_both(village(181, 3608, "5000.00"), 2016)
    assert explanation.poor_share == Decimal("0.0502")
    assert row["share_bp"] == 502


def test_targets_reproduce_the_notice():
    assert POLICY.plan(3608) == [(2016, 1082), (2017, 1082), (2018, 1444)]
    assert POLICY.target_notice_persons == 3608
    assert POLICY.plan(10) == [(2016, 3), (2017, 3), (2018, 4)]
    assert POLICY.plan(0) == [(2016, 0), (2017, 0), (2018, 0)]


def test_year_without_figures_is_an_error_not_a_verdict():
    from fupin.policy.definition import PolicyError

    with pytest.raises(PolicyError, match="2030"):
        both(household(), 2030)
