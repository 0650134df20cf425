"""防返贫 monitoring: risk warnings by the policy's criteria.

- 脱贫不稳定户 (unstable): an exited household whose latest per-capita income is below the monitoring line
  (`[monitoring.numbers.monitoring_line]`, a policy number).
- 边缘易致贫户 (marginal): a household off the register (已销号) — not poor when it was removed — whose
  latest per-capita income is below the monitoring line.
- 突发严重困难户 (sudden): any household with, in the last twelve months, self-paid medical costs of at least
  `medical_cost`, a disaster loss of at least `disaster_loss`, or the loss of its only labour force — as a
  `RiskEvent` recorded for it, or read from the registry (no labour-capable member left on the register
  while one died or left within the twelve months).

A warning is identified on the day a run first finds it and eliminated on the first run that no longer
finds it (the reason and both dates stay).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q

from fupin.core import audit
from fupin.core.codes import LABOUR_CAPABLE
from fupin.core.money import per_capita
from fupin.registry.models import Household, Income, Member

from . import config as monitoring_config
from . import permissions
from .models import RiskEvent, RiskWarning


@dataclass
class RiskResult:
    identified: int = 0
    kept: int = 0
    eliminated: int = 0


def _latest_per_capita(households) -> dict[int, tuple[int, object]]:
    sizes = dict(
        Member.objects.filter(household__in=households, left_on__isnull=True)
        .values("household")
        .annotate(n=Count("id"))
        .values_list("household", "n")
    )
    latest: dict[int, tuple[int, object]] = {}
    for income in Income.objects.filter(household__in=households).order_by("household_id", "year"):
        value = per_capita(income.disposable, sizes.get(income.household_id, 0))
        if value is not None:
            latest[income.household_id] = (income.year, value)
    return latest


def find(*, area: str | None, today: dt.date) -> dict[tuple[int, str], tuple[Household, str, dict]]:
    conf = monitoring_config.load()
    line = conf.numbers["monitoring_line"]
    households = Household.objects.all()
    if area:
        households = households.filter(village__code__startswith=area)
    found: dict[tuple[int, str], tuple[Household, str, dict]] = {}
    watched = households.filter(status__in=["exited", "removed"])
    incomes = _latest_per_capita(watched)
    for household in watched:
        if household.pk not in incomes:
            continue
        year, value = incomes[household.pk]
        if value >= line:
            continue
        category = (
            RiskWarning.Category.UNSTABLE if household.status == "exited" else RiskWarning.Category.MARGINAL
        )
        what = "脱贫户" if household.status == "exited" else "已销号户"
        reason = f"{what}{year}年人均可支配收入{value}元，低于监测线{line}元"
        found[(household.pk, category)] = (
            household,
            reason,
            {"year": year, "per_capita": str(value), "line": str(line)},
        )
    since = today - dt.timedelta(days=365)
    events = RiskEvent.objects.filter(
        household__in=households, occurred_on__gte=since, occurred_on__lte=today
    )
    events = events.filter(
        Q(kind=RiskEvent.Kind.LABOUR_LOSS)
        | Q(kind=RiskEvent.Kind.MEDICAL, amount__gte=conf.numbers["medical_cost"])
        | Q(kind=RiskEvent.Kind.DISASTER, amount__gte=conf.numbers["disaster_loss"])
    ).select_related("household")
    for event in events.order_by("occurred_on"):
        amount = f"{event.amount}元" if event.amount is not None else ""
        reason = f"{event.occurred_on}发生{event.get_kind_display()}{amount}"
        found[(event.household_id, RiskWarning.Category.SUDDEN)] = (
            event.household,
            reason,
            {
                "event": event.pk,
                "kind": event.kind,
                "amount": str(event.amount or ""),
                "date": event.occurred_on.isoformat(),
            },
        )
    capable = Member.objects.filter(left_on__isnull=True, labour__in=sorted(LABOUR_CAPABLE)).values(
        "household"
    )
    lost = (
        Member.objects.filter(household__in=households.exclude(status="removed").exclude(pk__in=capable))
        .filter(left_on__gte=since, left_on__lte=today, labour__in=sorted(LABOUR_CAPABLE))
        .select_related("household")
    )
    for member in lost:
        key = (member.household_id, RiskWarning.Category.SUDDEN)
        if key not in found:
            reason = f"{member.left_on}唯一劳动力（{member.get_left_reason_display() or '离开'}）后，全户无劳动能力"
            found[key] = (
                member.household,
                reason,
                {"member": member.pk, "left_on": member.left_on.isoformat()},
            )
    return found


def assess(*, actor, area: str | None = None, today: dt.date | None = None) -> RiskResult:
    if not permissions.may_run(actor):
        raise PermissionDenied
    if actor is not None and not actor.is_admin:
        area = actor.area_id
    today = today or dt.date.today()
    found = find(area=area, today=today)
    result = RiskResult()
    with transaction.atomic():
        open_warnings = RiskWarning.objects.filter(eliminated_on__isnull=True)
        if area:
            open_warnings = open_warnings.filter(area_code__startswith=area)
        current = {(w.household_id, w.category): w for w in open_warnings}
        for key, (household, reason, evidence) in found.items():
            warning = current.pop(key, None)
            if warning is None:
                RiskWarning.objects.create(
                    household=household,
                    area_code=household.village_id,
                    category=key[1],
                    reason=reason,
                    evidence=evidence,
                    identified_on=today,
                )
                result.identified += 1
            else:
                warning.reason, warning.evidence = reason, evidence
                warning.save(update_fields=["reason", "evidence"])
                result.kept += 1
        for warning in current.values():
            warning.eliminated_on = today
            warning.save(update_fields=["eliminated_on"])
            result.eliminated += 1
        audit.record(
            "monitoring_risk_run",
            "monitoring.RiskWarning",
            "",
            {"area": area or "", **result.__dict__},
            actor=actor,
        )
    return result


def record_event(
    *, actor, household: Household, kind: str, occurred_on: dt.date, amount=None, note: str = ""
) -> RiskEvent:
    from fupin.registry.selectors import households_for

    if not actor.writes_registry or not households_for(user=actor).filter(pk=household.pk).exists():
        raise PermissionDenied
    with transaction.atomic():
        event = RiskEvent.objects.create(
            household=household,
            kind=kind,
            occurred_on=occurred_on,
            amount=amount,
            note=note[:200],
            recorded_by=actor,
        )
        audit.record(
            "monitoring_risk_event",
            "monitoring.RiskEvent",
            event.pk,
            {"household": household.household_no, "kind": kind, "amount": amount},
            actor=actor,
        )
    return event
