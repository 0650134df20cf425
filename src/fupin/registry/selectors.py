"""Scoped reads of the registry. Every household a user reaches comes through here."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from fupin.core.codes import LABOUR_CAPABLE
from fupin.core.models import User
from fupin.core.roles import Role
from fupin.core.scope import code_prefix, in_area

from .models import Household, Income, Member
from .search import matching_households


def households_for(*, user: User) -> QuerySet[Household]:
    """The households `user` may read: by area, or by assignment for a helper cadre."""
    if not user.is_authenticated or not user.reads_households:
        return Household.objects.none()
    queryset = in_area(Household.objects.all(), user, "village__code")
    if user.role == Role.HELPER and not user.is_admin:
        queryset = queryset.filter(assignments__helper=user, assignments__end_date__isnull=True).distinct()
    return queryset


def writable_households_for(*, user: User) -> QuerySet[Household]:
    """The households `user` may change."""
    if not user.writes_registry:
        return Household.objects.none()
    return households_for(user=user)


def members_for(*, user: User) -> QuerySet[Member]:
    return Member.objects.filter(household__in=households_for(user=user))


def incomes_for(*, user: User) -> QuerySet[Income]:
    return Income.objects.filter(household__in=households_for(user=user))


def household_list(
    *,
    user: User,
    village: str | None = None,
    status: str | None = None,
    attribute: str | None = None,
    cause: str | None = None,
    labour: str | None = None,
    dibao: bool | None = None,
    search: str | None = None,
) -> QuerySet[Household]:
    """The filtered household list with head name and size annotated (no per-row queries)."""
    queryset = households_for(user=user)
    if village:
        queryset = queryset.filter(code_prefix("village_id", village))
    if status:
        queryset = queryset.filter(status=status)
    if attribute:
        queryset = queryset.filter(attribute=attribute)
    if cause:
        queryset = queryset.filter(Q(main_cause=cause) | Q(other_cause_1=cause) | Q(other_cause_2=cause))
    on_register = Member.objects.filter(left_on__isnull=True)
    if labour in ("capable", "none"):
        capable = on_register.filter(labour__in=sorted(LABOUR_CAPABLE)).values("household")
        queryset = (
            queryset.filter(pk__in=capable) if labour == "capable" else queryset.exclude(pk__in=capable)
        )
    if dibao is not None:
        with_dibao = on_register.filter(dibao=True).values("household")
        queryset = queryset.filter(pk__in=with_dibao) if dibao else queryset.exclude(pk__in=with_dibao)
    if search:
        found = matching_households(search, may_search_id=user.may_unmask)
        queryset = queryset.filter(pk__in=sorted(found))
    live = on_register.filter(household=OuterRef("pk"))
    head = live.filter(relation="head")
    return (
        queryset.select_related("village")
        .annotate(
            head_name=Subquery(head.values("name")[:1]),
            head_id_number=Subquery(head.values("id_number")[:1]),
            size=Subquery(live.order_by().values("household").annotate(n=Count("pk")).values("n")[:1]),
        )
        .order_by("household_no")
    )


def household_detail(*, user: User, pk: int) -> Household:
    """One household with its members, incomes and status history; raises Household.DoesNotExist."""
    return (
        households_for(user=user)
        .select_related("village", "group")
        .prefetch_related(
            Prefetch("members", queryset=Member.objects.order_by("left_on", "id")),
            Prefetch("incomes", queryset=Income.objects.order_by("-year")),
            "status_changes__changed_by",
        )
        .get(pk=pk)
    )
