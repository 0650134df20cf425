"""A household's change history (django-simple-history) as lines a person can read.

The caller passes a household it has already read through `selectors`, so the scope is checked.
Personal numbers stay masked here as everywhere else: the history is not a way around the mask.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fupin.core import pii

from .models import Household, Income, LivingConditions, Member

SKIPPED = {"id", "version", "created_at", "updated_at", "household"}


@dataclass
class Change:
    at: dt.datetime
    user: str
    kind: str
    label: str
    action: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)


def _show(model_field: models.Field, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if model_field.name in pii.FIELD_KINDS:
        return pii.mask_field(model_field.name, value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


def _label(model: type[models.Model], record: Any) -> str:
    if model is Member:
        return record.name
    if model is Income:
        return str(record.year)
    if model is Household:
        return record.household_no
    return ""


def household_changes(household: Household, *, limit: int = 100) -> list[Change]:
    """Every recorded change of the household, its members, incomes and conditions, newest first."""
    sources = ((Household, {"id": household.pk}), (Member, {"household_id": household.pk}))
    sources += ((Income, {"household_id": household.pk}), (LivingConditions, {"household_id": household.pk}))
    actions = {
        "+": pgettext("history", "新增"),
        "~": pgettext("history", "修改"),
        "-": pgettext("history", "删除"),
    }
    changes: list[Change] = []
    for model, condition in sources:
        shown = [f for f in model._meta.concrete_fields if f.name not in SKIPPED]
        records = (
            model.history.filter(**condition).select_related("history_user").order_by("id", "history_id")
        )
        previous: dict[int, Any] = {}
        for record in records:
            before = previous.get(record.id)
            differences = []
            for model_field in shown:
                new = getattr(record, model_field.attname)
                old = getattr(before, model_field.attname) if before is not None else None
                if before is None and record.history_type == "+":
                    continue
                if old != new:
                    differences.append(
                        (str(model_field.verbose_name), _show(model_field, old), _show(model_field, new))
                    )
            previous[record.id] = record
            if record.history_type == "~" and not differences:
                continue
            changes.append(
                Change(
                    at=record.history_date,
                    user=str(record.history_user) if record.history_user else _("系统"),
                    kind=str(model._meta.verbose_name),
                    label=_label(model, record),
                    action=actions.get(record.history_type, record.history_type),
                    fields=differences,
                )
            )
    changes.sort(key=lambda change: change.at, reverse=True)
    return changes[:limit]
