"""The 20,000-yuan-per-person fund and its 6 : 3 : 1 split (连星府〔2016〕114号 三（三）).

Pure arithmetic on Decimal, no Django: total = persons × the per-person amount; the province's and
Guangzhou's shares are rounded DOWN to the fen, Qingyuan's takes the remainder, so the three shares
always add up to the total to the fen.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Split:
    total: Decimal
    province: Decimal
    guangzhou: Decimal
    qingyuan: Decimal


def split(total: Decimal, shares: tuple[int, int, int]) -> Split:
    """Share `total` (yuan, Decimal) by `shares` (province, Guangzhou, Qingyuan)."""
    if not isinstance(total, Decimal):
        raise TypeError("total must be a Decimal")
    whole = sum(shares)
    province = (total * shares[0] / whole).quantize(CENT, rounding=ROUND_DOWN)
    guangzhou = (total * shares[1] / whole).quantize(CENT, rounding=ROUND_DOWN)
    qingyuan = total - province - guangzhou
    return Split(total=total, province=province, guangzhou=guangzhou, qingyuan=qingyuan)


def per_person_fund(persons: int, per_person: Decimal, shares: tuple[int, int, int]) -> Split:
    return split((per_person * persons).quantize(CENT), shares)
