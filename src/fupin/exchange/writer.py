"""Writing the registry workbook with xlsxwriter: the empty template, exports, and the user's own
workbook handed back with the bad cells highlighted and commented.

Workbooks are written in xlsxwriter's constant-memory mode (row by row, flushed as it goes), so an
export of a province does not hold the registry in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter

from fupin.core import codes

from .schema import CODES_SHEET, INSTRUCTIONS_SHEET, SHEETS, Sheet

LAST_ROW = 1_048_575  # zero-based last row of a worksheet
SUMMARY_SHEET = "错误汇总"


class RegistryWorkbook:
    """A registry workbook being written: call `sheet(...)` once per sheet, in any order, then `close()`."""

    def __init__(self, path: Path | str, *, instructions: bool = True):
        self.book = xlsxwriter.Workbook(
            str(path), {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
        )
        self.header = self.book.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"}
        )
        self.header_required = self.book.add_format(
            {"bold": True, "bg_color": "#F8CBAD", "border": 1, "text_wrap": True, "valign": "vcenter"}
        )
        self.text = self.book.add_format({"num_format": 49})  # Excel's built-in text format "@"
        self.money = self.book.add_format({"num_format": "0.00"})
        self.bad = self.book.add_format({"bg_color": "#FF9999", "border": 1, "border_color": "#C00000"})
        self.bad_text = self.book.add_format(
            {"bg_color": "#FF9999", "border": 1, "border_color": "#C00000", "num_format": 49}
        )
        self.date = self.book.add_format({"num_format": "yyyy-mm-dd"})
        if instructions:
            self._instructions()
        self._code_ranges = self._code_lists()

    # -- fixed parts ---------------------------------------------------------------------------

    def _instructions(self) -> None:
        ws = self.book.add_worksheet(INSTRUCTIONS_SHEET)
        ws.set_column(0, 0, 18)
        ws.set_column(1, 1, 26)
        ws.set_column(2, 2, 8)
        ws.set_column(3, 3, 70)
        title = self.book.add_format({"bold": True, "font_size": 14})
        wrap = self.book.add_format({"text_wrap": True, "valign": "top"})
        lines = [
            "建档立卡数据表（扶贫信息系统）填写说明",
            "1. 本工作簿有“村”“户”“成员”“收入”四张数据表，请勿修改工作表名称和第一行列名；“村”“收入”表没有数据时可以留空。",
            "2. 橙色列名为必填列，蓝色为选填列。带下拉箭头的列请从下拉列表中选择。",
            "3. 证件号码、户主证件号码、一卡通账号、户编号、行政区划代码已设为文本格式：请直接输入，"
            "不要设成数字（18位身份证号存成数字会丢失末几位，系统将拒绝）。",
            "4. “成员”表中每户须恰好有一名“与户主关系”为“户主”的成员，其证件号码和姓名须与“户”表的户主证件号码、户主姓名一致。",
            "5. 同一证件号码在全系统只能登记一次；同一户同一年度的收入只能有一行。",
            "6. 导入时系统会检查每一个单元格：只要有一处错误，整个文件都不会导入，并列出所有错误（工作表、行号、列名、原因）。",
            "7. 户编号已在系统中的户将被更新（保留修改历史）；“成员”表中该户的成员即为该户全部在册成员，"
            "未列出的原在册成员将按“其他”原因减员。",
            "8. 是/否列可填：是、否（也接受 1/0、Y/N、有/无）。金额单位为元，最多两位小数，不能为负数。",
            "9. 性别和出生日期由证件号码得出，不必填写。导出的文件中证件号码和电话默认打码，打码的文件不能再导入。",
        ]
        ws.write(0, 0, lines[0], title)
        for i, line in enumerate(lines[1:], start=2):
            ws.merge_range(i, 0, i, 3, line, wrap)
            ws.set_row(i, 32)
        row = len(lines) + 2
        ws.write_row(row, 0, ["工作表", "列名", "必填", "填写要求"], self.header)
        for sheet in SHEETS:
            for column in sheet.columns:
                row += 1
                ws.write_row(
                    row, 0, [sheet.name, column.header, "是" if column.required else "", _note(column)]
                )

    def _code_lists(self) -> dict[str, str]:
        """A hidden sheet with every code list; returns the list name → its cell range."""
        ws = self.book.add_worksheet(CODES_SHEET)
        ranges: dict[str, str] = {}
        lists = [c.code_list for s in SHEETS for c in s.columns + s.extras if c.code_list is not None]
        seen: list[codes.CodeList] = []
        for code_list in lists:
            if code_list not in seen:
                seen.append(code_list)
        longest = max(len(c.labels) for c in seen)
        for col, code_list in enumerate(seen):
            ranges[code_list.name] = (
                f"='{CODES_SHEET}'!${_letters(col)}$2:${_letters(col)}${len(code_list.labels) + 1}"
            )
        # constant_memory: rows in order, so write row by row across the lists.
        ws.write_row(0, 0, [c.name for c in seen], self.header)
        for row in range(longest):
            ws.write_row(row + 1, 0, [c.labels[row] if row < len(c.labels) else "" for c in seen])
        ws.hide()
        return ranges

    # -- data sheets ---------------------------------------------------------------------------

    def sheet(self, sheet: Sheet, rows: Iterable[Sequence[Any]] = (), *, extras: bool = False) -> int:
        """Write `sheet` with its header, formats, drop-downs and the given rows; returns the row count.
        `extras`: the export-only columns too (the rows then carry their values)."""
        ws = self.book.add_worksheet(sheet.name)
        ws.freeze_panes(1, 0)
        columns = sheet.columns + sheet.extras if extras else sheet.columns
        for col, column in enumerate(columns):
            ws.set_column(col, col, column.width, self.text if column.text else None)
            ws.write_string(0, col, column.header, self.header_required if column.required else self.header)
            self._validation(ws, col, column)
        ws.set_row(0, 30)
        count = 0
        for count, values in enumerate(rows, start=1):
            for col, (column, value) in enumerate(zip(columns, values, strict=True)):
                self._cell(ws, count, col, value, text=column.text)
        return count

    def _validation(self, ws: Any, col: int, column: Any) -> None:
        if column.code_list is not None:
            options = {
                "validate": "list",
                "source": self._code_ranges[column.code_list.name],
                "input_title": column.header,
                "input_message": ("可多选，用“、”分隔" if column.multiple else "请从下拉列表选择")[:255],
            }
            if column.multiple or column.code_list in (codes.HOUSEHOLD_ATTRIBUTE, codes.POVERTY_CAUSE):
                # Several causes in one cell, and the legacy names (低保户…), must stay enterable.
                options["error_type"] = "information"
            ws.data_validation(1, col, LAST_ROW, col, options)
        elif column.yes_no:
            ws.data_validation(1, col, LAST_ROW, col, {"validate": "list", "source": ["是", "否"]})

    def _cell(
        self, ws: Any, row: int, col: int, value: Any, *, text: bool = False, bad: bool = False
    ) -> None:
        if value is None or value == "":
            if bad:
                ws.write_blank(row, col, None, self.bad)
            return
        if isinstance(value, bool):
            ws.write_boolean(row, col, value, self.bad if bad else None)
        elif isinstance(value, int | float):
            ws.write_number(row, col, value, self.bad if bad else None)
        elif isinstance(value, dt.datetime | dt.date):
            ws.write_datetime(row, col, value, self.bad if bad else self.date)
        else:
            fmt = (self.bad_text if text else self.bad) if bad else (self.text if text else None)
            ws.write_string(row, col, str(value), fmt)

    def close(self) -> None:
        self.book.close()


def _note(column: Any) -> str:
    parts = [column.note] if column.note else []
    if column.code_list is not None:
        parts.append("可选：" + "、".join(column.code_list.labels))
    if column.yes_no and not column.note:
        parts.append("填“是”或“否”")
    return "；".join(parts)


def _letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def write_template(path: Path | str) -> None:
    """The empty registry workbook: 说明, 村, 户, 成员, 收入 (and the hidden 代码表)."""
    book = RegistryWorkbook(path)
    for sheet in SHEETS:
        book.sheet(sheet)
    book.close()


def write_annotated(source: Any, errors: Sequence[Any], path: Path | str) -> None:
    """The user's own workbook with every bad cell highlighted and commented, and a summary sheet.

    `source` is an open reader.Source, `errors` the report's CellErrors."""
    book = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
    )
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    bad = book.add_format({"bg_color": "#FF9999", "border": 1, "border_color": "#C00000"})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    bad_date = book.add_format({"bg_color": "#FF9999", "num_format": "yyyy-mm-dd"})
    summary = book.add_worksheet(SUMMARY_SHEET)
    summary.set_column(0, 0, 10)
    summary.set_column(1, 1, 8)
    summary.set_column(2, 3, 20)
    summary.set_column(4, 4, 90)
    summary.write_row(0, 0, ["工作表", "行", "列", "错误代码", "说明"], header)
    for i, error in enumerate(errors, start=1):
        summary.write_row(i, 0, [error.sheet, error.row or "", error.column, error.code, error.message])
    summary.freeze_panes(1, 0)
    by_cell: dict[str, dict[int, dict[str, list[str]]]] = {}
    for error in errors:
        if error.row:
            cells = by_cell.setdefault(error.sheet, {}).setdefault(error.row, {})
            cells.setdefault(error.column, []).append(error.message)
    comment = {"x_scale": 2, "y_scale": 2}
    for name in source.sheet_names:
        ws = book.add_worksheet(name[:31])
        marks = by_cell.get(name, {})
        columns: dict[str, int] = {}
        for number, values in source.rows(name):
            offset = source.column_offset(name)
            row_marks = marks.get(number, {})
            if not columns and any(v not in (None, "") for v in values):
                # The header row: a bad header cell (unknown column) is marked on itself.
                columns = {str(v).strip(): i for i, v in enumerate(values) if str(v).strip()}
                for col, value in enumerate(values):
                    message = row_marks.get(str(value).strip()) if value not in (None, "") else None
                    if value not in (None, ""):
                        ws.write_string(number - 1, col + offset, str(value), bad if message else header)
                    if message:
                        ws.write_comment(number - 1, col + offset, "\n".join(message), comment)
                continue
            bad_cols = {columns[col]: msg for col, msg in row_marks.items() if col in columns}
            for col, value in enumerate(values):
                flagged = col in bad_cols
                if flagged:
                    ws.write_comment(number - 1, col + offset, "\n".join(bad_cols[col]), comment)
                _annotated_cell(
                    ws,
                    number - 1,
                    col + offset,
                    value,
                    bad if flagged else None,
                    bad_date if flagged else date,
                )
        if columns:
            ws.freeze_panes(1, 0)
    book.close()


def _annotated_cell(ws: Any, row: int, col: int, value: Any, fmt: Any, date_fmt: Any) -> None:
    if value is None or value == "":
        if fmt is not None:
            ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, int | float):
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, dt.datetime | dt.date):
        ws.write_datetime(row, col, value, date_fmt)
    else:
        ws.write_string(row, col, str(value), fmt)
