"""Reading a department list (CSV in UTF-8 or GBK, .xlsx, .xls) into clean rows and a report.

Nothing is written here: `services.load_list` stores what this returns. A row is skipped — and the
report says which and why — when it is empty, has neither a usable name nor ID number, repeats an earlier
row, or lacks a required date or category. A malformed ID number does not skip the row: it is kept, marked
invalid, for the matching by name and birth date.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.utils.translation import gettext as _

from . import ids
from .columns import CIVIL_CATEGORIES, KINDS, Column, locate
from .models import ListKind


class ListRefused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Parsed:
    kind: str
    records: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    rows_read: int = 0

    def skip(self, row: int, code: str, message: str, column: str = "") -> None:
        self.skipped.append({"row": row, "column": column, "code": code, "message": message})


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _csv_rows(data: bytes) -> Iterator[list]:
    from fupin.exchange.reader import csv_encoding

    encoding = csv_encoding(data[: 64 * 1024])
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ListRefused("encoding", _("文件编码无法识别：请另存为 UTF-8 或 GBK 编码的 CSV")) from exc
    yield from csv.reader(io.StringIO(text, newline=""))


def _workbook_rows(path: Path) -> Iterator[list]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        sheet = book.get_sheet_by_index(0)
        yield from sheet.to_python(skip_empty_area=False)
    except ListRefused:
        raise
    except Exception as exc:  # calamine raises its own error types for broken files
        raise ListRefused(
            "not_a_workbook", _("文件已损坏，无法打开；请用 Excel 另存为 .xlsx 后再导入")
        ) from exc


def file_rows(path: Path, kind_of_file: str) -> Iterator[list]:
    if kind_of_file == "csv":
        return _csv_rows(Path(path).read_bytes())
    return _workbook_rows(Path(path))


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = ids.clean(value).replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-")
    text = text.replace(".", "-")
    if not text:
        return None
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        year, month, day = (int(p) for p in text.split("-")[:3])
        return dt.date(year, month, day)
    except ValueError:
        return None


def _money(value: object) -> Decimal | None:
    text = ids.clean(value).replace(",", "").replace("元", "")
    if not text:
        return None
    try:
        amount = Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and abs(amount) < Decimal("1e12") else None


def _text(value: object, limit: int) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value if value is not None else "").split())[:limit]


def parse_rows(kind: str, rows: Iterable[list]) -> Parsed:
    """Header row first, then data rows (1-based row numbers as in Excel)."""
    if kind not in KINDS:
        raise ListRefused("kind", _("未知的名单类型：%(kind)s") % {"kind": kind})
    iterator = iter(rows)
    parsed = Parsed(kind)
    header: list | None = None
    header_row = 0
    for number, row in enumerate(iterator, start=1):
        if any(str(c or "").strip() for c in row):
            header, header_row = list(row), number
            break
    if header is None:
        raise ListRefused("empty_file", _("文件中没有表头和数据"))
    positions, missing = locate(kind, header)
    if missing:
        raise ListRefused(
            "missing_column",
            _("缺少必需的列：%(columns)s（整份名单未导入）") % {"columns": "、".join(missing)},
        )
    columns: dict[str, Column] = {c.field: c for c in KINDS[kind]}
    seen: dict[tuple, int] = {}
    for number, row in enumerate(iterator, start=header_row + 1):
        parsed.rows_read += 1
        cells = {f: (row[i] if i < len(row) else None) for f, i in positions.items()}
        if not any(str(v or "").strip() for v in cells.values()):
            parsed.skip(number, "empty_row", _("空行"))
            continue
        record = _record(kind, number, cells, columns, parsed)
        if record is None:
            continue
        identity = (
            record["id_number"] if record["id_valid"] else f"{record['name']}|{record['birth_date']}",
            record["category"],
        )
        if identity in seen:
            parsed.skip(
                number, "duplicate", _("与第%(row)d行重复，已跳过") % {"row": seen[identity]}, "证件号码"
            )
            continue
        seen[identity] = number
        parsed.records.append(record)
    if parsed.rows_read == 0:
        parsed.skip(header_row, "no_rows", _("文件只有表头，没有数据行"))
    return parsed


def _record(kind: str, number: int, cells: dict, columns: dict[str, Column], parsed: Parsed) -> dict | None:
    name = _text(cells.get("name"), 50)
    norm = ids.normalise(cells.get("id_number"))
    birth = _date(cells.get("birth_date")) if "birth_date" in cells else None
    birth = birth or norm.birth_date
    if not norm.valid:
        if not name or birth is None:
            parsed.skip(
                number,
                norm.code,
                _("证件号码“%(id)s”无效，且缺少姓名或出生日期，无法比对")
                % {"id": ids.clean(cells.get("id_number"))[:20]},
                "证件号码",
            )
            return None
        parsed.skip(
            number,
            f"{norm.code}_kept",
            _("证件号码无效（%(code)s），已保留，按姓名和出生日期比对") % {"code": norm.code},
            "证件号码",
        )
    if not name and not norm.valid:
        return None
    record = {
        "row": number,
        "name": name,
        "id_number": norm.number,  # kept when invalid too (id_valid says which), for the evidence
        "id_valid": norm.valid,
        "birth_date": birth,
        "place": _text(cells.get("place"), 100),
        "category": "",
        "detail": _text(cells.get("detail"), 200),
        "amount": None,
        "event_date": None,
    }
    for fld in ("category", "event_date", "amount"):
        column = columns.get(fld)
        if column is None or fld not in cells:
            continue
        raw = cells.get(fld)
        if column.kind == "date":
            value = _date(raw)
            if value is None and column.required:
                parsed.skip(
                    number, "date", _("%(col)s为空或不是日期，已跳过") % {"col": column.header}, column.header
                )
                return None
            record[fld] = value
        elif column.kind == "money":
            record[fld] = _money(raw)
        else:
            record[fld] = _text(raw, 40)
    if kind == ListKind.CIVIL:
        category = CIVIL_CATEGORIES.get(record["category"].replace("人员", "").replace("对象", ""))
        if category is None:
            parsed.skip(
                number,
                "category",
                _("类别“%(value)s”应为“低保”或“特困”，已跳过") % {"value": record["category"][:20]},
                "类别",
            )
            return None
        record["category"] = category
    elif columns.get("category") and columns["category"].required and not record["category"]:
        header = columns["category"].header
        parsed.skip(number, "category", _("%(col)s为空，已跳过") % {"col": header}, header)
        return None
    return record
