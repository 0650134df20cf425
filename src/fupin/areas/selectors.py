"""Scoped reads of areas: the villages a user may see, and their figures as aggregates."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from fupin.core.codes import HOUSEHOLD_STATUS
from fupin.core.models import User
from fupin.core.scope import in_area

from .models import Area, VillageYear


def villages_for(*, user: User) -> QuerySet[Area]:
    """Villages inside the user's area (every village for an administrator)."""
    if not user.is_authenticated or not user.reads_aggregates:
        return Area.objects.none()
    return in_area(Area.objects.filter(level="village"), user, "code").order_by("code")


def village_for(*, user: User, code: str) -> Area:
    """One village the user may see; raises Area.DoesNotExist otherwise."""
    return villages_for(user=user).select_related("parent").get(code=code)


def towns_for_new_village(*, user: User) -> QuerySet[Area]:
    """Towns under which the user may add a village: its own town (or every town for an administrator)."""
    if not user.is_authenticated or not user.manages_households:
        return Area.objects.none()
    return in_area(Area.objects.filter(level="town"), user, "code").order_by("code")


def writable_villages_for(*, user: User) -> QuerySet[Area]:
    """Villages whose facts and households the user may change."""
    if not user.is_authenticated or not user.manages_households:
        return Area.objects.none()
    return in_area(Area.objects.filter(level="village"), user, "code").order_by("code")


@dataclass
class VillageSummary:
    village: Area
    households: dict[str, int] = field(default_factory=dict)
    persons: dict[str, int] = field(default_factory=dict)
    latest: VillageYear | None = None

    @property
    def total_households(self) -> int:
        return sum(self.households.values())

    @property
    def total_persons(self) -> int:
        return sum(self.persons.values())

    def by_status(self) -> list[tuple[str, str, int, int]]:
        """(code, label, households, persons) for every status, zeros included."""
        return [
            (code, label, self.households.get(code, 0), self.persons.get(code, 0))
            for code, label in HOUSEHOLD_STATUS.choices
        ]


def village_summaries(*, villages: list[Area]) -> list[VillageSummary]:
    """Households and persons on the register by status, and the latest year's facts, per village.

    The counts are the stored figures (`fupin.figures`, kept current on every registry change): two
    indexed reads whatever the size of the villages (the caller passes one page of them).
    """
    from fupin.figures.selectors import village_figures

    summaries = {village.code: VillageSummary(village) for village in villages}
    codes = list(summaries)
    for code, figures in village_figures(villages=codes).items():
        summaries[code].households = dict(figures.households)
        summaries[code].persons = dict(figures.persons)
    latest: dict[str, VillageYear] = {}
    for year in VillageYear.objects.filter(village_id__in=codes).order_by("village_id", "-year"):
        latest.setdefault(year.village_id, year)
    for code, year in latest.items():
        summaries[code].latest = year
    return list(summaries.values())


def totals(summaries: list[VillageSummary]) -> VillageSummary:
    total = VillageSummary(Area(code="", name=""))
    for summary in summaries:
        for status, n in summary.households.items():
            total.households[status] = total.households.get(status, 0) + n
        for status, n in summary.persons.items():
            total.persons[status] = total.persons.get(status, 0) + n
    return total


def village_years(*, village: Area) -> list[VillageYear]:
    return list(VillageYear.objects.filter(village=village).order_by("-year"))
