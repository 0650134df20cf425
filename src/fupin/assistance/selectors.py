"""Scoped reads of assistance: coverage, 帮扶到户, the notice's checks, visit compliance, accountability.

Households come through `registry.selectors` (a helper cadre reaches its assigned households only);
area lists through `core.scope`. A `user` of None means the whole database (the commands, which the
operator runs on the server).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cache

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from fupin.areas.models import Area
from fupin.core.codes import LABOUR_CAPABLE
from fupin.core.models import User
from fupin.core.scope import in_area
from fupin.policy import definition
from fupin.registry.models import Household, Member
from fupin.registry.selectors import households_for

from .models import Helper, HelperAssignment, HelpingUnit, LeaderDuty, Measure, PlanItem, Visit
from .validation import AGRICULTURAL_EMPLOYERS

POOR_STATUSES = ("registered", "returned")
# The checks, the visit warning and the accountability counts follow every household still helped in
# the period — exited ones too (脱贫不脱政策); only removed households (已销号) drop out.
HELPED_STATUSES = ("registered", "returned", "exited")


def _households(user: User | None) -> QuerySet[Household]:
    return Household.objects.all() if user is None else households_for(user=user)


def _villages(user: User | None, village: str | None) -> QuerySet[Area]:
    queryset = Area.objects.filter(level="village")
    if user is not None:
        queryset = in_area(queryset, user, "code") if user.reads_aggregates else queryset.none()
    if village:
        queryset = queryset.filter(code__startswith=village)
    return queryset.order_by("code")


def live_assignments(on: dt.date | None = None) -> QuerySet[HelperAssignment]:
    on = on or timezone.localdate()
    return HelperAssignment.objects.filter(start_date__lte=on).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on)
    )


# -- coverage (全覆盖) ------------------------------------------------------------------------------


def coverage_rows(
    *, user: User | None = None, village: str | None = None, on: dt.date | None = None
) -> list[dict]:
    """One row per village: registered poor persons (members on the register of households registered
    and not exited, today), those whose household has a live helper, and those without."""
    villages = list(_villages(user, village).values_list("code", "name"))
    codes = [code for code, _name in villages]
    members = Member.objects.filter(
        left_on__isnull=True,
        household__status__in=POOR_STATUSES,
        household__in=_households(user),
        household__village_id__in=codes,
    )
    poor = dict(members.values_list("household__village_id").annotate(n=Count("pk")).order_by())
    helped = dict(
        members.filter(household__in=live_assignments(on).values("household"))
        .values_list("household__village_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    rows = []
    for code, name in villages:
        total, with_helper = poor.get(code, 0), helped.get(code, 0)
        rows.append(
            {
                "village_code": code,
                "name": name,
                "registered_poor_persons": total,
                "persons_with_helper": with_helper,
                "persons_without_helper": total - with_helper,
            }
        )
    return rows


def uncovered_members(*, user: User, village: str | None = None) -> QuerySet[Member]:
    """Registered poor persons whose household has no live helper (the coverage page's list)."""
    queryset = Member.objects.filter(
        left_on__isnull=True, household__status__in=POOR_STATUSES, household__in=households_for(user=user)
    ).exclude(household__in=live_assignments().values("household"))
    if village:
        queryset = queryset.filter(household__village__code__startswith=village)
    return queryset.select_related("household", "household__village").order_by(
        "household__household_no", "id"
    )


# -- 帮扶到户 (DOMAIN §13.1) -----------------------------------------------------------------------


def helped(household: Household | int, year: int) -> bool:
    """帮扶到户 met for `year`: at least one item of that year's 帮扶计划 is completed."""
    pk = household if isinstance(household, int) else household.pk
    return PlanItem.objects.filter(plan__household_id=pk, year=year, state="completed").exists()


def helped_households(year: int) -> set[int]:
    """The ids of every household for which 帮扶到户 is met in `year` (for the bulk engine)."""
    return set(
        PlanItem.objects.filter(year=year, state="completed")
        .values_list("plan__household_id", flat=True)
        .distinct()
    )


# -- the household page --------------------------------------------------------------------------


@dataclass
class HouseholdAssistance:
    assignments: list
    plan: object
    items: list
    measures: list
    visits: list
    helped_years: list


def household_assistance(household: Household) -> HouseholdAssistance:
    """Everything of assistance about one household the caller already reached through the registry."""
    from .models import Plan

    plan = Plan.objects.filter(household=household).first()
    items = list(plan.items.all()) if plan else []
    return HouseholdAssistance(
        assignments=list(
            HelperAssignment.objects.filter(household=household)
            .select_related("person", "person__unit")
            .order_by("end_date", "-start_date")
        ),
        plan=plan,
        items=items,
        measures=list(
            Measure.objects.filter(household=household)
            .select_related("member", "recorded_by")
            .prefetch_related("photos")
        ),
        visits=list(
            Visit.objects.filter(household=household).select_related("visitor").prefetch_related("photos")
        ),
        helped_years=sorted({i.year for i in items if i.state == "completed"}),
    )


def my_households(*, user: User, year: int | None = None) -> list[dict]:
    """A helper's households with what is due: a plan for the year, a visit within the warning period."""
    year = year or timezone.localdate().year
    limit = timezone.localdate() - dt.timedelta(days=visit_rules(year)["unvisited_warning_days"])
    households = (
        households_for(user=user)
        .filter(assignments__helper=user, assignments__end_date__isnull=True)
        .distinct()
        .select_related("village")
        .annotate(last_visit=Max("visits__visited_on"))
        .order_by("household_no")
    )
    planned = set(
        PlanItem.objects.filter(plan__household__in=households, year=year)
        .exclude(state="cancelled")
        .values_list("plan__household_id", flat=True)
    )
    heads = dict(
        Member.objects.filter(household__in=households, relation="head", left_on__isnull=True).values_list(
            "household_id", "name"
        )
    )
    return [
        {
            "household": h,
            "head": heads.get(h.pk, ""),
            "last_visit": h.last_visit,
            "visit_due": h.last_visit is None or h.last_visit < limit,
            "plan_due": h.pk not in planned,
        }
        for h in households
    ]


# -- visits: the policy's numbers, compliance, the one-year warning ----------------------------------


@cache
def _visit_section(name: str) -> dict:
    path = definition.POLICY_DIR / f"{name}.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    section = data.get("visits")
    if not section:
        raise definition.PolicyError(f"{path.name}: 缺少 [visits]（领导走访次数）")
    return section


def visit_rules(year: int) -> dict:
    """{"team": n, "responsible": n, "unvisited_warning_days": n} from the policy in force in `year`."""
    try:
        name = definition.for_year(year).name
    except definition.PolicyError:
        # After the last policy's years (the system runs on): the latest policy's numbers hold.
        loaded = [definition.load(n) for n in definition.available()]
        name = max((p for p in loaded if p.alternative_of is None), key=lambda p: p.effective_from).name
    section = _visit_section(name)
    return {
        "team": int(section["team_per_quarter"]),
        "responsible": int(section["responsible_per_quarter"]),
        "unvisited_warning_days": int(section["unvisited_warning_days"]),
    }


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    if quarter not in (1, 2, 3, 4):
        raise ValueError("quarter must be 1–4")
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def compliance_rows(*, year: int, quarter: int, user: User | None = None) -> list[dict]:
    """One row per leader with a duty in the quarter: visits led to poor villages or households in
    the quarter, the number required by the policy, and whether the leader is behind."""
    start, end = quarter_bounds(year, quarter)
    rules = visit_rules(year)
    duties = (
        LeaderDuty.objects.filter(start_date__lte=end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .select_related("user")
        .order_by("user__username")
    )
    if user is not None and not user.is_admin:
        duties = duties.filter(user__area__code__startswith=user.area_id) if user.area_id else duties.none()
    by_user: dict[int, dict] = {}
    for duty in duties:
        required = rules[duty.duty]
        row = by_user.get(duty.user_id)
        if row is None or required > row["required"]:
            by_user[duty.user_id] = {
                "user": duty.user,
                "username": duty.user.username,
                "name": duty.user.full_name or duty.user.username,
                "role": duty.duty,
                "required": required,
            }
    counts = dict(
        Visit.objects.filter(visitor_id__in=by_user, visited_on__gte=start, visited_on__lte=end)
        .filter(Q(household__isnull=False) | Q(village__designations__isnull=False))
        .values_list("visitor_id")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    rows = []
    for user_id, row in by_user.items():
        visits = counts.get(user_id, 0)
        rows.append({**row, "visits": visits, "behind": visits < row["required"]})
    return sorted(rows, key=lambda r: r["username"])


def unvisited_households(*, user: User | None = None, on: dt.date | None = None) -> QuerySet[Household]:
    """Registered poor households nobody visited in the policy's warning period before `on`."""
    on = on or timezone.localdate()
    days = visit_rules(on.year)["unvisited_warning_days"]
    recent = Visit.objects.filter(
        household__isnull=False, visited_on__gt=on - dt.timedelta(days=days), visited_on__lte=on
    )
    return (
        _households(user)
        .filter(status__in=HELPED_STATUSES)
        .exclude(pk__in=recent.values("household"))
        .select_related("village")
        .annotate(last_visit=Max("visits__visited_on"))
        .order_by("household_no")
    )


# -- the notice's checks and the accountability monitor ----------------------------------------------


def _poor_capable(user: User | None) -> tuple[QuerySet[Household], QuerySet[Member]]:
    households = _households(user).filter(status__in=HELPED_STATUSES)
    capable = Member.objects.filter(
        household__in=households, left_on__isnull=True, labour__in=sorted(LABOUR_CAPABLE)
    )
    return households, capable


def households_without_agricultural_job(*, user: User | None = None, year: int) -> QuerySet[Household]:
    """Labour-capable households where nobody works (this year) in a cooperative, a leading enterprise,
    a family farm or a large grower (the notice, 三（四）)."""
    households, capable = _poor_capable(user)
    employed = (
        Measure.objects.filter(
            kind="employment",
            details__employer_type__in=sorted(AGRICULTURAL_EMPLOYERS),
            start_date__year__lte=year,
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__year__gte=year))
        .exclude(state="stopped")
    )
    return (
        households.filter(pk__in=capable.values("household"))
        .exclude(pk__in=employed.values("household"))
        .select_related("village")
        .order_by("household_no")
    )


def members_without_training(*, user: User | None = None) -> QuerySet[Member]:
    """Labour-capable members with no skill training recorded (the notice: each at least one skill)."""
    _households_qs, capable = _poor_capable(user)
    trained = Measure.objects.filter(kind="training", member__isnull=False).exclude(state="stopped")
    return (
        capable.exclude(pk__in=trained.values("member"))
        .select_related("household", "household__village")
        .order_by("household__household_no", "id")
    )


def households_without_plan(*, user: User | None = None, year: int) -> QuerySet[Household]:
    households = _households(user).filter(status__in=HELPED_STATUSES)
    planned = PlanItem.objects.filter(year=year).exclude(state="cancelled").values("plan__household")
    return households.exclude(pk__in=planned).select_related("village").order_by("household_no")


def counts_by_village(queryset: QuerySet, field: str = "village_id") -> dict[str, int]:
    return dict(queryset.order_by().values_list(field).annotate(n=Count("pk", distinct=True)))


def accountability_rows(*, user: User | None = None, year: int, quarter: int) -> list[dict]:
    """责任监控 per village: helping units stationed, resident cadres, helpers, poor households per
    helper, visits in the quarter."""
    start, end = quarter_bounds(year, quarter)
    villages = list(_villages(user, None).values_list("code", "name"))
    codes = [c for c, _n in villages]
    units = counts_by_village(HelpingUnit.objects.filter(village_id__in=codes), "village_id")
    resident = counts_by_village(
        Helper.objects.filter(kind__in=("first_secretary", "team_member"), unit__village_id__in=codes).filter(
            end_date__isnull=True
        ),
        "unit__village_id",
    )
    live = live_assignments().filter(household__village_id__in=codes)
    helpers = dict(
        live.order_by().values_list("household__village_id").annotate(n=Count("person", distinct=True))
    )
    poor = counts_by_village(Household.objects.filter(village_id__in=codes, status__in=HELPED_STATUSES))
    visits = counts_by_village(
        Visit.objects.filter(village_id__in=codes, visited_on__gte=start, visited_on__lte=end)
    )
    rows = []
    for code, name in villages:
        n_helpers = helpers.get(code, 0)
        n_poor = poor.get(code, 0)
        if not (n_poor or n_helpers or units.get(code)):
            continue
        rows.append(
            {
                "village_code": code,
                "name": name,
                "units": units.get(code, 0),
                "resident_cadres": resident.get(code, 0),
                "helpers": n_helpers,
                "households": n_poor,
                "households_per_helper": round(n_poor / n_helpers, 1) if n_helpers else None,
                "visits": visits.get(code, 0),
            }
        )
    return rows
