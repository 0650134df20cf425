"""Scoped reads of funds, projects and expenses, and the ledger's sums.

Who reads: the administrator, the town office, village cadres (their village), leaders, auditors and
upper levels (their area). Where: an allocation by the area it was given to, a project and an expense by
their village — always through `fupin.core.scope`. Persons per village come from the registry through
`fupin.registry.selectors` for a user, or unscoped for the system (`fupin funds allocate`).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.shortcuts import get_object_or_404

from fupin.areas.models import Area, VillageDesignation
from fupin.core.models import User
from fupin.core.money import CENT, ZERO
from fupin.core.roles import Role
from fupin.core.scope import in_area
from fupin.registry.models import Household, Member, StatusChange

from . import codes
from .models import Allocation, Expense, LoanFigure, Project
from .rules import rules

READERS = frozenset(
    {Role.ADMIN, Role.TOWN_OFFICE, Role.VILLAGE_CADRE, Role.LEADER, Role.AUDITOR, Role.UPPER_LEVEL}
)
# Record allocations, approve, accept and pay: the town's finance side.
MANAGERS = frozenset({Role.ADMIN, Role.TOWN_OFFICE})
# Propose a project (申报) and add its documents: also the village.
PROPOSERS = frozenset({Role.ADMIN, Role.TOWN_OFFICE, Role.VILLAGE_CADRE})


def reads_funds(user: User) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_admin or (user.role in READERS and bool(user.area_id)))
    )


def ensure_reader(user: User) -> None:
    if not reads_funds(user):
        raise PermissionDenied


def allocations_for(*, user: User) -> QuerySet[Allocation]:
    if not reads_funds(user):
        return Allocation.objects.none()
    return in_area(Allocation.objects.select_related("area"), user, "area__code")


def projects_for(*, user: User) -> QuerySet[Project]:
    if not reads_funds(user):
        return Project.objects.none()
    return in_area(Project.objects.select_related("village", "allocation"), user, "village__code")


def expenses_for(*, user: User) -> QuerySet[Expense]:
    if not reads_funds(user):
        return Expense.objects.none()
    return in_area(Expense.objects.select_related("village", "allocation", "project"), user, "village__code")


def project_detail(*, user: User, pk: int) -> Project:
    ensure_reader(user)
    return get_object_or_404(projects_for(user=user), pk=pk)


def area_for(*, user: User, code: str) -> Area:
    """An area the user may read the funds of (404 outside the scope)."""
    ensure_reader(user)
    return get_object_or_404(in_area(Area.objects.all(), user, "code"), code=code)


# -- persons and the per-person fund --------------------------------------------------------------


POOR_STATUSES = ("registered", "returned")


def _poor_households(households: QuerySet[Household], year: int) -> QuerySet[Household]:
    """Households assisted in `year`: identified by then, poor at the start of the year (their last
    status change of an earlier year, if any, left them 在册 or 返贫) and not removed (销号) during it."""
    before = (
        StatusChange.objects.filter(household=OuterRef("pk"), year__lt=year)
        .order_by("-year", "-changed_at", "-id")
        .values("to_status")[:1]
    )
    removed = StatusChange.objects.filter(household=OuterRef("pk"), year=year, to_status="removed")
    return (
        households.filter(identified_year__lte=year)
        .annotate(start=Subquery(before))
        .filter(Q(start__isnull=True) | Q(start__in=POOR_STATUSES))
        .exclude(Exists(removed))
    )


def persons_by_village(*, year: int, households: QuerySet[Household] | None = None) -> dict[str, int]:
    """Registered poor persons of the year per village: the members on the register at the year's end
    (not left before 31 December) of the households assisted in that year."""
    base = households if households is not None else Household.objects.all()
    end = dt.date(year, 12, 31)
    rows = (
        Member.objects.filter(household__in=_poor_households(base, year).values("pk"))
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=end))
        .values("household__village_id")
        .annotate(n=Count("id"))
    )
    return {r["household__village_id"]: r["n"] for r in rows if r["n"]}


def per_person_rows(*, year: int, area: str | None = None, user: User | None = None) -> list[dict]:
    """`village_code, persons, total, province, guangzhou, qingyuan` per village, by village code."""
    from .split import per_person_fund

    # Counts per village only (no personal data): an aggregate, scoped to the user's area.
    base = (
        in_area(Household.objects.all(), user, "village__code")
        if user is not None
        else Household.objects.all()
    )
    if area:
        base = base.filter(village__code__startswith=area)
    fund = rules(year)
    result = []
    for code, persons in sorted(persons_by_village(year=year, households=base).items()):
        s = per_person_fund(persons, fund.per_person, fund.shares)
        result.append(
            {
                "village_code": code,
                "persons": persons,
                "total": s.total,
                "province": s.province,
                "guangzhou": s.guangzhou,
                "qingyuan": s.qingyuan,
            }
        )
    return result


# -- the ledger -----------------------------------------------------------------------------------


def spent_on(allocation: Allocation) -> Decimal:
    return allocation.expenses.aggregate(s=Sum("amount"))["s"] or ZERO


def committed_on(allocation: Allocation) -> Decimal:
    """What the allocation's approved projects still hold: Σ max(budget − paid on the project, 0)."""
    total = ZERO
    projects = allocation.projects.filter(status__in=codes.COMMITTING).annotate(paid=Sum("expenses__amount"))
    for project in projects:
        total += max(project.budget - (project.paid or ZERO), ZERO)
    return total


