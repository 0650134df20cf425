"""Scoped reads for the policy pages and commands: verdicts as rows, targets, one household's facts.

Households are reached through `registry.selectors.households_for` (a helper cadre sees its
assigned households only); aggregates (villages, targets, what-if) through the user's area.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.utils import timezone

from fupin.areas.models import Area
from fupin.batch import engine as batch_engine
from fupin.batch import runner, snapshot
from fupin.batch.sources import Scope
from fupin.core.models import User
from fupin.core.scope import code_prefix
from fupin.figures.selectors import exits_by_village_year
from fupin.registry.models import Household, Member, StatusChange
from fupin.registry.selectors import households_for

from .ages import age_on
from .conditions import HouseholdFacts, MemberFacts
from .definition import Policy
from .engine import HouseholdExplanation, explain
from .models import Snapshot


def aggregate_scope(*, user: User) -> Scope | None:
    """The area whose aggregates `user` may see; None means everything (the administrator)."""
    if not user.is_authenticated or not user.reads_aggregates:
        raise PermissionDenied
    if user.is_admin:
        return None
    if not user.is_active or not user.area_id:
        raise PermissionDenied
    return Scope(area=user.area_id)


def money(cents: int | None) -> Decimal | None:
    return None if cents is None else Decimal(cents).scaleb(-2)


def share(basis_points: int | None) -> Decimal | None:
    return None if basis_points is None else Decimal(basis_points).scaleb(-4)


def household_rows(evaluation: runner.Evaluation) -> list[dict]:
    return [
        {
            "household_id": r["household_id"],
            "household_no": r["household_no"],
            "village_code": r["village_code"],
            "members": r["members"],
            "per_capita_income": money(r["pc_cents"]),
            "below_line": r["below_line"],
            "exit_eligible": r["exit_eligible"],
            "unmet": r["unmet"] or "",
        }
        for r in evaluation.households.to_pylist()
    ]


def village_rows(evaluation: runner.Evaluation) -> list[dict]:
    return [
        {
            "village_code": r["village_code"],
            "name": r["name"],
            "registered_population": r["registered_population"],
            "poor_households": r["poor_households"],
            "poor_persons": r["poor_persons"],
            "poor_share": share(r["share_bp"]),
            "per_capita_income": money(r["pc_cents"]),
            "relatively_poor": r["relatively_poor"],
            "exit_eligible": r["exit_eligible"],
            "registered_poor_households": r["registered_poor_households"],
            "registered_poor_persons": r["registered_poor_persons"],
            "incidence": share(r["incidence_bp"]),
            "designated": r["designated"],
        }
        for r in evaluation.villages.to_pylist()
    ]


# -- one household ---------------------------------------------------------------------------------


def household_facts(household: Household, year: int) -> HouseholdFacts:
    """The facts the engine needs, read through the ORM (an independent path from the bulk SQL)."""
    members = tuple(
        MemberFacts(
            labour=m.labour,
            school_status=m.school_status,
            birth_date=m.birth_date,
            medical_insurance=m.medical_insurance,
            dibao=m.dibao,
            tekun=bool(m.tekun),
            member_id=m.pk,
        )
        for m in sorted(household.members.all(), key=lambda m: m.pk)
        if m.left_on is None
    )
    income = next((i for i in household.incomes.all() if i.year == year), None)
    return HouseholdFacts(
        household_id=household.pk,
        household_no=household.household_no,
        village_code=household.village_id,
        housing_safe=household.housing_safe,
        water_safe=household.water_safe,
        members=members,
        disposable=None if income is None else income.disposable,
    )


@dataclass(frozen=True)
class MemberAtDate:
    """One member as the assessed year sees them: ages at the policy's reference day of that year."""

    name: str
    relation: str
    age: int
    school_status: str
    school_age: bool
    labour_age: bool
    pension_age: bool
    labour: str


@dataclass
class HouseholdYear:
    explanation: HouseholdExplanation
    source: runner.Source  # a locked year-close snapshot, or the live registry
    members: list[MemberAtDate]


def members_at_date(
    facts: HouseholdFacts, household: Household, policy: Policy, year: int
) -> list[MemberAtDate]:
    """The members the facts hold, named, with their ages at the reference day of `year`."""
    t = policy.thresholds(year)
    day = t.reference_date
    names = {m.pk: (m.name, m.relation) for m in household.members.all()}
    rows = []
    for m in facts.members:
        name, relation = names.get(m.member_id, ("", ""))
        rows.append(
            MemberAtDate(
                name=name,
                relation=relation,
                age=age_on(m.birth_date, day),
                school_status=m.school_status,
                school_age=t.school_age.contains(m.birth_date, day),
                labour_age=t.labour_age.contains(m.birth_date, day),
                pension_age=t.pension_age.contains(m.birth_date, day),
                labour=m.labour,
            )
        )
    return rows


def explain_household(*, user: User, pk: int, year: int, policy: Policy) -> HouseholdExplanation:
    """Raises Household.DoesNotExist outside the user's scope."""
    return household_year(user=user, pk=pk, year=year, policy=policy).explanation


def household_year(*, user: User, pk: int, year: int, policy: Policy) -> HouseholdYear:
    """One household judged for `year`: its facts from the year's locked year-close snapshot where the
    year is closed (and the household is in it), else from the live registry; the source is named.
    Raises Household.DoesNotExist outside the user's scope."""
    household = households_for(user=user).prefetch_related("members", "incomes").get(pk=pk)
    facts, source = None, runner.LIVE
    record = runner.closed_snapshot(year, Scope(area=household.village_id))
    if record is not None:
        opened = snapshot.open_verified(record.path, expected_digest=record.manifest_sha256)
        facts = snapshot.household_facts(opened, household.pk, year)
        if facts is not None:
            created = timezone.localtime(record.created_at).strftime("%Y-%m-%d %H:%M")
            source = runner.Source(record.pk, record.kind, record.year, created)
    if facts is None:
        facts = household_facts(household, year)
    explanation = explain(policy, facts, year)
    return HouseholdYear(explanation, source, members_at_date(facts, household, policy, year))


