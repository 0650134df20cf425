"""The 20,000-yuan-per-person fund and its 6 : 3 : 1 split: to the fen, Qingyuan takes the remainder."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fupin.funds.rules import rules
from fupin.funds.split import per_person_fund, split

SHARES = (6, 3, 1)


def test_an_amount_that_does_not_divide_evenly_leaves_the_remainder_to_qingyuan():
    s = split(Decimal("100.03"), SHARES)
    # 60.018 → 60.01 and 30.009 → 30.00 rounded down; Qingyuan 100.03 − 60.01 − 30.00 = 10.02.
    assert (s.province, s.guangzhou, s.qingyuan) == (Decimal("60.01"), Decimal("30.00"), Decimal("10.02"))
    assert s.province + s.guangzhou + s.qingyuan == Decimal("100.03")


def test_one_fen_goes_to_qingyuan():
    s = split(Decimal("0.01"), SHARES)
    assert (s.province, s.guangzhou, s.qingyuan) == (Decimal("0.00"), Decimal("0.00"), Decimal("0.01"))


def test_the_per_person_fund_of_three_persons():
    s = per_person_fund(3, Decimal("20000.00"), SHARES)
    assert (s.total, s.province, s.guangzhou, s.qingyuan) == (
        Decimal("60000.00"),
        Decimal("36000.00"),
        Decimal("18000.00"),
        Decimal("6000.00"),
    )


def test_a_float_is_refused():
    with pytest.raises(TypeError):
        split(100.03, SHARES)


@given(st.integers(min_value=0, max_value=10**12))
def test_the_shares_always_add_up_to_the_total_and_the_first_two_never_exceed_their_exact_part(fen):
    total = Decimal(fen).scaleb(-2)
    s = split(total, SHARES)
    assert s.province + s.guangzhou + s.qingyuan == total
    assert s.province <= total * 6 / 10 < s.province + Decimal("0.01")
    assert s.guangzhou <= total * 3 / 10 < s.guangzhou + Decimal("0.01")
    assert s.qingyuan >= 0


def test_the_numbers_come_from_the_policy_file():
    fund = rules(2017)
    assert fund.per_person == Decimal("20000.00")
    assert fund.shares == SHARES
    assert fund.village_fund_mark == Decimal("300000.00")
    assert fund.retention_days > 0
