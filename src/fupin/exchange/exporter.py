"""Exports of the registry as the registry workbook itself, so that export → import is lossless.

What a user exports is what the user may read (`registry.selectors.households_for`), optionally
narrowed to an area code prefix. ID, phone and account numbers are masked unless the user may see
them (`user.may_unmask`) and asks; every export is written to the audit trail, with its counts and
whether it was unmasked. A masked workbook cannot be imported back as if it were real: a masked ID
number fails `id_format`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from fupin.areas.models import VillageYear
from fupin.core import audit, codes, pii
from fupin.core.models import User
from fupin.core.scope import code_prefix
from fupin.registry.models import Household, Income, Member
from fupin.registry.selectors import households_for
from fupin.registry.validation import HOUSEHOLD_COLUMNS, MEMBER_FIELDS

from .schema import HOUSEHOLDS, INCOMES, MEMBERS, VILLAGES
from .writer import RegistryWorkbook

CHUNK = 5000


@dataclass(frozen=True)
class ExportResult:
    counts: dict[str, int]
    unmasked: bool


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")


def _money(value: Any) -> float | None:
    # An Excel number is a binary double; two-decimal yuan amounts survive the trip exactly.
    return None if value is None else float(value)


def scoped_households(*, actor: User | None, village: str | None = None) -> QuerySet[Household]:
    """The households an export by `actor` (None: the system) contains."""
    if actor is None:
        queryset = Household.objects.all()
    else:
        if not actor.reads_households:
            raise PermissionError("您无权导出贫困户数据")
        queryset = households_for(user=actor)
    if village:
        queryset = queryset.filter(code_prefix("village_id", village))
    return queryset


def export_registry(
    path: Path | str, *, actor: User | None = None, village: str | None = None, unmask: bool = False
) -> ExportResult:
    if unmask and actor is not None and not actor.may_unmask:
        raise PermissionError("您无权导出完整的证件号码和电话")
    households = scoped_households(actor=actor, village=village)

    def shown(kind: str):
        return (lambda v: v or "") if unmask else (lambda v: pii.mask(kind, v))

    id_text, phone_text, account_text = shown(pii.ID_NUMBER), shown(pii.PHONE), shown(pii.BANK_ACCOUNT)

    book = RegistryWorkbook(path)
    counts = {
        VILLAGES.name: book.sheet(VILLAGES, _villages(households)),
        HOUSEHOLDS.name: book.sheet(
            HOUSEHOLDS, _households(households, id_text, phone_text, account_text), extras=True
        ),
        MEMBERS.name: book.sheet(MEMBERS, _members(households, id_text)),
        INCOMES.name: book.sheet(INCOMES, _incomes(households)),
    }
    book.close()
    audit.record(
        "export",
        "registry",
        village or (actor.area_id if actor is not None and actor.area_id else ""),
        {"counts": counts, "unmasked": unmask, "village": village or "", "file": Path(path).name},
        actor=actor,
    )
    return ExportResult(counts=counts, unmasked=unmask)


def _villages(households: QuerySet[Household]) -> Iterator[list]:
    years = (
        VillageYear.objects.filter(village_id__in=households.values("village_id"))
        .order_by("village_id", "year")
        .values_list("village_id", "village__name", "year", "registered_population", "per_capita_income")
    )
    for code, name, year, population, income in years.iterator(chunk_size=CHUNK):
        yield [code, name, year, population, _money(income)]


def _households(households: QuerySet[Household], id_text, phone_text, account_text) -> Iterator[list]:
    head = Member.objects.filter(household=OuterRef("pk"), relation="head", left_on__isnull=True)
    rows = (
        households.annotate(
            head_name=Subquery(head.values("name")[:1]), head_id=Subquery(head.values("id_number")[:1])
        )
        .order_by("household_no")
        .values_list(
            "household_no",
            "village_id",
            "group__name",
            "head_name",
            "head_id",
            *HOUSEHOLD_COLUMNS,
            "status",
            "exit_year",
        )
    )
    cause = codes.POVERTY_CAUSE.label
    for (
        number,
        village,
        group,
        head_name,
        head_id,
        attr,
        main,
        other1,
        other2,
        year,
        house,
        water,
        phone,
        bank,
        account,
        status,
        exit_year,
    ) in rows.iterator(chunk_size=CHUNK):
        yield [
            number,
            village,
            group or "",
            head_name or "",
            id_text(head_id),
            codes.HOUSEHOLD_ATTRIBUTE.label(attr),
            cause(main),
            "、".join(cause(c) for c in (other1, other2) if c),
            year,
            _yes_no(house),
            _yes_no(water),
            phone_text(phone),
            bank,
            account_text(account),
            codes.HOUSEHOLD_STATUS.label(status),
            exit_year,
        ]


def _members(households: QuerySet[Household], id_text) -> Iterator[list]:
    rows = (
        Member.objects.filter(household__in=households, left_on__isnull=True)
        .order_by("household__household_no", "id")
        .values_list("household__household_no", *MEMBER_FIELDS)
    )
    for (
        number,
        name,
        id_number,
        relation,
        ethnic,
        edu,
        school,
        health,
        labour,
        migrant,
        months,
        med,
        pension,
        dibao,
        tekun,
    ) in rows.iterator(chunk_size=CHUNK):
        yield [
            number,
            name,
            id_text(id_number),
            codes.RELATION.label(relation),
            codes.ETHNICITY.label(ethnic),
            codes.EDUCATION.label(edu),
            codes.SCHOOL_STATUS.label(school),
            codes.HEALTH.label(health),
            codes.LABOUR.label(labour),
            codes.MIGRANT_WORK.label(migrant),
            months,
            _yes_no(med),
            _yes_no(pension),
            _yes_no(dibao),
            _yes_no(tekun),
        ]


def _incomes(households: QuerySet[Household]) -> Iterator[list]:
    rows = (
        Income.objects.filter(household__in=households)
        .order_by("household__household_no", "year")
        .values_list(
            "household__household_no",
            "year",
            "wages",
            "business_income",
            "business_cost",
            "property_income",
            "transfer_income",
            "transfer_cost",
        )
    )
    for number, year, *amounts in rows.iterator(chunk_size=CHUNK):
        yield [number, year, *(_money(a) for a in amounts)]
