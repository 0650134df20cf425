"""Keeping the stored figures current on every registry write made through the ORM (services, admin,
shell). The bulk import writes with SQL and calls `services.refresh` itself after its commit.

A change recounts the villages it touches — the household's village, and the old one when a
household or a member moved — inside the same transaction as the change."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from django.db.models.signals import post_delete, post_save

from fupin.areas.models import VillageDesignation, VillageYear
from fupin.registry.models import Household, Income, LivingConditions, Member, ReportedIncome, StatusChange

from . import services, verdicts

# Inside `deferred()`: the villages touched so far, recounted once when the block ends.
_pending: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("figures_pending", default=None)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Collect the villages a block of many writes touches and recount each once at its end (a delete
    of a whole town, the demo's thousands of status changes), instead of once per row."""
    if _pending.get() is not None:  # already inside one: the outer block recounts
        yield
        return
    token = _pending.set(set())
    try:
        yield
        villages = _pending.get()
    finally:
        _pending.reset(token)
    services.refresh(villages=villages)


def _refresh(villages: set) -> None:
    pending = _pending.get()
    if pending is None:
        services.refresh(villages=villages)
    else:
        pending.update(v for v in villages if v)


def _loaded(instance: Any, name: str) -> Any:
    return getattr(instance, "_loaded", {}).get(name)


def _household_villages(*household_ids: int | None) -> set[str]:
    ids = [pk for pk in household_ids if pk]
    return set(Household.objects.filter(pk__in=ids).values_list("village_id", flat=True)) if ids else set()


def household_changed(sender, instance: Household, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    _refresh({instance.village_id, _loaded(instance, "village_id")})


def member_changed(sender, instance: Member, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    _refresh(_household_villages(instance.household_id, _loaded(instance, "household_id")))


def status_changed(sender, instance: StatusChange, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    _refresh(_household_villages(instance.household_id))


def household_fact_changed(sender, instance: Any, **kwargs: Any) -> None:
    """Incomes and living conditions change verdicts, not counts: the village's stored rows go."""
    if kwargs.get("raw"):
        return
    villages = _household_villages(instance.household_id)
    pending = _pending.get()
    if pending is None:
        verdicts.invalidate(villages=villages)
    else:
        pending.update(villages)


def village_fact_changed(sender, instance: Any, **kwargs: Any) -> None:
    if not kwargs.get("raw"):
        verdicts.invalidate(villages={instance.village_id})


def connect() -> None:
    for signal in (post_save, post_delete):
        signal.connect(household_changed, sender=Household, dispatch_uid=f"figures_household_{signal}")
        signal.connect(member_changed, sender=Member, dispatch_uid=f"figures_member_{signal}")
        signal.connect(status_changed, sender=StatusChange, dispatch_uid=f"figures_status_{signal}")
        for model in (Income, LivingConditions, ReportedIncome):
            signal.connect(
                household_fact_changed, sender=model, dispatch_uid=f"figures_{model.__name__}_{signal}"
            )
        for model in (VillageYear, VillageDesignation):
            signal.connect(
                village_fact_changed, sender=model, dispatch_uid=f"figures_{model.__name__}_{signal}"
            )
