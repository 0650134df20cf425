"""Writes of the reports app: village indicators, one by one from the form or a whole workbook.

Each write takes the acting user, checks that the village is one the user may change (town office and
village cadres within their area), validates with `indicators.clean`, and runs in one transaction. The
rows are tracked (history and audit trail). An import is all or nothing: one bad row and nothing is
written; the report names every bad row.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

import python_calamine
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from fupin.areas import selectors as area_selectors
from fupin.areas.models import Area
from fupin.exchange.reader import csv_encoding
from fupin.registry.validation import Problem

from . import indicators
from .models import VillageIndicators

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_ROWS = 5000


class IndicatorError(Exception):
    pass


class NotPermitted(IndicatorError):
    pass


class ValidationFailed(IndicatorError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("；".join(p.message for p in problems))


class ConcurrentEdit(IndicatorError):
    pass


def _writable(actor, village: Area) -> None:
    if (
        village.level != "village"
        or not area_selectors.writable_villages_for(user=actor).filter(code=village.code).exists()
    ):
        raise NotPermitted(_("您无权填报“%(village)s”的指标") % {"village": village.name})


def _year(value: Any) -> int | None:
    text = "" if value is None else str(value).strip()
    if text.endswith(".0"):
        text = text[:-2]
    if text.isdigit() and MIN_YEAR <= int(text) <= MAX_YEAR:
        return int(text)
    return None


def record(
    *, actor, village: Area, year: int, data: dict[str, Any], seen_version: int | None
) -> VillageIndicators:
    """Record a village's indicators for a year. `seen_version` is the version the user edited (None for a
    new year); a change by someone else meanwhile raises ConcurrentEdit instead of being overwritten."""
    _writable(actor, village)
    if _year(year) is None:
        raise ValidationFailed([Problem("year", "bad_year", _("年度应为2000至2100之间的四位年份"))])
    values, problems = indicators.clean(data)
    if problems:
        raise ValidationFailed(problems)
    with transaction.atomic():
        row = VillageIndicators.objects.select_for_update().filter(village=village, year=year).first()
        if row is None:
            if seen_version is not None:
                raise ConcurrentEdit(_("该年度的指标已被删除，请刷新页面"))
            return VillageIndicators.objects.create(village=village, year=year, **values)
        if seen_version is None or row.version != seen_version:
            raise ConcurrentEdit(
                _("“%(row)s”已被他人修改，请刷新页面后重新填报（您的修改未保存）") % {"row": row}
            )
        for name, value in values.items():
            setattr(row, name, value)
        row.version = F("version") + 1
        row.save()
        row.refresh_from_db()
        return row


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _header_map() -> dict[str, str]:
    mapping = {indicators.label(f.name): f.name for f in indicators.FIELDS}
    mapping.update({_("村代码"): "village_code", _("村名称"): "village_name", _("年度"): "year"})
    return mapping


def template_headers() -> list[str]:
    return [_("村代码"), _("村名称"), _("年度")] + [indicators.label(f.name) for f in indicators.FIELDS]


# What reading a damaged or foreign file can raise (calamine has several error types of its own).
UNREADABLE = (
    python_calamine.CalamineError,
    python_calamine.ZipError,
    python_calamine.XmlError,
    python_calamine.PasswordError,
    UnicodeDecodeError,
    ValueError,
)


def read_rows(content: bytes, kind: str) -> list[list[Any]]:
    if kind == "csv":
        text = content.decode(csv_encoding(content[:65536]))
        return [list(row) for row in csv.reader(io.StringIO(text))]
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
    return book.get_sheet_by_index(0).to_python(skip_empty_area=False)


def import_rows(*, actor, rows: list[list[Any]]) -> ImportReport:
    """Import a sheet whose first row is the template's header. All or nothing."""
    report = ImportReport()
    if not rows:
        report.errors.append({"row": 1, "field": "", "message": _("文件中没有数据")})
        return report
    names = _header_map()
    header = [names.get(str(cell).strip()) for cell in rows[0]]
    if "year" not in header or not ({"village_code", "village_name"} & set(header)):
        report.errors.append(
            {
                "row": 1,
                "field": "",
                "message": _("表头应包含“村代码”或“村名称”，以及“年度”（请使用系统提供的模板）"),
            }
        )
        return report
    body = [r for r in rows[1:] if any(str(c).strip() for c in r)]
    if len(body) > MAX_ROWS:
        report.errors.append({"row": 1, "field": "", "message": _("一次最多导入%(n)d行") % {"n": MAX_ROWS}})
        return report
    writable = {v.code: v for v in area_selectors.writable_villages_for(user=actor)}
    by_name: dict[str, list[Area]] = {}
    for village in writable.values():
        by_name.setdefault(village.name, []).append(village)
    planned: dict[tuple[str, int], tuple[int, dict]] = {}
    for number, row in enumerate(body, start=2):
        cells = {name: row[i] if i < len(row) else None for i, name in enumerate(header) if name}
        code = str(cells.get("village_code") or "").strip().removesuffix(".0")
        name = str(cells.get("village_name") or "").strip()
        village = writable.get(code) if code else None
        if village is None and not code and len(by_name.get(name, [])) == 1:
            village = by_name[name][0]
        if village is None:
            shown = code or name
            report.errors.append(
                {
                    "row": number,
                    "field": "village",
                    "message": _("村“%(v)s”不存在或不在您的工作范围内") % {"v": shown},
                }
            )
            continue
        year = _year(cells.get("year"))
        if year is None:
            report.errors.append(
                {"row": number, "field": "year", "message": _("年度应为2000至2100之间的四位年份")}
            )
            continue
        values, problems = indicators.clean(cells)
        for problem in problems:
            report.errors.append({"row": number, "field": problem.field, "message": problem.message})
        key = (village.code, year)
        if key in planned:
            report.errors.append(
                {
                    "row": number,
                    "field": "year",
                    "message": _("与第%(n)d行是同一个村的同一年度") % {"n": planned[key][0]},
                }
            )
        if not problems:
            planned[key] = (number, values)
    report.rows = len(body)
    if report.errors:
        return report
    with transaction.atomic():
        for (code, year), (_number, values) in planned.items():
            row = VillageIndicators.objects.select_for_update().filter(village_id=code, year=year).first()
            if row is None:
                VillageIndicators.objects.create(village_id=code, year=year, **values)
                report.created += 1
            else:
                for name, value in values.items():
                    setattr(row, name, value)
                row.version = F("version") + 1
                row.save()
                report.updated += 1
    return report
