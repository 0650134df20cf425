"""The registry written as the national system's 贫困人口明细 (exchange.national), so that a town can
report upward in the national format, and read back by `import national` without losing anything the
layout carries.

One row per member on the register, the head first; the household's fields on each of its rows. A
title row names the data year (the year of 人均纯收入: the reported figure of that year, else the
registry's income of that year over the household's members). ID numbers and phones are masked unless
the user may see them and asks; every export is in the audit trail.
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter
from django.db.models import Case, Count, IntegerField, Max, Q, Value, When

from fupin.core import audit, codes
from fupin.core.models import User
from fupin.core.money import per_capita
from fupin.core.pii import mask_id, mask_phone
from fupin.registry.models import Income, LivingConditions, Member, ReportedIncome

from . import national
from .exporter import CHUNK, ExportResult, scoped_households


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")


def export_national(
    path: Path | str,
    *,
    actor: User | None = None,
    village: str | None = None,
    unmask: bool = False,
    year: int | None = None,
) -> ExportResult:
    if unmask and actor is not None and not actor.may_unmask:
        raise PermissionError("您无权导出完整的证件号码和电话")
    households = scoped_households(actor=actor, village=village)
    id_text = (lambda v: v or "") if unmask else mask_id
    phone_text = (lambda v: v or "") if unmask else mask_phone
    if year is None:
        year = _latest_year(households)

    facts = {}
    rows = households.annotate(size=Count("members", filter=Q(members__left_on__isnull=True))).values_list(
        "pk",
        "village__parent__parent__name",
        "village__parent__name",
        "village__name",
        "group__name",
        "size",
        "status",
        "exit_year",
        "attribute",
        "main_cause",
        "housing_safe",
        "water_safe",
        "phone",
    )
    for pk, *values in rows.iterator(chunk_size=CHUNK):
        facts[pk] = values
    water = dict(
        LivingConditions.objects.filter(household__in=households).values_list(
            "household_id", "water_difficulty"
        )
    )
    income = _per_capita(households, year, {pk: v[4] for pk, v in facts.items()}) if year else {}

    book = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
    )
    ws = book.add_worksheet(national.SHEET)
    text = book.add_format({"num_format": 49})
    bold = book.add_format({"bold": True, "font_size": 14})
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    for col, column in enumerate(national.COLUMNS):
        ws.set_column(col, col, 20 if column.text else 11, text if column.text else None)
    title = f"{year}年贫困人口明细" if year else "贫困人口明细"
    ws.write_string(0, 0, title, bold)
    ws.write_row(1, 0, [column.header for column in national.COLUMNS], header)
    ws.freeze_panes(2, 0)
    members = (
        Member.objects.filter(household__in=households, left_on__isnull=True)
        .annotate(
            head_first=Case(
                When(relation="head", then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("household__household_no", "head_first", "id")
        .values_list(
            "household_id",
            "household__household_no",
            "name",
            "id_number",
            "relation",
            "ethnicity",
            "education",
            "school_status",
            "health",
            "labour",
            "migrant_work",
            "work_months",
            "medical_insurance",
        )
    )
    written = 0
    for (
        pk,
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
        medical,
    ) in members.iterator(chunk_size=CHUNK):
        county, town, village_name, group, size, status, exit_year, attr, cause, house, water_ok, phone = (
            facts[pk]
        )
        amount = income.get(pk)
        values = [
            county or "",
            town or "",
            village_name or "",
            group or "",
            number,
            "",
            name,
            id_text(id_number),
            size,
            codes.RELATION.label(relation),
            codes.ETHNICITY.label(ethnic),
            codes.EDUCATION.label(edu),
            codes.SCHOOL_STATUS.label(school),
            codes.HEALTH.label(health),
            codes.LABOUR.label(labour),
            codes.MIGRANT_WORK.label(migrant),
            months,
            _yes_no(medical),
            national.EXIT_MARK.label(status),
            exit_year,
            codes.HOUSEHOLD_ATTRIBUTE.label(attr),
            codes.POVERTY_CAUSE.label(cause),
            _yes_no(None if house is None else not house),
            _yes_no(water_ok),
            _yes_no(water.get(pk)),
            None if amount is None else float(amount),
            phone_text(phone),
        ]
        written += 1
        for col, (column, value) in enumerate(zip(national.COLUMNS, values, strict=True)):
            if value is None or value == "":
                continue
            if isinstance(value, int | float):
                ws.write_number(written + 1, col, value)
            else:
                ws.write_string(written + 1, col, str(value), text if column.text else None)
    book.close()
    counts = {national.SHEET: written, national.HOUSEHOLD_SHEET: len(facts)}
    audit.record(
        "export",
        "national",
        village or (actor.area_id if actor is not None and actor.area_id else ""),
        {
            "counts": counts,
            "unmasked": unmask,
            "village": village or "",
            "year": year,
            "file": Path(path).name,
        },
        actor=actor,
    )
    return ExportResult(counts=counts, unmasked=unmask)


def _latest_year(households) -> int | None:
    years = [
        ReportedIncome.objects.filter(household__in=households).aggregate(y=Max("year"))["y"],
        Income.objects.filter(household__in=households).aggregate(y=Max("year"))["y"],
    ]
    found = [y for y in years if y is not None]
    return max(found) if found else None


def _per_capita(households, year: int, sizes: dict[int, int]) -> dict:
    """Household → 人均纯收入 of `year`: as reported, else the registry's income over its members."""
    found = {}
    for income in Income.objects.filter(household__in=households, year=year).iterator(chunk_size=CHUNK):
        found[income.household_id] = per_capita(income.disposable, sizes.get(income.household_id, 0))
    found.update(
        ReportedIncome.objects.filter(household__in=households, year=year).values_list(
            "household_id", "per_capita"
        )
    )
    return {pk: value for pk, value in found.items() if value is not None}
