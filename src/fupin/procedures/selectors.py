"""Scoped reads of procedures: a user sees the procedures of the households they may read
(`registry.selectors.households_for`), the work waiting for them, and the engine's list of proposed exits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, OuterRef, QuerySet, Subquery

from fupin.core.models import User
from fupin.registry.models import Household, Member
from fupin.registry.selectors import households_for

from . import services
from .models import Notice, Objection, Procedure


def procedures_for(*, user: User) -> QuerySet[Procedure]:
    return Procedure.objects.filter(household__in=households_for(user=user))


def procedure_detail(*, user: User, pk: int) -> Procedure:
    """Raises Procedure.DoesNotExist outside the user's scope."""
    return (
        procedures_for(user=user)
        .select_related("household", "village", "created_by")
        .prefetch_related(
            "steps__actor", "steps__notice", "objections__received_by", "objections__resolved_by"
        )
        .get(pk=pk)
    )


def _with_head(queryset: QuerySet) -> QuerySet:
    live = Member.objects.filter(household=OuterRef("household_id"), left_on__isnull=True)
    return queryset.annotate(
        head_name=Subquery(live.filter(relation="head").values("name")[:1]),
        size=Subquery(live.order_by().values("household").annotate(n=Count("pk")).values("n")[:1]),
    )


@dataclass
class WorkItem:
    procedure: Procedure
    step_name: str
    overdue: bool


def work_list(*, user: User, on: dt.date | None = None) -> list[WorkItem]:
    """The open procedures whose current step `user` may act on now; overdue ones first, then by deadline.
    (Steps waiting for a notice to end or an objection to be resolved are not yet work.)"""
    on = on or services.today()
    candidates = _with_head(
        procedures_for(user=user).filter(state="open").select_related("household", "village", "created_by")
    ).order_by("due_date", "pk")
    items = []
    for procedure in candidates[:2000]:
        if services.refusal_for(user, procedure) is None:
            overdue = procedure.due_date is not None and procedure.due_date < on
            items.append(WorkItem(procedure, procedure.current_step.name, overdue))
    items.sort(key=lambda item: (not item.overdue, item.procedure.due_date or dt.date.max, item.procedure.pk))
    return items


def open_procedures(*, user: User) -> QuerySet[Procedure]:
    return _with_head(
        procedures_for(user=user).filter(state="open").select_related("household", "village")
    ).order_by("due_date", "pk")


def household_procedures(*, user: User, household: Household) -> QuerySet[Procedure]:
    return procedures_for(user=user).filter(household=household).order_by("-created_at", "-pk")


def open_objections(*, user: User) -> QuerySet[Objection]:
    return Objection.objects.filter(
        procedure__in=procedures_for(user=user), resolved_at__isnull=True
    ).select_related("procedure__household")


def notice_for(*, user: User, pk: int) -> Notice:
    """A notice whose village is in the user's scope (raises Notice.DoesNotExist otherwise)."""
    notice = Notice.objects.select_related("village__parent__parent").get(pk=pk)
    if not procedures_for(user=user).filter(steps__notice=notice).exists():
        raise Notice.DoesNotExist
    return notice


def notice_rows(notice: Notice) -> list[dict]:
    """The printed list: 序号, 村民小组, 户主姓名, 家庭人口数, 变动类型 — nothing personal beyond the head's name."""
    procedures = _with_head(
        Procedure.objects.filter(steps__notice=notice).select_related("household__group")
    ).order_by("household__household_no")
    return [
        {
            "index": i,
            "group": p.household.group.name if p.household.group else "",
            "head_name": p.head_name or "",
            "size": p.size or 0,
            "change": p.definition.change_label,
        }
        for i, p in enumerate(procedures, start=1)
    ]


def exit_candidates(*, user: User, year: int) -> list[dict]:
    """拟脱贫名单: the households of the user's area the engine finds exit-eligible in `year`, that are
    registered or returned and have no open procedure; with the engine's figures."""
    from fupin.batch import runner
    from fupin.policy.definition import PolicyError, for_year
    from fupin.policy.selectors import aggregate_scope, money

    scope = aggregate_scope(user=user)
    try:
        policy = for_year(year)
    except PolicyError:
        return []
    if not policy.judges(year):
        return []
    evaluation = runner.evaluate(policy, year, scope)
    eligible = {r["household_id"]: r for r in evaluation.households.to_pylist() if r["exit_eligible"]}
    busy = Procedure.objects.filter(state="open").values("household_id")
    households = _with_head_household(
        households_for(user=user)
        .filter(pk__in=list(eligible), status__in=("registered", "returned"))
        .exclude(pk__in=busy)
        .select_related("village")
    )
    rows = []
    for household in households.order_by("village_id", "household_no"):
        row = eligible[household.pk]
        rows.append(
            {
                "household": household,
                "head_name": household.head_name,
                "size": household.size,
                "per_capita_income": money(row["pc_cents"]),
            }
        )
    return rows


def _with_head_household(queryset: QuerySet[Household]) -> QuerySet[Household]:
    live = Member.objects.filter(household=OuterRef("pk"), left_on__isnull=True)
    return queryset.annotate(
        head_name=Subquery(live.filter(relation="head").values("name")[:1]),
        size=Subquery(live.order_by().values("household").annotate(n=Count("pk")).values("n")[:1]),
    )
