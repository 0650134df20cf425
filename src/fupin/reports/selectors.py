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
