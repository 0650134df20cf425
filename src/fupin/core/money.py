"""Money is Decimal with two places, end to end."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value: object) -> Decimal:
    """A yuan amount rounded half-up to the cent; raises ValueError for non-numbers."""
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def per_capita(total: Decimal, persons: int) -> Decimal | None:
    """Total ÷ persons, half-up to the cent; None for a household with nobody on the register."""
    if persons <= 0:
        return None
    return (Decimal(total) / Decimal(persons)).quantize(CENT, rounding=ROUND_HALF_UP)


def yuan(amount: Decimal | None) -> str:
    """12,345.60 — for screens and documents."""
    if amount is None:
        return "—"
    return f"{amount:,.2f}"