def project_paid(project: Project) -> Decimal:
    return project.expenses.aggregate(s=Sum("amount"))["s"] or ZERO


@dataclass
class LedgerLine:
    key: str
    label: str
    allocated: Decimal = ZERO
    spent: Decimal = ZERO
    committed: Decimal = ZERO

    @property
    def remaining(self) -> Decimal:
        return self.allocated - self.spent - self.committed


@dataclass
class Ledger:
    year: int | None
    by_source: list[LedgerLine] = field(default_factory=list)
    by_village: list[LedgerLine] = field(default_factory=list)
    by_type: list[LedgerLine] = field(default_factory=list)
    allocations: list[dict] = field(default_factory=list)

    @property
    def total(self) -> LedgerLine:
        line = LedgerLine("", "")
        for item in self.by_source:
            line.allocated += item.allocated
            line.spent += item.spent
            line.committed += item.committed
        return line


def ledger(*, user: User, year: int | None = None, area: str | None = None) -> Ledger:
    """Allocated, spent, committed and remaining by source, village and project type (in scope)."""
    allocations = allocations_for(user=user)
    expenses = expenses_for(user=user)
    projects = projects_for(user=user).filter(status__in=codes.COMMITTING)
    if year is not None:
        allocations = allocations.filter(year=year)
        expenses = expenses.filter(allocation__year=year)
        projects = projects.filter(allocation__year=year)
    if area:
        allocations = allocations.filter(area__code__startswith=area)
        expenses = expenses.filter(village__code__startswith=area)
        projects = projects.filter(village__code__startswith=area)
    names = dict(
        Area.objects.filter(
            code__in=set(allocations.values_list("area_id", flat=True))
            | set(expenses.values_list("village_id", flat=True))
            | set(projects.values_list("village_id", flat=True))
        ).values_list("code", "name")
    )
    by_source: dict[str, LedgerLine] = {}
    by_village: dict[str, LedgerLine] = {}
    by_type: dict[str, LedgerLine] = {}

    def line(table: dict, key: str, label: str) -> LedgerLine:
        if key not in table:
            table[key] = LedgerLine(key, label)
        return table[key]

    rows = []
    spent_by_allocation = dict(
        expenses.values("allocation_id").annotate(s=Sum("amount")).values_list("allocation_id", "s")
    )
    paid_by_project = dict(
        expenses.filter(project__isnull=False)
        .values("project_id")
        .annotate(s=Sum("amount"))
        .values_list("project_id", "s")
    )
    committed_by_allocation: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for project in projects:
        held = max(project.budget - paid_by_project.get(project.pk, ZERO), ZERO)
        committed_by_allocation[project.allocation_id] += held
        line(
            by_source, project.allocation.source, codes.SOURCE.label(project.allocation.source)
        ).committed += held
        line(
            by_village, project.village_id, names.get(project.village_id, project.village_id)
        ).committed += held
        line(by_type, project.project_type, codes.PROJECT_TYPE.label(project.project_type)).committed += held
    for allocation in allocations:
        line(
            by_source, allocation.source, codes.SOURCE.label(allocation.source)
        ).allocated += allocation.amount
        line(
            by_village, allocation.area_id, names.get(allocation.area_id, allocation.area_id)
        ).allocated += allocation.amount
        spent = spent_by_allocation.get(allocation.pk, ZERO)
        committed = committed_by_allocation.get(allocation.pk, ZERO)
        rows.append(
            {
                "allocation": allocation,
                "spent": spent,
                "committed": committed,
                "remaining": allocation.amount - spent - committed,
            }
        )
    for e in expenses.values("allocation__source", "village_id", "project_type").annotate(s=Sum("amount")):
        line(by_source, e["allocation__source"], codes.SOURCE.label(e["allocation__source"])).spent += e["s"]
        line(by_village, e["village_id"], names.get(e["village_id"], e["village_id"])).spent += e["s"]
        line(by_type, e["project_type"], codes.PROJECT_TYPE.label(e["project_type"])).spent += e["s"]
    source_order = {c: i for i, c in enumerate(codes.SOURCE.codes)}
    type_order = {c: i for i, c in enumerate(codes.PROJECT_TYPE.codes)}
    return Ledger(
        year=year,
        by_source=sorted(by_source.values(), key=lambda x: source_order.get(x.key, 99)),
        by_village=sorted(by_village.values(), key=lambda x: x.key),
        by_type=sorted(by_type.values(), key=lambda x: type_order.get(x.key, 99)),
        allocations=rows,
    )


