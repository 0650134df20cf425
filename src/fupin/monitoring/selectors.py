"""Scoped reads of monitoring: findings, warnings, lists and exchanges a user may see."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth

from fupin.core.scope import in_area

from . import permissions
from .models import Exchange, ExternalList, Finding, RiskWarning


def findings_for(
    *, user, rule: str | None = None, village: str | None = None, status: str | None = "open"
) -> QuerySet[Finding]:
    if user is not None and not permissions.reads_findings(user):
        return Finding.objects.none()
    queryset = Finding.objects.all() if user is None else in_area(Finding.objects.all(), user, "area_code")
    rules = permissions.rules_for(user) if user is not None else None
    if rules is not None:
        queryset = queryset.filter(rule__in=rules)
    if rule:
        queryset = queryset.filter(rule=rule)
    if village:
        queryset = queryset.filter(area_code__startswith=village)
    if status == "resolved":
        queryset = queryset.filter(status__in=[Finding.Status.DISMISSED, Finding.Status.CLOSED])
    elif status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("area_code", "household_no", "rule", "id")


def warnings_for(*, user, open_only: bool = True) -> QuerySet[RiskWarning]:
    if not (user.is_authenticated and user.reads_households):
        return RiskWarning.objects.none()
    queryset = in_area(RiskWarning.objects.select_related("household"), user, "area_code")
    if user.role == "helper" and not user.is_admin:
        queryset = queryset.filter(
            household__assignments__helper=user, household__assignments__end_date__isnull=True
        ).distinct()
    if open_only:
        queryset = queryset.filter(eliminated_on__isnull=True)
    return queryset


def lists_for(*, user) -> QuerySet[ExternalList]:
    if not permissions.reads_findings(user):
        return ExternalList.objects.none()
    queryset = ExternalList.objects.select_related("loaded_by", "system")
    if user.is_admin:
        return queryset
    if not user.area_id:
        return queryset.none()
    # A list covering the whole system, an area containing the user's, or an area inside it.
    return queryset.filter(
        Q(area_code="") | Q(area_code__startswith=user.area_id) | Q(area_code__in=_ancestors(user.area_id))
    )


def _ancestors(code: str) -> list[str]:
    return [code[:n] for n in (2, 4, 6, 9, 12) if n < len(code)]


def exchanges_for(*, user) -> QuerySet[Exchange]:
    if not permissions.is_civil(user):
        return Exchange.objects.none()
    queryset = Exchange.objects.select_related("system")
    if user.is_admin:
        return queryset
    if not user.area_id:
        return queryset.none()
    return queryset.filter(system__area__code__startswith=user.area_id)


def dashboard(*, user) -> dict:
    """Findings by rule and by village (open and resolved), and new findings by month."""
    queryset = Finding.objects.none()
    if permissions.reads_dashboard(user):
        base = Finding.objects.all() if user.is_admin else in_area(Finding.objects.all(), user, "area_code")
        rules = permissions.rules_for(user)
        queryset = base.filter(rule__in=rules) if rules is not None else base
    open_q = Q(status__in=[Finding.Status.OPEN, Finding.Status.CONFIRMED])
    by_rule = list(
        queryset.values("rule")
        .annotate(open=Count("id", filter=open_q), resolved=Count("id", filter=~open_q))
        .order_by("rule")
    )
    by_village = list(
        queryset.values("area_code")
        .annotate(open=Count("id", filter=open_q), resolved=Count("id", filter=~open_q))
        .order_by("area_code")
    )
    by_month = list(
        queryset.annotate(month=TruncMonth("first_seen"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("month")
    )
    closed_by_month = list(
        queryset.filter(closed_at__isnull=False)
        .annotate(month=TruncMonth("closed_at"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("month")
    )
    return {
        "by_rule": by_rule,
        "by_village": by_village,
        "by_month": by_month,
        "closed_by_month": closed_by_month,
    }
