"""The national system's export 贫困人口明细 (DOMAIN §13.4): its columns, the header variants real
exports carry, and finding the header and the data year in a file.

One row per person; the household's fields repeat on each of its members' rows. Real exports differ
in small ways, all accepted: 县 / 县(市、区) / 县(市、区、旗), 乡(镇) / 乡镇, full- or half-width brackets,
spaces in headers, a title row (often with the year) above the header, and 序号 or 数据日期 columns
before the first column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext_noop as _

from fupin.core.codes import CodeList

from . import reader

SHEET = "贫困人口明细"
HOUSEHOLD_SHEET = "户"  # the count of households in the report
HEADER_SCAN_ROWS = 10


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # as the export writes it
    required: bool
    variants: tuple[str, ...] = ()
    text: bool = False  # written as text (identifiers)


COLUMNS: tuple[Column, ...] = (
    Column("county", "县", False, ("县(市、区)", "县(市、区、旗)", "县(市区)", "县(区)", "县市区")),
    Column("town", "乡(镇)", True, ("乡镇", "乡(镇、街道)", "镇")),
    Column("village_name", "行政村", True, ("村",)),
    Column("group", "自然村", False, ("自然村(组)", "村民小组")),
    Column("household_no", "户编号", True, (), True),
    Column("person_no", "人编号", False, (), True),
    Column("name", "姓名", True),
    Column("id_number", "证件号码", True, ("身份证号码", "身份证号"), True),
    Column("size", "人数", False, ("家庭人口", "家庭人数")),
    Column("relation", "与户主关系", True),
    Column("ethnicity", "民族", False),
    Column("education", "文化程度", False),
    Column("school_status", "在校生状况", True, ("在校生情况",)),
    Column("health", "健康状况", True),
    Column("labour", "劳动技能", True, ("劳动能力",)),
    Column("migrant_work", "务工状况", False),
    Column("work_months", "务工时间（月）", False, ("务工时间",)),
    Column("medical_insurance", "参加大病医疗", True, ("是否参加大病医疗", "参加大病医疗保险")),
    Column("exit_mark", "脱贫属性", False, ("脱贫标志",)),
    Column("exit_year", "脱贫年度", False),
    Column("attribute", "贫困户属性", True),
    Column("main_cause", "主要致贫原因", True),
    Column("dilapidated", "危房户", True, ("是否危房户",)),
    Column("water_safe", "饮水安全", True, ("是否饮水安全",)),
    Column("water_difficulty", "饮水困难", False, ("是否饮水困难",)),
    Column("per_capita_income", "人均纯收入", False, ("人均纯收入(元)", "家庭年人均纯收入")),
    Column("phone", "联系电话", False, (), True),
)
# Columns some exports put before 县; read as nothing (数据日期 gives the data year).
LEADING = ("序号", "数据日期")
HEADERS = {column.field: column.header for column in COLUMNS}
BY_FIELD = {column.field: column for column in COLUMNS}

# 脱贫属性 of the national system (aar010, DOMAIN §13.3) against the registry's status.
EXIT_MARK = CodeList(
    "脱贫属性",
    (
        ("registered", _("未脱贫")),
        ("exited", _("已脱贫")),
        ("returned", _("返贫")),
        ("removed", _("已销户")),
    ),
    aliases={
        "预脱贫": "exited",
        "已脱贫(享受政策)": "exited",
        "已脱贫（享受政策）": "exited",
        "已脱贫(不再享受政策)": "exited",
        "已脱贫（不再享受政策）": "exited",
        "稳定脱贫": "exited",
        "已销号": "removed",
    },
)


def normalise(header: object) -> str:
    """A header as compared: no spaces, half-width brackets."""
    text = "" if header is None else str(header)
    text = re.sub(r"\s+", "", text)
    return text.replace("（", "(").replace("）", ")")


_KNOWN = {normalise(name): column.field for column in COLUMNS for name in (column.header, *column.variants)}


def field_of(header: object) -> str | None:
    """The field a header names, '' for a leading column read as nothing, None when unknown."""
    name = normalise(header)
    if name in LEADING:
        return ""
    return _KNOWN.get(name)


def is_header(values: list) -> bool:
    fields = {field_of(v) for v in values if normalise(v)}
    return {"household_no", "id_number", "village_name"} <= fields


YEAR_IN_TEXT = re.compile(r"(20\d\d)\s*年?")


def year_in(value: object) -> int | None:
    """A data year in a title cell or a 数据日期 cell (a date, 2018-12-31, 20181231, 2018年…)."""
    if isinstance(value, dt.date | dt.datetime):
        return value.year
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    match = YEAR_IN_TEXT.search(str(value or ""))
    return int(match.group(1)) if match else None


def looks_national(path: Path) -> bool:
    """Whether `path` holds the national layout rather than the registry workbook (no 户/成员 sheets,
    and a 贫困人口明细 header in the first rows of its first sheet or of a CSV file)."""
    path = Path(path)
    if path.is_dir():
        return False
    try:
        source = open_national(path)
    except reader.NotAWorkbook:
        return False
    try:
        if {"户", "成员"} & set(source.sheet_names):
            return False
        for number, values in source.rows(source.sheet_names[0]):
            if is_header(values):
                return True
            if number >= HEADER_SCAN_ROWS:
                break
        return False
    except UnicodeDecodeError:
        return False
    finally:
        source.close()


class NationalCsv(reader.Source):
    """A national export saved as CSV: one file, UTF-8 (with or without BOM) or GBK/GB18030."""

    def __init__(self, path: Path):
        self.path = path
        self.sheet_names = [SHEET]
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                self.text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - gb18030 decodes any byte string
            raise reader.NotAWorkbook("not_a_workbook", "无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK")

    def rows(self, name: str) -> Iterator[tuple[int, list]]:
        yield from enumerate(csv.reader(io.StringIO(self.text, newline="")), start=1)


def open_national(path: Path) -> reader.Source:
    """The national export as a Source: an .xlsx or .xls workbook (its first sheet), or a CSV file."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        if path.stat().st_size == 0:
            raise reader.NotAWorkbook("empty_file", "文件是空的（0字节），请选择国家系统导出的贫困人口明细")
        return NationalCsv(path)
    return reader.open_source(path)
