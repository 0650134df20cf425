"""Template filters of personal data (`{% load pii %}`): the masks of `fupin.core.pii`, for every app."""

from __future__ import annotations

import datetime as dt

from django import template

from fupin.core import pii

register = template.Library()


@register.filter
def mask_id(number: str | None) -> str:
    return pii.mask_id(number)


@register.filter
def mask_phone(phone: str | None) -> str:
    return pii.mask_phone(phone)


@register.filter
def mask_account(account: str | None) -> str:
    return pii.mask_account(account)


@register.filter
def mask_address(address: str | None) -> str:
    return pii.mask_address(address)


@register.filter
def birth_year(birth: dt.date | None) -> str:
    return pii.mask_birth_date(birth)


@register.filter
def age(birth: dt.date | None, on: dt.date | None = None) -> str:
    years = pii.age(birth, on)
    return "" if years is None else str(years)
