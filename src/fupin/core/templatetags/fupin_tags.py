"""Filters every page uses: money and yes/no."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import gettext as _

from fupin.core import money

register = template.Library()


@register.filter
def yuan(amount: Decimal | None) -> str:
    return money.yuan(amount)


@register.filter
def yes_no(value: bool | None) -> str:
    if value is None:
        return "—"
    return _("是") if value else _("否")


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
