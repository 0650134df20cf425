"""The import pipeline: workbook → staging → validation → commit, the commit in one short transaction.

Every cell is cleaned by the rule tables of `registry.validation` (the rules the web forms and the API
use), column-wise by `registry.columnar`; the cleaned chunks are staged by `registry.bulk`, which then
checks the rules across rows and against the database set-based, and commits only when nothing at
all is wrong. Nothing before the commit writes to the registry, so the write lock of SQLite is taken
only for the commit itself. The report lists every invalid
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

import polars as pl
from django.db import transaction

from fupin.core import audit, busy
from fupin.core.models import User
from fupin.figures import services as figures
from fupin.registry import columnar
from fupin.registry.bulk import KEY_FIELDS, Batch, RowProblem, scope_of
from fupin.registry.validation import (
    HOUSEHOLD_IMPORT_RULES,
    HOUSEHOLD_LABELS,
    INCOME_IMPORT_RULES,
    INCOME_LABELS,
    MEMBER_IMPORT_RULES,
    MEMBER_LABELS,
    VILLAGE_LABELS,
    VILLAGE_RULES,
    Problem,
    Rule,
)

from . import reader
from .schema import IGNORED_SHEETS, SHEET_BY_KIND, SHEET_BY_NAME, SHEETS, Sheet

CHUNK = 50_000  # rows cleaned column-wise at a time
AUDIT_CHUNK = 5000
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


@dataclass(frozen=True)
class KindRules:
    """How the cells of one sheet kind are cleaned: the rule table, the labels, and the renames from the
    cleaned fields to the staging columns of `registry.bulk`."""

    rules: tuple[Rule, ...]
    labels: dict[str, str]
    renames: dict[str, str] = field(default_factory=dict)


KIND_RULES = {
    "village": KindRules(VILLAGE_RULES, VILLAGE_LABELS),
    "household": KindRules(HOUSEHOLD_IMPORT_RULES, HOUSEHOLD_LABELS, {"group": "group_name"}),
    "member": KindRules(MEMBER_IMPORT_RULES, MEMBER_LABELS),
    "income": KindRules(INCOME_IMPORT_RULES, INCOME_LABELS),
}


def clean_chunk(
    kind: str, columns: dict[str, list], rows: list[int]
) -> tuple[pl.DataFrame, list[tuple[int, Problem]]]:
    """Clean a chunk of one sheet column-wise; a key field that failed is nulled (KEY_FIELDS), so that
    the rules across rows skip it instead of reporting a second error for one bad cell."""
    spec = KIND_RULES[kind]
    frame, problems = columnar.clean(spec.rules, spec.labels, columns, rows)
    frame = frame.rename({k: v for k, v in spec.renames.items() if k in frame.columns})
    for key in KEY_FIELDS[kind]:
        bad = [row for row, problem in problems if problem.field == key]
        if bad:
            frame = frame.with_columns(
                pl.when(pl.col("row").is_in(bad)).then(None).otherwise(pl.col(key)).alias(key)
            )
    return frame, problems


class Run:
    def __init__(self, source: reader.Source, batch: Batch, progress: Progress | None):
        self.source = source
        self.batch = batch
        self.progress = progress
        self.errors: list[CellError] = []
        self.counts = {sheet.name: 0 for sheet in SHEETS}
        self.structural = False
        # Called inside the commit's transaction after the registry rows are written (national files).
        self.commit_extra: Callable[[Batch, ImportReport], None] | None = None

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
        chunk: list[list] = []
        numbers: list[int] = []
        done = 0
        width = max(index.values(), default=-1) + 1
        for number, values in rows:
            if all(map(_blank, values)):
                continue
            if len(values) < width:
                values = list(values) + [None] * (width - len(values))
            chunk.append(values)
            numbers.append(number)
            if len(chunk) >= CHUNK:
                done += self._stage(sheet, index, chunk, numbers)
                chunk, numbers = [], []
                if self.progress:
                    self.progress(sheet.name, done, None)
        if chunk:
            done += self._stage(sheet, index, chunk, numbers)
        self.counts[sheet.name] = done
        if self.progress:
            self.progress(sheet.name, done, done)

    def _stage(self, sheet: Sheet, index: dict[str, int], chunk: list[list], numbers: list[int]) -> int:
        cells = list(zip(*chunk, strict=False))
        columns = {f: list(cells[i]) for f, i in index.items() if f not in sheet.ignored}
        frame, problems = clean_chunk(sheet.kind, columns, numbers)
        for row, problem in problems:
            self.fail(
                sheet.name,
                row,
                sheet.header_of(problem.field) or problem.field,
                problem.code,
                problem.message,
            )
        return self.batch.add_frame(sheet.kind, frame)

    def _columns(self, sheet: Sheet, header: list, header_row: int) -> dict[str, int] | None:
        by_header = {column.header: column for column in sheet.columns + sheet.extras}
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
    history rows already say who changed each record, when and by which import.

    A file in the national system's 贫困人口明细 layout is handed to `import_national` (the web page
    takes either file), its data year read from the file."""
    path = Path(path)
    scope_of(actor)
    from . import national, national_import  # they build on this module

    if national.looks_national(path):
        return national_import.import_national(
            path,
            actor=actor,
            dry_run=dry_run,
            filename=filename,
            progress=progress,
            audit_households=audit_households,
        )
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
        run = Run(source, Batch(actor=actor, reason=f"导入 {report.filename}"), progress)
        execute(run, report, validate=_validate, dry_run=dry_run, audit_households=audit_households)
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


def execute(
    run: Run,
    report: ImportReport,
    *,
    validate: Callable[[Run], None],
    dry_run: bool,
    audit_households: bool,
    kind: str = "registry",
) -> None:
    """Stage and check outside any write transaction, then commit in one short one.

    Reading, cleaning, staging (temporary tables) and the checks against the registry only read the
    database, so on SQLite the web keeps writing while a big file is checked; the write lock is held
    only by the final transaction. Should the registry have changed in between (another user's edit),
    the checks run again inside that transaction before anything is written."""
    batch = run.batch
    try:
        before = batch.fingerprint()
        validate(run)
        report.counts = run.counts
        report.errors = run.sorted_errors()
        if report.errors or dry_run:
            return
        with busy.patient_writer(), transaction.atomic():
            if batch.fingerprint() != before:
                run.add_row_problems(batch.check())
                report.errors = run.sorted_errors()
                if report.errors:
                    transaction.set_rollback(True)
                    return
            if run.progress:
                run.progress("commit", 0, None)
            report.changes = batch.commit().as_dict()
            if run.commit_extra is not None:
                run.commit_extra(batch, report)
            # The bulk commit writes with SQL (no signals): recount the stored figures of its area.
            figures.refresh(area=batch.scope)
            if run.progress:
                run.progress("audit", 0, None)
            _audit(batch, report, batch.actor, audit_households, kind)
            report.committed = True
    finally:
        batch.close()


def _validate(run: Run) -> None:
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


def _audit(batch: Batch, report: ImportReport, actor: User | None, per_household: bool, kind: str) -> None:
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
            if len(entries) >= AUDIT_CHUNK:
                audit.record_many(entries, actor=actor)
                entries = []
        if entries:
            audit.record_many(entries, actor=actor)
        detail["households_sha256"] = touched.hexdigest()
    audit.record("import", kind, report.filename, detail, actor=actor)
