"""Both readings of the rules at every boundary, explained and in bulk (helpers.both): the platform's
(the default `guangdong-2016`) and the notice's literal reading (`guangdong-2016-notice`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fupin.policy import definition
from fupin.policy.definition import PolicyError

from .helpers import POLICY, both, household, member, village, village_both

NOTICE = definition.load("guangdong-2016-notice")


# -- the platform's reading (default) -------------------------------------------------------------


def test_the_default_is_the_platform_reading_with_its_source():
    assert definition.for_year(2017) is not None and definition.for_year(2017).name == "guangdong-2016"
    assert POLICY.reading == "省扶贫信息平台口径" and "GitFront/my-fupin" in POLICY.reading_source
    assert {POLICY.exit_standard[y].status for y in (2016, 2017, 2018)} == {"V"}


@pytest.mark.parametrize("year", [2014, 2015, 2016, 2017, 2018])
def test_the_platform_uses_the_4000_line_flat(year):
    t = POLICY.thresholds(year)
    assert (t.poverty_line, t.village_income_line, t.price_index) == (Decimal("4000"), Decimal("8000"), None)


@pytest.mark.parametrize(
    ("disposable", "below"), [("4000.00", False), ("3999.99", True), ("4000.01", False), ("0.00", True)]
)
def test_poverty_line_in_2016_flat(disposable, below):
    explanation, _row = both(household(disposable=disposable), 2016)
    assert explanation.below_line.verdict is below


@pytest.mark.parametrize(
    ("disposable", "per_capita", "below"),
    [("7999.99", "4000.00", False), ("7999.97", "3999.99", True), ("-0.01", "-0.01", True)],
)
def test_per_capita_is_rounded_half_up_before_the_comparison(disposable, per_capita, below):
    explanation, row = both(household([member(), member()], disposable=disposable), 2016)
    assert explanation.per_capita == Decimal(per_capita)
    assert row["below_line"] is below


@pytest.mark.parametrize(
    ("year", "disposable", "eligible"),
    [
        (2017, "6882.99", False),
        (2017, "6883.00", True),
        (2016, "6432.99", False),
        (2016, "6433.00", True),
        (2018, "7364.99", False),
        (2018, "7365.00", True),
    ],
)
def test_exit_income_is_judged_against_the_yearly_standard(year, disposable, eligible):
    explanation, row = both(household(disposable=disposable), year)
    assert explanation.exit_eligible.verdict is eligible
    assert explanation.unmet == ([] if eligible else ["income"])
    assert row["exit_eligible"] is eligible


def test_household_without_income_members_is_never_below_nor_exits():
    explanation, row = both(household([], disposable="100.00"), 2016)
    assert explanation.per_capita is None
    assert row["below_line"] is False and row["exit_eligible"] is False


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
        (dt.date(2010, 8, 31), "none", []),  # exactly 6 on 2016-08-31: not "over 6"
        (dt.date(2009, 9, 1), "none", []),  # 6 on 31 August, 7 only on 1 September
        (dt.date(2009, 8, 31), "none", ["education"]),  # 7 on 31 August
        (dt.date(2001, 8, 31), "none", ["education"]),  # 15 on 31 August: "up to 15"
        (dt.date(2000, 9, 1), "none", ["education"]),  # 15 on 31 August, 16 on 1 September
        (dt.date(2000, 8, 31), "none", []),  # 16 on 31 August
        (dt.date(2008, 3, 1), "primary", []),
        (dt.date(2008, 3, 1), "preschool", ["education"]),
        (dt.date(2001, 8, 31), "secondary_vocational", []),
    ],
)
def test_the_platform_school_age_is_over_6_and_up_to_15_on_31_august(birth, status, unmet):
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
        (5, 100, "7999.99", True),  # exactly 5 %: "以上" includes the bound
        (4, 100, "7999.99", False),
        (181, 3608, "7999.99", True),  # 5.02 %
        (180, 3608, "7999.99", False),  # 4.99 %
        (5, 100, "8000.00", False),  # the 8000 line, flat
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


# -- years before the policy ------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2014, 2015])
def test_a_year_before_the_policy_is_judged_by_its_identification_rule_only(year):
    assert definition.for_year(year).name == "guangdong-2016"
    explanation, row = both(household(disposable="3000.00"), year)
    assert explanation.below_line.verdict is True and row["below_line"] is True
    assert explanation.exit_eligible is None and row["exit_eligible"] is None and explanation.unmet == []
    assert explanation.thresholds.identification_only
    village_explanation, village_row = village_both(village(5, 100, "7000.00"), year)
    assert village_explanation.relatively_poor.verdict is True and village_row["exit_eligible"] is None


@pytest.mark.parametrize("year", [2013, 2030])
def test_year_outside_every_policy_is_an_error_not_a_verdict(year):
    with pytest.raises(PolicyError, match=str(year)):
        both(household(), year)
    with pytest.raises(PolicyError, match=str(year)):
        definition.for_year(year)


# -- the notice's literal reading ---------------------------------------------------------------------


def test_the_notice_reading_is_never_chosen_by_year():
    assert NOTICE.alternative_of == "guangdong-2016" and NOTICE.reading == "通知字面口径"
    assert all(definition.for_year(y).name == "guangdong-2016" for y in range(2014, 2019))


def test_the_notice_carries_the_line_by_the_price_index():
    assert NOTICE.price_index[2015].value == Decimal("101.30")
    assert NOTICE.thresholds(2015).poverty_line == Decimal("4052.00")  # 4000 × 101.30 / 100
    t = NOTICE.thresholds(2016)
    assert (t.price_index, t.poverty_line) == (Decimal("103.63"), Decimal("4145.20"))
    assert NOTICE.thresholds(2014).poverty_line == Decimal("4000.00")


@pytest.mark.parametrize(("disposable", "below"), [("4145.20", False), ("4145.19", True)])
def test_notice_poverty_line_in_2016_prices(disposable, below):
    explanation, _row = both(household(disposable=disposable), 2016, NOTICE)
    assert explanation.below_line.verdict is below


@pytest.mark.parametrize(
    ("disposable", "eligible", "unmet"), [("6530.49", True, []), ("6530.48", False, ["income"])]
)
def test_notice_exit_at_exactly_45_percent_of_the_same_years_provincial_income(disposable, eligible, unmet):
    assert NOTICE.thresholds(2016).household_exit_threshold == Decimal("6530.49")  # 14512.20 × 0.45
    explanation, _row = both(household(disposable=disposable), 2016, NOTICE)
    assert explanation.exit_eligible.verdict is eligible
    assert explanation.unmet == unmet


@pytest.mark.parametrize(
    ("birth", "unmet"),
    [
        (dt.date(2010, 9, 1), ["education"]),  # exactly 6 on 2016-09-01
        (dt.date(2010, 9, 2), []),  # 5
        (dt.date(2001, 9, 1), ["education"]),  # 15
        (dt.date(2000, 9, 1), []),  # 16
    ],
)
def test_notice_school_age_is_6_to_15_on_1_september(birth, unmet):
    people = [member(), member(labour="none", birth_date=birth, school_status="none")]
    explanation, _row = both(household(people, disposable="20000.00"), 2016, NOTICE)
    assert explanation.unmet == unmet


@pytest.mark.parametrize(("income", "relatively_poor"), [("8290.40", False), ("8290.39", True)])
def test_notice_village_line_in_2016_prices(income, relatively_poor):
    explanation, _row = village_both(village(5, 100, income), 2016, NOTICE)
    assert explanation.relatively_poor.verdict is relatively_poor


def test_the_readings_differ_exactly_where_their_numbers_differ():
    # 6,500 per capita in 2016: above the platform's standard (6,433), below 45 % of 14,512.20 (6,530.49).
    facts = household(disposable="6500.00")
    platform, _ = both(facts, 2016)
    notice, _ = both(facts, 2016, NOTICE)
    assert (platform.exit_eligible.verdict, notice.exit_eligible.verdict) == (True, False)
