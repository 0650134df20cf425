"""Reading stored figures: a village page of them, or the sum over an area (a range of village codes)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Sum

from fupin.core.scope import code_prefix

from .models import ExitFigure, VillageFigure


@dataclass
class Figures:
    """Households and persons on the register by status (codes), and exits by year."""

    households: dict[str, int] = field(default_factory=dict)
    persons: dict[str, int] = field(default_factory=dict)
    exits: dict[int, tuple[int, int]] = field(default_factory=dict)

    @property
    def total_households(self) -> int:
        return sum(self.households.values())

    @property
    def total_persons(self) -> int:
        return sum(self.persons.values())


def _area(queryset, area: str | None):
    return queryset.filter(code_prefix("village_id", area)) if area else queryset


def area_figures(*, area: str | None) -> Figures:
    """The figures of every village inside `area` (None: all), summed. Two grouped index reads."""
    result = Figures()
    rows = (
        _area(VillageFigure.objects.all(), area)
        .values("status")
        .annotate(h=Sum("households"), p=Sum("persons"))
        .order_by()
    )
    for row in rows:
        result.households[row["status"]] = row["h"]
        result.persons[row["status"]] = row["p"]
    exits = (
        _area(ExitFigure.objects.all(), area).values("year").annotate(h=Sum("households"), p=Sum("persons"))
    )
    for row in exits.order_by("year"):
        result.exits[row["year"]] = (row["h"], row["p"])
    return result


def village_figures(*, villages: list[str]) -> dict[str, Figures]:
    """Figures per village for the given codes (a page of a village list)."""
    result: dict[str, Figures] = defaultdict(Figures)
    for row in VillageFigure.objects.filter(village_id__in=villages).values_list(
        "village_id", "status", "households", "persons"
    ):
        code, status, households, persons = row
        result[code].households[status] = households
        result[code].persons[status] = persons
    return result


def exits_by_village_year(*, area: str | None) -> dict[tuple[str, int], int]:
    """Persons exited per (village, year) inside `area`, for the targets page."""
    return {
        (village, year): persons
        for village, year, persons in _area(ExitFigure.objects.all(), area).values_list(
            "village_id", "year", "persons"
        )
    }
