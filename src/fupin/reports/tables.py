"""The standard report tables to the upper level (上报报表), as one workbook for a year and an area.

Sheets: households and persons by status per village; by 贫困户属性; by 主要致贫原因 (registered
households, i.e. still in poverty or returned); the year's dynamic adjustment (new, exited, returned,
removed, members who left by reason); exits by month. Figures are counted from the registry as it is
now, grouped in the database (a few grouped queries, whatever the size of the area). Persons are the
members on the register (not left).

Exits by month count the status changes to 已脱贫 of the year by the month they were recorded; a change
recorded in a later calendar year (an exit of 2016 entered in 2017) is counted under “月份不详”.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import xlsxwriter
from django.db.models import Count
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils.translation import gettext as _

from fupin.areas.models import Area
from fupin.core import codes
from fupin.core.scope import in_area
from fupin.registry.models import Household, Member, StatusChange

IN_POVERTY = ("registered", "returned")


@dataclass
class Sheet:
    name: str
    header: list[str]
    rows: list[list]


def _villages(user) -> list[Area]:
    if not user.is_authenticated or not user.reads_aggregates:
        return []
    return list(in_area(Area.objects.filter(level="village"), user, "code").order_by("code"))


def _households(user):
    return (
        in_area(Household.objects.all(), user, "village__code")
        if user.reads_aggregates
        else Household.objects.none()
    )


def _persons(user):
    members = Member.objects.filter(left_on__isnull=True)
    return in_area(members, user, "household__village__code") if user.reads_aggregates else members.none()


def _grid(villages, counts: dict, columns: list[str]) -> list[list]:
    rows, totals = [], [0] * len(columns)
    for village in villages:
        values = [counts.get((village.code, c), 0) for c in columns]
        totals = [t + v for t, v in zip(totals, values, strict=True)]
        rows.append([village.code, village.name, *values])
    rows.append(["", _("合计"), *totals])
    return rows


def by_status(user) -> Sheet:
    villages = _villages(user)
    households = dict(
        ((r["village_id"], r["status"]), r["n"])
        for r in _households(user).values("village_id", "status").annotate(n=Count("id")).order_by()
    )
    persons = dict(
        ((r["household__village_id"], r["household__status"]), r["n"])
        for r in _persons(user)
        .values("household__village_id", "household__status")
        .annotate(n=Count("id"))
        .order_by()
    )
    statuses = codes.HOUSEHOLD_STATUS.codes
    counts = {}
    columns = []
    for status in statuses:
        for kind, source in (("h", households), ("p", persons)):
            column = f"{status}:{kind}"
            columns.append(column)
            for (village, s), n in source.items():
                if s == status:
                    counts[(village, column)] = n
    header = [_("村代码"), _("村")]
    for status in statuses:
        label = codes.HOUSEHOLD_STATUS.label(status)
        header += [_("%(status)s户数") % {"status": label}, _("%(status)s人数") % {"status": label}]
    return Sheet(_("按状态"), header, _grid(villages, counts, columns))


def _by_code(user, field: str, code_list, name: str) -> Sheet:
    villages = _villages(user)
    rows = (
        _households(user)
        .filter(status__in=IN_POVERTY)
        .values("village_id", field)
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {(r["village_id"], r[field]): r["n"] for r in rows}
    columns = code_list.codes
    header = [_("村代码"), _("村"), *[str(code_list.label(c)) for c in columns]]
    return Sheet(name, header, _grid(villages, counts, columns))


def adjustment(user, year: int) -> Sheet:
    """The year's dynamic adjustment per village: new households identified, exits, returns, removals,
    and members who left the register by reason."""
    villages = _villages(user)
    counts: dict = defaultdict(int)
    for r in (
        _households(user).filter(identified_year=year).values("village_id").annotate(n=Count("id")).order_by()
    ):
        counts[(r["village_id"], "new")] = r["n"]
    changes = StatusChange.objects.filter(year=year, household__in=_households(user))
    for r in changes.values("household__village_id", "to_status").annotate(n=Count("id")).order_by():
        counts[(r["household__village_id"], r["to_status"])] += r["n"]
    left = _persons_left(user, year)
    for r in left.values("household__village_id", "left_reason").annotate(n=Count("id")).order_by():
        counts[(r["household__village_id"], "left:" + (r["left_reason"] or "other"))] += r["n"]
    reasons = [code for code, _label in Member.LEFT_REASONS]
    columns = ["new", "exited", "returned", "removed", *("left:" + r for r in reasons)]
    header = [
        _("村代码"),
        _("村"),
        _("新识别户"),
        _("脱贫户"),
        _("返贫户"),
        _("销号户"),
        *[_("减少人口：%(reason)s") % {"reason": label} for _code, label in Member.LEFT_REASONS],
    ]
    return Sheet(_("年度动态调整"), header, _grid(villages, dict(counts), columns))


def _persons_left(user, year: int):
    members = Member.objects.filter(left_on__year=year)
    return in_area(members, user, "household__village__code") if user.reads_aggregates else members.none()


def exits_by_month(user, year: int) -> Sheet:
    villages = _villages(user)
    changes = (
        StatusChange.objects.filter(year=year, to_status="exited", household__in=_households(user))
        .annotate(y=ExtractYear("changed_at"), m=ExtractMonth("changed_at"))
        .values("household__village_id", "y", "m")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict = defaultdict(int)
    for r in changes:
        column = str(r["m"]) if r["y"] == year else "unknown"
        counts[(r["household__village_id"], column)] += r["n"]
    columns = [str(m) for m in range(1, 13)] + ["unknown"]
    header = [_("村代码"), _("村"), *[_("%(m)d月") % {"m": m} for m in range(1, 13)], _("月份不详")]
    return Sheet(_("按月脱贫户数"), header, _grid(villages, dict(counts), columns))


def sheets(user, year: int) -> list[Sheet]:
    return [
        by_status(user),
        _by_code(user, "attribute", codes.HOUSEHOLD_ATTRIBUTE, _("按贫困户属性")),
        _by_code(user, "main_cause", codes.POVERTY_CAUSE, _("按主要致贫原因")),
        adjustment(user, year),
        exits_by_month(user, year),
    ]


def write(user, year: int, target: Path | IO[bytes]) -> None:
    book = xlsxwriter.Workbook(target if not isinstance(target, Path) else str(target), {"in_memory": False})
    bold = book.add_format({"bold": True})
    for sheet in sheets(user, year):
        ws = book.add_worksheet(sheet.name[:31])
        ws.write_string(0, 0, _("%(year)s年 %(title)s") % {"year": year, "title": sheet.name}, bold)
        ws.write_row(1, 0, sheet.header, bold)
        ws.set_column(0, 0, 14)
        ws.set_column(1, 1, 12)
        for number, row in enumerate(sheet.rows, start=2):
            for column, value in enumerate(row):
                if isinstance(value, int):
                    ws.write_number(number, column, value)
                else:
                    ws.write_string(number, column, str(value))
    book.close()
