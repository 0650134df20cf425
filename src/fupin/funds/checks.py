"""Checks for three of the four abuses the notice names (连星府〔2016〕114号 三（三）), each a list with
its evidence. (虚报冒领 — payments to removed, dead or unregistered persons, double payments, shared
accounts — is the benefits app's: it owns the payments to persons.)

- 挤占挪用 `diverted`: an expense paid for a project type outside its allocation's purposes (e.g. the
  per-person fund, for income-raising uses, spent on a village road).
- 截留私分 `retained`: an allocation of which nothing was paid out within the policy's number of days
  (`[funds.retention_days]`), once those days have passed.
- 挥霍浪费 `wasteful`: a project whose budget per beneficiary is more than the policy's factor
  (`[funds.waste_factor]`) times the median of its type (projects of every year; a type needs at least
  three projects to have a median worth comparing with).

`findings(year)` is the contract `fupin benefits check` includes: a list of
`(check, household_no or '', detail, amount)`, unscoped (the command runs as the system); the pages
use `evidence(year, user=…)`, scoped to the user's area.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.db.models import Min, QuerySet, Sum

from fupin.core.money import ZERO

from . import codes
from .models import Allocation, Expense, Project
from .rules import rules

CHECKS = {"diverted": "挤占挪用", "retained": "截留私分", "wasteful": "挥霍浪费"}
MIN_PROJECTS_FOR_MEDIAN = 3


class Finding(NamedTuple):
    check: str
    household_no: str
    detail: str
    amount: Decimal


def _labels(codes_: list[str]) -> str:
    return "、".join(codes.PROJECT_TYPE.label(c) for c in codes_) or "不限"


def _diverted(year: int, area: str | None) -> list[dict]:
    expenses = Expense.objects.filter(paid_on__year=year).select_related("allocation", "household", "project")
    if area:
        expenses = expenses.filter(village__code__startswith=area)
    result = []
    for e in expenses.order_by("paid_on", "id"):
        if e.allocation.allows(e.project_type):
            continue
        what = f"项目“{e.project.name}”" if e.project else f"收款方 {e.payee}"
        result.append(
            {
                "check": "diverted",
                "household_no": e.household.household_no if e.household else "",
                "village": e.village_id,
                "detail": (
                    f"{e.paid_on} 从 {e.allocation.document_no}（{codes.SOURCE.label(e.allocation.source)}，"
                    f"用途限于：{_labels(e.allocation.purpose_codes)}）支付“{codes.PROJECT_TYPE.label(e.project_type)}”：{what}"
                ),
                "amount": e.amount,
                "project": e.project_id,
                "allocation": e.allocation_id,
            }
        )
    return result


def _retained(year: int, area: str | None, today: dt.date) -> list[dict]:
    days = rules(year).retention_days
    allocations = Allocation.objects.filter(year=year)
    if area:
        allocations = allocations.filter(area__code__startswith=area)
    allocations = allocations.annotate(first_paid=Min("expenses__paid_on"), paid=Sum("expenses__amount"))
    result = []
    for a in allocations.order_by("allocated_on", "id"):
        deadline = a.allocated_on + dt.timedelta(days=days)
        if deadline >= today:
            continue
        if a.first_paid is not None and a.first_paid <= deadline:
            continue
        late = f"，{a.first_paid} 才首次拨付（至今 {a.paid:,.2f} 元）" if a.first_paid else "，至今未拨付"
        result.append(
            {
                "check": "retained",
                "household_no": "",
                "village": a.area_id,
                "detail": (
                    f"{a.document_no}“{a.title}”{a.allocated_on} 下达到 {a.area_id}，"
                    f"{days} 天内（至 {deadline}）没有任何拨付{late}"
                ),
                "amount": a.amount,
                "project": None,
                "allocation": a.pk,
            }
        )
    return result


def _per_beneficiary(p: Project) -> Decimal:
    return (p.budget / p.beneficiaries).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _wasteful(year: int, area: str | None) -> list[dict]:
    factor = rules(year).waste_factor
    everything: QuerySet[Project] = Project.objects.filter(status__in=codes.COMMITTING, beneficiaries__gt=0)
    by_type: dict[str, list[Decimal]] = defaultdict(list)
    for p in everything:
        by_type[p.project_type].append(_per_beneficiary(p))
    medians = {
        t: Decimal(statistics.median(values)).quantize(Decimal("0.01"))
        for t, values in by_type.items()
        if len(values) >= MIN_PROJECTS_FOR_MEDIAN
    }
    mine = everything.filter(allocation__year=year).select_related("allocation")
    if area:
        mine = mine.filter(village__code__startswith=area)
    result = []
    for p in mine.order_by("id"):
        median = medians.get(p.project_type)
        if median is None or median <= ZERO:
            continue
        cost = _per_beneficiary(p)
        if cost > median * factor:
            result.append(
                {
                    "check": "wasteful",
                    "household_no": "",
                    "village": p.village_id,
                    "detail": (
                        f"项目“{p.name}”（{codes.PROJECT_TYPE.label(p.project_type)}）人均 {cost:,.2f} 元，"
                        f"为同类项目中位数 {median:,.2f} 元的 {(cost / median).quantize(Decimal('0.1'))} 倍"
                        f"（标准：超过 {factor} 倍；同类 {len(by_type[p.project_type])} 个项目）"
                    ),
                    "amount": p.budget,
                    "project": p.pk,
                    "allocation": p.allocation_id,
                }
            )
    return result


def evidence(year: int, *, area: str | None = None, today: dt.date | None = None) -> list[dict]:
    """Every finding of `year` under `area` (None: everywhere), with the records it points at."""
    today = today or dt.date.today()
    return _diverted(year, area) + _retained(year, area, today) + _wasteful(year, area)


def evidence_for(year: int, *, user, today: dt.date | None = None) -> list[dict]:
    from .selectors import ensure_reader

    ensure_reader(user)
    return evidence(year, area=None if user.is_admin else user.area_id, today=today)


def findings(year: int, *, today: dt.date | None = None) -> list[Finding]:
    """(check, household_no or '', detail, amount) for `fupin benefits check`."""
    return [
        Finding(f["check"], f["household_no"], f["detail"], f["amount"]) for f in evidence(year, today=today)
    ]


__all__ = ["CHECKS", "Finding", "evidence", "evidence_for", "findings"]
