"""The policy's benefit numbers and the medical-aid arithmetic, at their boundaries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fupin.benefits import rules

D = Decimal


def aid(compliant, basic="0", critical="0", other="0", total=None):
    return rules.medical_aid(
        total=D(total or compliant),
        compliant=D(compliant),
        basic=D(basic),
        critical=D(critical),
        other=D(other),
        share=D("0.70"),
    )


def test_both_policy_files_carry_the_benefit_numbers_with_sources():
    for name in ("guangdong-2016", "guangdong-2016-notice"):
        r = rules.load(name)
        assert r.medical_aid_share.value == D("0.70")
        assert r.microcredit_max_amount.value == D("50000.00")
        assert r.microcredit_max_years.value == 3
        assert (r.microcredit_age_min.value, r.microcredit_age_max.value) == (18, 65)
        assert r.housing_deadline.value == dt.date(2018, 12, 31)
        assert "114号" in r.medical_aid_share.source


def test_education_amounts_the_notice_does_not_give_are_unknown_not_invented():
    r = rules.load("guangdong-2016")
    assert set(r.education_amounts) == set(rules.STAGES)
    assert all(
        r.education_amount(stage, year) is None for stage in rules.STAGES for year in (2016, 2017, 2018)
    )


def test_aid_is_exactly_seventy_percent_of_the_compliant_remainder():
    result = aid("10000.00", basic="5000.00", critical="2000.00", other="1000.00")
    assert result.remainder == D("2000.00")
    assert result.due == D("1400.00")
    assert result.lines() == ["10,000.00 − 8,000.00 = 2,000.00", "2,000.00 × 70% = 1,400.00"]


def test_a_fraction_of_a_fen_is_rounded_up_so_the_aid_is_never_below_seventy_percent():
    result = aid("0.01")
    assert result.due == D("0.01")  # 0.007 → 0.01, never 0.00
    result = aid("100.03")
    assert result.due == D("70.03")  # 70.021 → 70.03
    assert result.due >= result.remainder * D("0.70")


def test_insurance_paying_more_than_the_compliant_part_leaves_no_aid():
    result = aid("1000.00", basic="900.00", critical="200.00", total="3000.00")
    assert result.remainder == D("0.00")
    assert result.due == D("0.00")


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [((2000, 6, 1), (2018, 6, 1), 18), ((2000, 6, 2), (2018, 6, 1), 17), ((1952, 2, 29), (2017, 2, 28), 64)],
)
def test_age_on_a_day(birth, day, age):
    assert rules.age_on(dt.date(*birth), dt.date(*day)) == age
