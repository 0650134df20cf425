"""Recounting stored figures from the registry (the only writer of `VillageFigure` and `ExitFigure`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Q

from fupin.core.scope import code_prefix
from fupin.registry.models import Household, Member, StatusChange

from . import verdicts
from .models import ExitFigure, VillageFigure


def _selection(villages: Iterable[str] | None, area: str | None) -> Q:
    if villages is not None:
        return Q(village_id__in=sorted(set(villages)))
    return code_prefix("village_id", area) if area else Q()


def refresh(*, villages: Iterable[str] | None = None, area: str | None = None) -> int:
    """Recount the figures of `villages` (codes), or of every village in `area`, or of all villages.

    Runs in the caller's transaction when there is one, so figures and registry commit together.
    Returns the number of figure rows written."""
    if villages is not None:
        villages = [v for v in set(villages) if v]
        if not villages:
            return 0
    where = _selection(villages, area)
    households = Household.objects.filter(where)
    with transaction.atomic():
        verdicts.invalidate(villages=set(villages) if villages is not None else None, area=area)
        VillageFigure.objects.filter(where).delete()
        ExitFigure.objects.filter(where).delete()
        counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        for row in households.values("village_id", "status").annotate(n=Count("pk")).order_by():
            counts[(row["village_id"], row["status"])][0] = row["n"]
        live = Member.objects.filter(left_on__isnull=True, household__in=households)
        persons = live.values("household__village_id", "household__status").annotate(n=Count("pk")).order_by()
        for row in persons:
            counts[(row["household__village_id"], row["household__status"])][1] = row["n"]
        figures = [
            VillageFigure(village_id=village, status=status, households=h, persons=p)
            for (village, status), (h, p) in sorted(counts.items())
        ]
        VillageFigure.objects.bulk_create(figures, batch_size=2000)
        exits = _exits(households)
        ExitFigure.objects.bulk_create(exits, batch_size=2000)
    return len(figures) + len(exits)


def _exits(households) -> list[ExitFigure]:
    """Exits by (village, year): distinct households with a status change to 已脱贫 that year (removed
    households left out), persons = their members on the register now — as the targets page counts."""
    counted = households.exclude(status="removed")
    exited = (
        StatusChange.objects.filter(to_status="exited", household__in=counted)
        .values_list("household_id", "household__village_id", "year")
        .distinct()
        .order_by()
    )
    pairs = list(exited)
    if not pairs:
        return []
    size = dict(
        Member.objects.filter(
            left_on__isnull=True, household__in=counted.filter(status_changes__to_status="exited")
        )
        .values("household_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("household_id", "n")
    )
    totals: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for household_id, village, year in pairs:
        totals[(village, year)][0] += 1
        totals[(village, year)][1] += size.get(household_id, 0)
    return [
        ExitFigure(village_id=village, year=year, households=h, persons=p)
        for (village, year), (h, p) in sorted(totals.items())
    ]
