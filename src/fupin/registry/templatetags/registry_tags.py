"""Registry filters: personal numbers are shown masked unless a view unmasked them (and audited it)."""

from __future__ import annotations

import datetime as dt

from django import template

from fupin.registry import idnumber

register = template.Library()


@register.filter
def mask_id(number: str | None) -> str:
    return idnumber.mask(number)


@register.filter
def mask_phone(phone: str | None) -> str:
    return idnumber.mask_phone(phone)


@register.filter
def mask_account(account: str | None) -> str:
    """Bank account: only the last four digits."""
    if not account:
        return ""
    return "*" * max(len(account) - 4, 0) + account[-4:]


@register.filter
def age(birth: dt.date | None, on: dt.date | None = None) -> str:
    if birth is None:
        return ""
    today = on or dt.date.today()
    return str(today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day)))