def readable_households(*, user: User, rows: list[dict]) -> list[dict]:
    """Of simulated households (dicts with `household_id`), those `user` may open: none for a role that
    reads aggregates only, a helper cadre's assigned households only."""
    if not rows or not user.reads_households:
        return []
    ids = [r["household_id"] for r in rows]
    allowed: set[int] = set()
    for start in range(0, len(ids), 5000):
        allowed.update(
            households_for(user=user).filter(pk__in=ids[start : start + 5000]).values_list("pk", flat=True)
        )
    return [r for r in rows if r["household_id"] in allowed]


def income_years(*, user: User, pk: int) -> list[int]:
    household = households_for(user=user).get(pk=pk)
    return sorted(household.incomes.values_list("year", flat=True), reverse=True)


# -- targets ---------------------------------------------------------------------------------------


@dataclass
class TargetRow:
    year: int
    planned: int
    planned_cumulative: int
    actual: int
    actual_cumulative: int


@dataclass
class Targets:
    persons: int
    rows: list[TargetRow]
    by_village: list[dict]
    baseline: Snapshot | None


class NoBaseline(LookupError):
    """Targets are planned from the baseline snapshot; there is none that holds the area."""


def baseline_for(policy: Policy, area: str | None) -> Snapshot | None:
    """The locked baseline snapshot (the registry as identified) the policy's targets are planned from:
    the latest of a year up to the policy's first year that holds the whole area."""
    candidates = Snapshot.objects.filter(
        kind="baseline", locked=True, year__lte=policy.effective_from.year
    ).order_by("-year", "-created_at")
    return next((s for s in candidates if s.covers(area)), None)


def _baseline_persons(record: Snapshot, area: str | None) -> list[tuple[str, str, int]]:
    """(village code, name, persons) of the baseline: members on the register of households not removed."""
    snapshot.open_verified(record.path, expected_digest=record.manifest_sha256)
    con = batch_engine.connect()
    try:
        batch_engine.register_snapshot(con, record.path, record.year, area)
        rows = con.sql(
            """SELECT h.village_code, coalesce(any_value(v.name), '') AS name, count(*) AS persons
            FROM mem m JOIN hh h USING (household_id) LEFT JOIN vil v USING (village_code)
            GROUP BY h.village_code ORDER BY h.village_code"""
        ).fetchall()
    finally:
        con.close()
    return [(code, name, int(persons)) for code, name, persons in rows]


def _households(area: str | None):
    queryset = Household.objects.exclude(status="removed")
    return queryset if area is None else queryset.filter(code_prefix("village_id", area))


def _persons_by_household(households) -> dict[int, int]:
    counts = (
        Member.objects.filter(left_on__isnull=True, household__in=households)
        .values("household_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["household_id"]: row["n"] for row in counts}


def targets(policy: Policy, *, area: str | None = None, persons: int | None = None) -> Targets:
    """Plan (the policy's shares of the persons of the baseline snapshot) against recorded exits, by year
    and village. The plan is fixed at identification: households registered later change the actual
    exits, never the plan. `persons` replaces the baseline's total (no plan by village then).

    Actual: a recorded status change to 已脱贫 in a year; its persons are the household's members on the
    register now. Raises NoBaseline when no locked baseline holds the area and `persons` is not given.
    """
    record = baseline_for(policy, area)
    if record is None and persons is None:
        raise NoBaseline(area)
    villages = _baseline_persons(record, area) if record is not None else []
    # Actual exits from the stored figures (fupin.figures: kept current on every registry change, the
    # same rule as above), not a recount of the area's households on every request.
    actual_village = exits_by_village_year(area=area)
    actual: dict[int, int] = defaultdict(int)
    for (_village, year), persons_exited in actual_village.items():
        actual[year] += persons_exited
    total = sum(n for _c, _n, n in villages) if persons is None else persons
    rows, planned_cum, actual_cum = [], 0, 0
    for year, planned in policy.plan(total):
        planned_cum += planned
        actual_cum += actual.get(year, 0)
        rows.append(TargetRow(year, planned, planned_cum, actual.get(year, 0), actual_cum))
    by_village = []
    if persons is None:
        names = dict(Area.objects.filter(code__in=[c for c, _n, _p in villages]).values_list("code", "name"))
        for code, name, count in villages:
            by_village.append(
                {
                    "village_code": code,
                    "name": names.get(code, name),
                    "persons": count,
                    "years": [
                        {"year": y, "planned": p, "actual": actual_village.get((code, y), 0)}
                        for y, p in policy.plan(count)
                    ],
                }
            )
    return Targets(total, rows, by_village, record)


def recorded_exits_not_eligible(policy: Policy, year: int, *, area: str | None = None) -> list[dict]:
    """Households recorded as exited in `year` whose facts do not meet the policy's exit rule."""
    evaluation = runner.evaluate(policy, year, Scope(area=area) if area else None)
    verdicts = {r["household_id"]: r for r in evaluation.households.to_pylist()}
    exited = StatusChange.objects.filter(to_status="exited", year=year, household__in=_households(area))
    problems = []
    for household_id, household_no in exited.values_list(
        "household_id", "household__household_no"
    ).distinct():
        row = verdicts.get(household_id)
        if row is None or not row["exit_eligible"]:
            problems.append(
                {
                    "household_no": household_no,
                    "unmet": "no_income" if row is None else row["unmet"],
                }
            )
    return problems