@dataclass(frozen=True)
class VillageFund:
    code: str
    name: str
    assistance: Decimal  # 帮扶资金: allocations to the village up to the year, without the per-person fund
    per_person: Decimal  # the per-person fund's allocations, shown beside it
    mark: Decimal

    @property
    def meets_mark(self) -> bool:
        return self.assistance >= self.mark

    @property
    def short_by(self) -> Decimal:
        return max(self.mark - self.assistance, ZERO)


def village_funds(*, user: User, year: int, area: str | None = None) -> list[VillageFund]:
    """Each relatively poor village's 帮扶资金 to date (allocations up to `year`, the 20,000/person fund
    excluded) against the platform's mark (300,000 yuan: met at exactly 300,000). A designated village
    with no allocation at all is listed with 0."""
    mark = rules(year).village_fund_mark
    # The mark is for the relatively poor villages (相对贫困村) designated in the year.
    designated = VillageDesignation.objects.filter(designated_year__lte=year).filter(
        Q(exited_year__isnull=True) | Q(exited_year__gte=year)
    )
    villages = (
        in_area(Area.objects.filter(level="village", code__in=designated.values("village_id")), user, "code")
        if reads_funds(user)
        else Area.objects.none()
    )
    if area:
        villages = villages.filter(code__startswith=area)
    sums = (
        allocations_for(user=user)
        .filter(year__lte=year, area__level="village")
        .values("area_id")
        .annotate(
            assistance=Sum("amount", filter=~Q(source__in=codes.PER_PERSON_SOURCES)),
            per_person=Sum("amount", filter=Q(source__in=codes.PER_PERSON_SOURCES)),
        )
    )
    by_code = {r["area_id"]: r for r in sums}
    result = []
    for village in villages.order_by("code"):
        row = by_code.get(village.code, {})
        result.append(
            VillageFund(
                code=village.code,
                name=village.name,
                assistance=(row.get("assistance") or ZERO).quantize(CENT),
                per_person=(row.get("per_person") or ZERO).quantize(CENT),
                mark=mark,
            )
        )
    return result


# -- finance indicators (R14) ---------------------------------------------------------------------


def _growth(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    if now is None or not before:
        return None
    return ((now - before) / before).quantize(Decimal("0.0001"))


@dataclass(frozen=True)
class LoanIndicator:
    year: int
    villages: Decimal | None
    villages_growth: Decimal | None
    city_growth: Decimal | None
    households: Decimal | None
    households_growth: Decimal | None
    rural_growth: Decimal | None

    @property
    def pct(self) -> dict[str, str]:
        """Growth rates as percentages with one decimal, "—" when not known."""
        result = {}
        for name in ("villages_growth", "city_growth", "households_growth", "rural_growth"):
            value = getattr(self, name)
            result[name] = "—" if value is None else f"{value * 100:.1f}%"
        return result

    @property
    def villages_ok(self) -> bool | None:
        """R14: poor villages' loan growth not below the city average."""
        if self.villages_growth is None or self.city_growth is None:
            return None
        return self.villages_growth >= self.city_growth

    @property
    def households_ok(self) -> bool | None:
        """R14: poor households' loan growth above the rural average."""
        if self.households_growth is None or self.rural_growth is None:
            return None
        return self.households_growth > self.rural_growth


def loan_indicators(*, user: User) -> list[LoanIndicator]:
    """Per year: the balances of the poor villages and households in scope and their growth on the
    year before, beside the growth of the city's and the city's rural loans."""
    ensure_reader(user)
    own = in_area(LoanFigure.objects.filter(kind__in=("village", "household")), user, "area__code")
    bench = LoanFigure.objects.filter(kind__in=("city", "rural"))
    if not user.is_admin:
        # The benchmarks are the figures of the user's city (or of the city above a county user).
        bench = bench.filter(Q(area__code=user.area_id[:4]))
    sums: dict[tuple[str, int], Decimal] = {}
    for r in own.values("kind", "year").annotate(s=Sum("balance")):
        sums[(r["kind"], r["year"])] = r["s"]
    for r in bench.values("kind", "year").annotate(s=Sum("balance")):
        sums[(r["kind"], r["year"])] = r["s"]
    years = sorted({y for _k, y in sums})
    return [
        LoanIndicator(
            year=y,
            villages=sums.get(("village", y)),
            villages_growth=_growth(sums.get(("village", y)), sums.get(("village", y - 1))),
            city_growth=_growth(sums.get(("city", y)), sums.get(("city", y - 1))),
            households=sums.get(("household", y)),
            households_growth=_growth(sums.get(("household", y)), sums.get(("household", y - 1))),
            rural_growth=_growth(sums.get(("rural", y)), sums.get(("rural", y - 1))),
        )
        for y in years
    ]


def median(values: list[Decimal]) -> Decimal:
    return Decimal(statistics.median(values))
