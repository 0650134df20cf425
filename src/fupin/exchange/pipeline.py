"""The import pipeline: workbook → staging → validation → commit, in one transaction.

Every cell is cleaned by `registry.validation` (the rules the web forms and the API use), every
cleaned row is staged by `registry.bulk`, which then checks the rules across rows and against the
database set-based, and commits only when nothing at all is wrong. The report lists every invalid
cell with the sheet, the worksheet's own row number, the column header, a stable code and a
Chinese message.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from fupin.core import audit
from fupin.core.models import User
from fupin.registry import idnumber
from fupin.registry.bulk import Batch, RowProblem, scope_of
from fupin.registry.validation import (
    HOUSEHOLD_COLUMNS,
    Problem,
    clean_household,
    clean_income,
    clean_member,
    clean_village,
)

from . import reader
from .schema import IGNORED_SHEETS, SHEET_BY_KIND, SHEET_BY_NAME, SHEETS, Sheet

CHUNK = 5000
SHEET_ORDER = {sheet.name: i for i, sheet in enumerate(SHEETS)}
Progress = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class CellError:
    sheet: str
    row: int | None
    column: str
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "message": self.message,
        }


@dataclass
class ImportReport:
    ok: bool
    committed: bool
    counts: dict[str, int]
    errors: list[CellError]
    filename: str = ""
    sha256: str = ""
    dry_run: bool = False
    changes: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "committed": self.committed,
            "counts": self.counts,
            "errors": [e.as_dict() for e in self.errors],
            "file": {"name": self.filename, "sha256": self.sha256},
            "dry_run": self.dry_run,
            "changes": self.changes,
        }

    def write(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.as_json(), ensure_ascii=False, indent=1), encoding="utf-8")

    def errors_by_sheet(self) -> dict[str, list[CellError]]:
        grouped: dict[str, list[CellError]] = {}
        for error in self.errors:
            grouped.setdefault(error.sheet, []).append(error)
        return grouped


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _required_text(raw: dict, field: str, header: str, problems: list[Problem]) -> str:
    value = _text(raw.get(field))
    if not value:
        problems.append(Problem(field, "required", f"“{header}”不能为空，请填写"))
    return value


def _clean_village(raw: dict) -> tuple[dict, list[Problem]]:
    out, problems = clean_village(raw)
    bad = {p.field for p in problems}
    return {
        "code": None if "code" in bad else out["code"],
        "name": out["name"],
        "year": None if "year" in bad else out["year"],
        "registered_population": out["registered_population"],
        "per_capita_income": out["per_capita_income"],
    }, problems


def _clean_household(raw: dict) -> tuple[dict, list[Problem]]:
    out, problems = clean_household(raw)
    problems = list(problems)
    head_name = _required_text(raw, "head_name", "户主姓名", problems)
    head_id = None
    if _blank(raw.get("head_id_number")):
        problems.append(Problem("head_id_number", "required", "“户主证件号码”不能为空，请填写"))
    else:
        try:
            head_id = idnumber.parse(raw["head_id_number"]).number
        except idnumber.IdNumberError as exc:
            problems.append(Problem("head_id_number", exc.code, exc.message))
    if _is_number(raw.get("bank_account")):
        problems = [p for p in problems if p.field != "bank_account"]
        problems.append(
            Problem(
                "bank_account",
                "id_format",
                "“一卡通账号”被存成了数字，长账号的末几位可能已丢失：请把该列设为文本格式后重新输入完整账号",
            )
        )
    bad = {p.field for p in problems}
    staged = {key: out[key] for key in HOUSEHOLD_COLUMNS}
    staged.update(
        household_no=None if "household_no" in bad else out["household_no"],
        village=None if "village" in bad else out["village"],
        group_name=out["group"],
        head_name=head_name,
        head_id_number=head_id,
    )
    return staged, problems


def _clean_member(raw: dict) -> tuple[dict, list[Problem]]:
    out, problems = clean_member(raw)
    problems = list(problems)
    number = _required_text(raw, "household_no", "户编号", problems)
    bad = {p.field for p in problems}
    out["household_no"] = number or None
    if "id_number" in bad:
        out["id_number"] = None
    if "relation" in bad:
        out["relation"] = None
    return out, problems


def _clean_income(raw: dict) -> tuple[dict, list[Problem]]:
    out, problems = clean_income(raw)
    problems = list(problems)
    out["household_no"] = _required_text(raw, "household_no", "户编号", problems) or None
    if any(p.field == "year" for p in problems):
        out["year"] = None
    return out, problems


CLEANERS = {
    "village": _clean_village,
    "household": _clean_household,
    "member": _clean_member,
    "income": _clean_income,
}


class _Run:
    def __init__(self, source: reader.Source, batch: Batch, progress: Progress | None):
        self.source = source
        self.batch = batch
        self.progress = progress
        self.errors: list[CellError] = []
        self.counts = {sheet.name: 0 for sheet in SHEETS}
        self.structural = False

    def fail(self, sheet: str, row: int | None, column: str, code: str, message: str) -> None:
        self.errors.append(CellError(sheet, row, column, code, message))

    def check_sheets(self) -> None:
        names = self.source.sheet_names
        for sheet in SHEETS:
            if sheet.required and sheet.name not in names:
                self.structural = True
                self.fail(
                    sheet.name,
                    None,
                    "",
                    "sheet_missing",
                    f"工作簿中没有名为“{sheet.name}”的工作表（现有：{'、'.join(names) or '无'}）；"
                    "请使用系统模板，不要改动工作表名称",
                )
        for name in names:
            if name not in SHEET_BY_NAME and name not in IGNORED_SHEETS:
                self.structural = True
                self.fail(
                    name,
                    None,
                    "",
                    "unknown_sheet",
                    f"工作表“{name}”不是模板中的工作表（应为 村、户、成员、收入），其中的数据不会被导入；"
                    "如是改名的工作表请改回原名，否则请删除该表",
                )

    def read(self, sheet: Sheet) -> None:
        rows = self.source.rows(sheet.name)
        header: list | None = None
        header_row = 0
        for number, values in rows:
            if any(not _blank(v) for v in values):
                header, header_row = values, number
                break
        if header is None:
            return
        index = self._columns(sheet, header, header_row)
        if index is None:
            self.structural = True
            return
        clean = CLEANERS[sheet.kind]
        chunk: list[dict] = []
        done = 0
        for number, values in rows:
            if all(_blank(v) for v in values):
                continue
            raw = {f: (values[i] if i < len(values) else None) for f, i in index.items()}
            staged, problems = clean(raw)
            staged["row"] = number
            chunk.append(staged)
            for problem in problems:
                self.fail(
                    sheet.name,
                    number,
                    sheet.header_of(problem.field) or problem.field,
                    problem.code,
                    problem.message,
                )
            if len(chunk) >= CHUNK:
                done += self.batch.add(sheet.kind, chunk)
                chunk = []
                if self.progress:
                    self.progress(sheet.name, done, None)
        done += self.batch.add(sheet.kind, chunk)
        self.counts[sheet.name] = done
        if self.progress:
            self.progress(sheet.name, done, done)

    def _columns(self, sheet: Sheet, header: list, header_row: int) -> dict[str, int] | None:
        by_header = {column.header: column for column in sheet.columns}
        index: dict[str, int] = {}
        offset = self.source.column_offset(sheet.name)
        ok = True
        for i, cell in enumerate(header):
            name = _text(cell)
            if not name:
                continue
            column = by_header.get(name)
            if column is None or column.field in index:
                ok = False
                what = "重复出现" if column is not None else "不是模板中的列"
                self.fail(
                    sheet.name,
                    header_row,
                    name,
                    "unknown_column",
                    f"第{_letters(i + offset)}列的列名“{name}”{what}；请使用模板中的列名：{'、'.join(sheet.headers)}",
                )
                continue
            index[column.field] = i
        for column in sheet.columns:
            if column.required and column.field not in index:
                ok = False
                self.fail(
                    sheet.name,
                    header_row,
                    column.header,
                    "missing_column",
                    f"“{sheet.name}”表缺少必填列“{column.header}”；请使用系统模板，不要改动列名",
                )
        return index if ok else None

    def add_row_problems(self, problems: Iterable[RowProblem]) -> None:
        for p in problems:
            sheet = SHEET_BY_KIND[p.kind]
            self.fail(sheet.name, p.row, sheet.header_of(p.field) or p.field, p.code, p.message)

    def sorted_errors(self) -> list[CellError]:
        def key(error: CellError) -> tuple:
            sheet = SHEET_BY_NAME.get(error.sheet)
            column = sheet.headers.index(error.column) if sheet and error.column in sheet.headers else -1
            return (SHEET_ORDER.get(error.sheet, -1), error.row or 0, column)

        return sorted(self.errors, key=key)


def _letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def import_registry(
    path: Path | str,
    *,
    actor: User | None = None,
    dry_run: bool = False,
    filename: str | None = None,
    progress: Progress | None = None,
    audit_households: bool = False,
) -> ImportReport:
    """Import the registry workbook (or CSV variant) at `path`; all or nothing.

    `actor` None is the system (the command line): no area restriction. Raises PermissionError when
    `actor` may not import households at all.

    The audit trail gets one `import` entry (file digest, counts, changes); `audit_households` adds
    one entry per household created or changed (and to the summary the digest of their numbers),
    which costs about a quarter of the import time at province scale (bench/RESULTS.md) while the
    history rows already say who changed each record, when and by which import."""
    path = Path(path)
    scope_of(actor)
    report = ImportReport(
        ok=False,
        committed=False,
        counts={sheet.name: 0 for sheet in SHEETS},
        errors=[],
        filename=filename or path.name,
        sha256=reader.digest(path),
        dry_run=dry_run,
    )
    try:
        source = reader.open_source(path)
    except reader.NotAWorkbook as exc:
        report.errors = [CellError("", None, "", exc.code, exc.message)]
        return report
    try:
        with transaction.atomic():
            run = _Run(source, Batch(actor=actor, reason=f"导入 {report.filename}"), progress)
            _validate(run)
            report.counts = run.counts
            report.errors = run.sorted_errors()
            if report.errors or dry_run:
                run.batch.close()
                transaction.set_rollback(True)
            else:
                if progress:
                    progress("commit", 0, None)
                changes = run.batch.commit()
                report.changes = changes.as_dict()
                if progress:
                    progress("audit", 0, None)
                _audit(run.batch, report, actor, audit_households)
                report.committed = True
                run.batch.close()
    except UnicodeDecodeError as exc:
        report.errors = [
            CellError(
                "",
                None,
                "",
                "not_a_workbook",
                f"CSV 文件的编码无法识别（{exc.reason}）：请在 Excel 中另存为“CSV UTF-8”或“CSV（逗号分隔）”",
            )
        ]
    finally:
        source.close()
    report.ok = not report.errors
    return report


def _validate(run: _Run) -> None:
    run.check_sheets()
    for sheet in SHEETS:
        if sheet.name in run.source.sheet_names:
            run.read(sheet)
    if run.structural:
        return
    if not any(run.counts.values()):
        run.fail("", None, "", "empty_file", "工作簿中没有任何数据行：请在模板的表头下方逐行填写后再导入")
        return
    if run.progress:
        run.progress("check", 0, None)
    run.add_row_problems(run.batch.check())


def _audit(batch: Batch, report: ImportReport, actor: User | None, per_household: bool) -> None:
    detail: dict[str, Any] = {
        "file_sha256": report.sha256,
        "counts": report.counts,
        "changes": report.changes,
    }
    if per_household:
        touched = hashlib.sha256()
        entries: list[audit.Entry] = []
        for household_id, number, created in batch.touched_households():
            touched.update(number.encode() + b"\n")
            entries.append(
                audit.Entry(
                    "import_create" if created else "import_update",
                    "registry.Household",
                    str(household_id),
                    {"label": number, "file_sha256": report.sha256},
                )
            )
            if len(entries) >= CHUNK:
                audit.record_many(entries, actor=actor)
                entries = []
        if entries:
            audit.record_many(entries, actor=actor)
        detail["households_sha256"] = touched.hexdigest()
    audit.record("import", "registry", report.filename, detail, actor=actor)
