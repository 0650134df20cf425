"""The household page's 惠民政策与付款 section: totals and every failed payment still open."""

from __future__ import annotations

from decimal import Decimal

from django.template.loader import render_to_string

from . import selectors
from .models import Payment


def household(request, household) -> list[str]:
    if not request.user.reads_households:
        return []
    data = selectors.household_benefits(user=request.user, household=household)
    total = sum((e.amount for e in data["entitlements"]), Decimal("0.00"))
    paid = sum((p.amount for p in data["payments"] if p.status == Payment.Status.PAID), Decimal("0.00"))
    return [
        render_to_string(
            "benefits/_panel.html",
            {**data, "household": household, "total": total, "paid": paid},
            request=request,
        )
    ]
