"""Reads of the reports app: the audit trail for those who audit.

The trail carries no area (an entry names a user, an action and a record), so it is read whole, and
only by the roles that audit: the administrator and 审计/纪检. ID numbers that a detail may quote are
masked on display like everywhere else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from fupin.core.models import AuditEvent
from fupin.core.roles import Role

AUDIT_READERS = frozenset({Role.ADMIN, Role.AUDITOR})


def reads_audit_trail(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in AUDIT_READERS)


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_events(*, user, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The entries that match, newest first. The caller has checked `reads_audit_trail`."""
    if not reads_audit_trail(user):
        return AuditEvent.objects.none()
    events = AuditEvent.objects.all()
    if filters.actor:
        events = events.filter(actor_name=filters.actor)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.object_type:
        events = events.filter(object_type=filters.object_type)
    if filters.object_id:
        events = events.filter(object_id=filters.object_id)
    if filters.date_from:
        events = events.filter(at__gte=_day_start(filters.date_from))
    if filters.date_to:
        events = events.filter(at__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    return events.order_by("-seq")


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())


def object_types() -> list[str]:
    return list(
        AuditEvent.objects.exclude(object_type="")
        .order_by("object_type")
        .values_list("object_type", flat=True)
        .distinct()
    )


# -- village indicators ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    label: str
    done: object
    target: object
    unit: str
    source: str
    villages_left: tuple[str, ...] = ()

    @property
    def percent(self) -> int:
        try:
            return min(100, int(100 * float(self.done) / float(self.target))) if self.target else 0
        except (TypeError, ValueError):
            return 0


def indicator_rows(*, user, year: int) -> list[tuple]:
    """(village, the indicators as they stood in `year` — the latest record up to it — or None, whether
    that record is of the year itself) for every village the user sees."""
    from fupin.areas import selectors as area_selectors

    from .models import VillageIndicators

    villages = list(area_selectors.villages_for(user=user))
    latest: dict[str, VillageIndicators] = {}
    records = VillageIndicators.objects.filter(village__in=[v.code for v in villages], year__lte=year)
    for row in records.order_by("village_id", "year"):
        latest[row.village_id] = row
    return [
        (v, latest.get(v.code), bool(latest.get(v.code) and latest[v.code].year == year)) for v in villages
    ]


def road_km_to(*, user, year: int):
    from decimal import Decimal

    from django.db.models import Sum

    from fupin.areas import selectors as area_selectors

    from .models import VillageIndicators

    codes = area_selectors.villages_for(user=user).values("code")
    total = VillageIndicators.objects.filter(village__in=codes, year__lte=year).aggregate(
        s=Sum("road_km_hardened")
    )
    return Decimal(total["s"] or 0).quantize(Decimal("0.01"))


def progress(*, user, year: int, policy) -> list[Progress]:
    """The notice's town targets against the recorded indicators as they stood in `year`."""
    from django.utils.translation import gettext as _

    from . import indicators

    rows = indicator_rows(user=user, year=year)
    current = {village.name: row for village, row, _own in rows}

    def named(names, attribute):
        present = [n for n in names if n in current]
        done = [n for n in present if current[n] is not None and getattr(current[n], attribute)]
        return len(done), len(present), tuple(n for n in present if n not in done)

    stations = sum(1 for _v, row, _own in rows if row is not None and row.health_station)
    canal_done, canal_total, canal_left = named(indicators.CANAL_VILLAGES, "irrigation")
    widen_done, widen_total, widen_left = named(indicators.WIDENING_VILLAGES, "road_widened")
    number = policy.numbers
    return [
        Progress(
            _("标准化卫生站（2018年底）"),
            stations,
            number["town_health_stations_target"].value,
            _("个村（社区）"),
            number["town_health_stations_target"].source,
        ),
        Progress(
            _("村道硬底化（累计）"),
            road_km_to(user=user, year=year),
            number["town_road_km_target"].value,
            _("公里"),
            number["town_road_km_target"].source,
        ),
        Progress(
            _("星子瀑布水圳灌溉（6个相对贫困村）"),
            canal_done,
            canal_total,
            _("个村"),
            str(indicators.NOTICE),
            canal_left,
        ),
        Progress(
            _("通行政村道路扩宽"), widen_done, widen_total, _("个村"), str(indicators.NOTICE), widen_left
        ),
    ]
