"""Scoped reads of benefits: every record reaches a user through the households the registry lets them see."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, QuerySet, Sum

from fupin.core.codes import SCHOOL_STAGE
from fupin.registry.models import Household, Member
from fupin.registry.selectors import households_for

from . import rules
from .models import Asset, Entitlement, Kind, Loan, MedicalClaim, Payment, Renovation


def entitlements_for(*, user) -> QuerySet[Entitlement]:
    return Entitlement.objects.filter(household__in=households_for(user=user))


def payments_for(*, user) -> QuerySet[Payment]:
    return Payment.objects.filter(household__in=households_for(user=user))


def claims_for(*, user) -> QuerySet[MedicalClaim]:
    return MedicalClaim.objects.filter(household__in=households_for(user=user))


def renovations_for(*, user) -> QuerySet[Renovation]:
    return Renovation.objects.filter(household__in=households_for(user=user))


def loans_for(*, user) -> QuerySet[Loan]:
    return Loan.objects.filter(household__in=households_for(user=user))


def assets_for(*, user) -> QuerySet[Asset]:
    if not user.is_authenticated or not user.reads_households:
        return Asset.objects.none()
    if user.is_admin:
        return Asset.objects.all()
    return (
        Asset.objects.filter(village__code__startswith=user.area_id) if user.area_id else Asset.objects.none()
    )


def household_benefits(*, user, household: Household) -> dict:
    """A household's entitlements (with what counts against each) and payments, newest first."""
    entitlements = list(
        entitlements_for(user=user)
        .filter(household=household)
        .select_related("member", "claim")
        .annotate(paid=Sum("payments__amount", default=0))
        .order_by("-year", "-id")
    )
    payments = list(
        payments_for(user=user)
        .filter(household=household)
        .select_related("entitlement", "batch")
        .order_by("-id")
    )
    counting: dict[int, object] = {}
    for payment in payments:
        if payment.counts:
            counting[payment.entitlement_id] = counting.get(payment.entitlement_id, 0) + payment.amount
    for entitlement in entitlements:
        entitlement.counted = counting.get(entitlement.pk, 0)
        entitlement.open = entitlement.amount - entitlement.counted
    return {
        "entitlements": entitlements,
        "payments": payments,
        "failed": [p for p in payments if p.status == Payment.Status.FAILED],
    }


STUDENT_CODES = [code for code, stage in SCHOOL_STAGE.items() if stage in rules.STAGE_OF_SCHOOL]


def _students(households: QuerySet[Household]) -> QuerySet[Member]:
    return (
        Member.objects.filter(
            household__in=households.exclude(status="removed"),
            left_on__isnull=True,
            school_status__in=STUDENT_CODES,
        )
        .select_related("household", "household__village")
        .order_by("household__household_no", "id")
    )


def students(*, user) -> QuerySet[Member]:
    """Members on the register of households still in the programme whose 在校生状况 is a subsidised stage."""
    return _students(households_for(user=user))


def _without(members: QuerySet[Member], year: int) -> QuerySet[Member]:
    granted = Entitlement.objects.filter(kind=Kind.EDUCATION, year=year, member=OuterRef("pk"))
    return members.filter(~Exists(granted))


def students_without_subsidy(*, user, year: int) -> QuerySet[Member]:
    return _without(students(user=user), year)


def students_without_subsidy_all(*, year: int) -> QuerySet[Member]:
    """The same list over the whole database (the `fupin benefits check` command)."""
    return _without(_students(Household.objects.all()), year)


def open_houses(*, user) -> list[dict]:
    """Dilapidated houses not yet renovated: a renovation not accepted, or a household recorded as 危房 /
    住房不安全 without any renovation."""
    done = Renovation.objects.filter(household=OuterRef("pk"), status="done")
    any_renovation = Renovation.objects.filter(household=OuterRef("pk"))
    households = (
        households_for(user=user)
        .exclude(status="removed")
        .annotate(done=Exists(done), started=Exists(any_renovation))
        .filter(done=False)
        .select_related("village")
    )
    dilapidated = households.filter(conditions__dilapidated=True) | households.filter(housing_safe=False)
    rows = []
    renovations = {
        r.household_id: r for r in Renovation.objects.filter(household__in=dilapidated).exclude(status="done")
    }
    for household in dilapidated.distinct().order_by("household_no"):
        rows.append({"household": household, "renovation": renovations.get(household.pk)})
    return rows


def overdue_loans(*, user, today: dt.date) -> list[Loan]:
    loans = (
        loans_for(user=user)
        .filter(due_date__lt=today)
        .select_related("household", "borrower")
        .annotate(repaid=Sum("repayments__principal", default=0))
    )
    return [loan for loan in loans if loan.repaid < loan.amount]
