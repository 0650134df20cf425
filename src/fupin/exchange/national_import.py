"""Import of the national system's 贫困人口明细 (exchange.national) into the registry.

The same path as the registry workbook: every cell cleaned by the rule tables of
`registry.validation` (column-wise), the rows staged and checked by `registry.bulk` with the same codes,
all or nothing, one short write transaction. What differs:

- households are the members' rows grouped by 户编号; a household field (贫困户属性, 主要致贫原因, 危房户,
  …) must read the same on every row of the household, else `household_mismatch` names both rows;
- the village is found by its name under the town (乡(镇), within 县 when given); 自然村 becomes the group;
- 危房户 是 ↔ 住房是否安全 否; 参加大病医疗 is read as the member's medical insurance (城乡居民大病保险 covers
  everyone in 城乡居民基本医疗保险); 低保 and 特困供养 of the members follow 贫困户属性 (the layout has no
  member column for them);
- a new household's 识别年度 is the data year, or its 脱贫年度 when earlier; its 脱贫属性 sets its status.
  Fields the layout lacks (其他致贫原因, bank account, 养老保险) are left as they are on existing records;
- 人均纯收入 is kept as the household's reported per-capita income of the data year, 饮水困难 in its
  living conditions (`registry.bulk_national`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import polars as pl

from fupin.areas.models import Area
from fupin.core import codes
from fupin.core.models import User
from fupin.registry import bulk_national, columnar
from fupin.registry.bulk import KEY_FIELDS, Batch, RowProblem, scope_of
from fupin.registry.validation import (
    AMOUNT,
    CODE,
    HOUSEHOLD_RULES,
    INTEGER,
    MAX_YEAR,
    MEMBER_RULES,
    MIN_YEAR,
    TEXT,
    YEAR,
    YES_NO,
    Rule,
)

from . import national, reader
from .pipeline import CellError, ImportReport, Progress, Run, execute

NOT_IN_LAYOUT = ("pension_insurance", "dibao", "tekun")
MEMBER_RULES_NATIONAL: tuple[Rule, ...] = (
    Rule("household_no", TEXT, required=True, max_length=30),
    *(rule for rule in MEMBER_RULES if rule.field not in NOT_IN_LAYOUT),
)
HOUSEHOLD_RULES_NATIONAL: tuple[Rule, ...] = (
    Rule("county", TEXT, max_length=60),
    Rule("town", TEXT, required=True, max_length=60),
    Rule("village_name", TEXT, required=True, max_length=60),
    Rule("group", TEXT, max_length=60),
    Rule("size", INTEGER, low=1, high=99),
    Rule("exit_mark", CODE, code_list=national.EXIT_MARK),
    Rule("exit_year", YEAR),
    Rule("attribute", CODE, required=True, code_list=codes.HOUSEHOLD_ATTRIBUTE),
    Rule("main_cause", CODE, required=True, code_list=codes.POVERTY_CAUSE),
    Rule("dilapidated", YES_NO, required=True),
    Rule("water_safe", YES_NO, required=True),
    Rule("water_difficulty", YES_NO),
    Rule("per_capita_income", AMOUNT),
    next(rule for rule in HOUSEHOLD_RULES if rule.field == "phone"),
)
HOUSEHOLD_FIELDS = tuple(rule.field for rule in HOUSEHOLD_RULES_NATIONAL)
# What an existing record takes from the file: the fields the layout carries.
HOUSEHOLD_UPDATES = ("attribute", "main_cause", "housing_safe", "water_safe", "phone")
MEMBER_UPDATES = tuple(rule.field for rule in MEMBER_RULES if rule.field not in NOT_IN_LAYOUT)
# Fields of registry.bulk's problems → the column of the layout that holds them.
PROBLEM_COLUMN = {"village": "village_name", "head_id_number": "id_number", "head_name": "name"}


class NationalRun(Run):
    def __init__(self, source: reader.Source, batch: Batch, progress: Progress | None, year: int | None):
        super().__init__(source, batch, progress)
        self.sheet = source.sheet_names[0] if source.sheet_names else national.SHEET
        self.counts = {national.SHEET: 0, national.HOUSEHOLD_SHEET: 0}
        self.year = year
        self.headers: dict[str, str] = {}  # field → the header as the file writes it
        self.order: list[str] = []

    def header(self, field: str) -> str:
        field = PROBLEM_COLUMN.get(field, field)
        return self.headers.get(field) or national.HEADERS.get(field, field)

    def add_row_problems(self, problems: Iterable[RowProblem]) -> None:
        for p in problems:
            self.fail(self.sheet, p.row, self.header(p.field), p.code, p.message)

    def sorted_errors(self) -> list[CellError]:
        def key(error: CellError) -> tuple:
            column = self.order.index(error.column) if error.column in self.order else -1
            return (error.row or 0, column)

        return sorted(self.errors, key=key)


def import_national(
    path: Path | str,
    *,
    year: int | None = None,
    actor: User | None = None,
    dry_run: bool = False,
    filename: str | None = None,
    progress: Progress | None = None,
    audit_households: bool = False,
) -> ImportReport:
    """Import a 贫困人口明细 file (.xlsx, .xls or CSV); all or nothing, like `import_registry`.

    `year`: the data year of the file (its 人均纯收入); by default read from a 数据日期 column or a
    year in the title row."""
    path = Path(path)
    scope_of(actor)
    report = ImportReport(
        ok=False,
        committed=False,
        counts={national.SHEET: 0, national.HOUSEHOLD_SHEET: 0},
        errors=[],
        filename=filename or path.name,
        sha256=reader.digest(path),
        dry_run=dry_run,
    )
    try:
        source = national.open_national(path)
    except reader.NotAWorkbook as exc:
        report.errors = [CellError("", None, "", exc.code, exc.message)]
        return report
    try:
        batch = Batch(
            actor=actor,
            reason=f"导入 {report.filename}",
            household_updates=HOUSEHOLD_UPDATES,
            member_updates=MEMBER_UPDATES,
        )
        run = NationalRun(source, batch, progress, year)
        run.commit_extra = lambda b, r: r.changes.update(bulk_national.commit(b, run.year))
        execute(
            run,
            report,
            validate=_validate,
            dry_run=dry_run,
            audit_households=audit_households,
            kind="national",
        )
    finally:
        source.close()
    report.ok = not report.errors
    return report


def _validate(run: Run) -> None:
    assert isinstance(run, NationalRun)
    rows = run.source.rows(run.sheet)
    title_year = None
    header_row = 0
    index: dict[str, int] | None = None
    for number, values in rows:
        if national.is_header(values):
            header_row = number
            index = _columns(run, values, number)
            break
        title_year = title_year or next(filter(None, map(national.year_in, values)), None)
        if number >= national.HEADER_SCAN_ROWS:
            break
    if index is None:
        if not header_row:
            run.fail(
                run.sheet,
                None,
                "",
                "missing_column",
                "没有找到贫困人口明细的表头（应含“户编号”“证件号码”“行政村”等列）：请使用国家系统导出的原表",
            )
        run.structural = True
        return
    date_column = index.pop("", None)
    numbers: list[int] = []
    cells: list[list] = []
    width = max(list(index.values()) + [date_column or 0]) + 1
    for number, values in rows:
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        if len(values) < width:
            values = list(values) + [None] * (width - len(values))
        numbers.append(number)
        cells.append(values)
    if not cells:
        run.fail("", None, "", "empty_file", "文件中没有任何数据行：请导入国家系统导出的贫困人口明细")
        return
    if run.year is None and date_column is not None:
        run.year = next(filter(None, (national.year_in(row[date_column]) for row in cells)), None)
    run.year = run.year or title_year
    if run.year is not None and not MIN_YEAR <= run.year <= MAX_YEAR:
        run.fail(
            run.sheet,
            None,
            "",
            "bad_year",
            f"数据年度应为{MIN_YEAR}至{MAX_YEAR}之间的四位年份，现为{run.year}",
        )
        run.structural = True
        return
    if run.year is None:
        run.fail(
            run.sheet,
            header_row,
            "",
            "year_missing",
            "无法确定数据年度（人均纯收入所属年度）：请用 --year 指定，或在标题行写明年份，如“2018年贫困人口明细”",
        )
        run.structural = True
        return
    columns = {field: [row[i] for row in cells] for field, i in index.items()}
    _stage(run, columns, numbers)
    run.counts[national.SHEET] = len(numbers)
    if run.progress:
        run.progress("check", 0, None)
    run.add_row_problems(run.batch.check())


def _columns(run: NationalRun, header: list, number: int) -> dict[str, int] | None:
    index: dict[str, int] = {}
    ok = True
    for i, cell in enumerate(header):
        name = str(cell or "").strip()
        if not name:
            continue
        field = national.field_of(name)
        if field is None or field in index:
            ok = False
            what = "重复出现" if field is not None else "不是贫困人口明细的列"
            run.fail(
                run.sheet,
                number,
                name,
                "unknown_column",
                f"第{i + 1}列的列名“{name}”{what}；应为：{'、'.join(c.header for c in national.COLUMNS)}",
            )
            continue
        index[field] = i
        if field:
            run.headers[field] = name
    run.order = [run.headers.get(c.field, c.header) for c in national.COLUMNS]
    for column in national.COLUMNS:
        if column.required and column.field not in index:
            ok = False
            run.fail(
                run.sheet,
                number,
                column.header,
                "missing_column",
                f"缺少必填列“{column.header}”；请使用国家系统导出的原表，不要删除或改名",
            )
    return index if ok else None


def _stage(run: NationalRun, columns: dict[str, list], numbers: list[int]) -> None:
    labels = {field: run.header(field) for field in national.HEADERS}
    members, member_problems = columnar.clean(MEMBER_RULES_NATIONAL, labels, columns, numbers)
    households, household_problems = columnar.clean(HOUSEHOLD_RULES_NATIONAL, labels, columns, numbers)
    problems = member_problems + household_problems
    for row, problem in problems:
        run.fail(run.sheet, row, run.header(problem.field), problem.code, problem.message)
    bad = {(row, p.field) for row, p in problems}
    frame = pl.concat([members, households.drop("row")], how="horizontal")
    texts = {field: columnar.texts(values) for field, values in columns.items()}
    _check_repeats(run, frame, bad, texts, numbers)
    villages = _villages(run, frame, bad)
    first = frame.filter(pl.col("household_no") != "").unique(
        "household_no", keep="first", maintain_order=True
    )
    run.counts[national.HOUSEHOLD_SHEET] = first.height
    _check_sizes(run, frame, first, bad)
    heads = (
        frame.filter(pl.col("relation") == "head")
        .unique("household_no", keep="first")
        .select(
            "household_no", pl.col("name").alias("head_name"), pl.col("id_number").alias("head_id_number")
        )
    )
    year = run.year
    household_frame = first.join(heads, on="household_no", how="left").with_columns(
        pl.col("household_no"),
        pl.Series("village", [villages.get(row) for row in first["row"].to_list()], dtype=pl.String),
        pl.col("group").alias("group_name"),
        pl.lit("").alias("other_cause_1"),
        pl.lit("").alias("other_cause_2"),
        pl.min_horizontal(pl.lit(year), pl.col("exit_year")).fill_null(year).alias("identified_year"),
        (~pl.col("dilapidated")).alias("housing_safe"),
        pl.lit("").alias("bank_name"),
        pl.lit("").alias("bank_account"),
    )
    member_frame = frame.with_columns(
        pl.lit(None, dtype=pl.Boolean).alias("pension_insurance"),
        pl.col("attribute").is_in(list(codes.ATTRIBUTE_DIBAO)).alias("dibao"),
        pl.col("attribute").is_in(list(codes.ATTRIBUTE_TEKUN)).alias("tekun"),
    )
    for key in KEY_FIELDS["member"]:
        failed = [row for row, field in bad if field == key]
        if failed:
            member_frame = member_frame.with_columns(
                pl.when(pl.col("row").is_in(failed)).then(None).otherwise(pl.col(key)).alias(key)
            )
    run.batch.add_frame("household", household_frame)
    run.batch.add_frame("member", member_frame)
    bulk_national.stage(
        run.batch,
        household_frame.select(
            "row",
            "household_no",
            pl.col("per_capita_income").alias("per_capita"),
            "water_difficulty",
            pl.when(pl.col("exit_mark") == "").then(None).otherwise(pl.col("exit_mark")).alias("status"),
            "exit_year",
        ),
    )


def _check_repeats(
    run: NationalRun, frame: pl.DataFrame, bad: set, texts: dict[str, list[str]], numbers: list[int]
) -> None:
    """Every household field must read the same on every row of the household."""
    position = {row: i for i, row in enumerate(numbers)}
    for field in HOUSEHOLD_FIELDS:
        if field not in frame.columns or field not in texts:
            continue
        valid = frame.select("row", "household_no", field).filter(
            (pl.col("household_no") != "") & ~pl.col("row").is_in([r for r, f in bad if f == field])
        )
        firsts = valid.group_by("household_no", maintain_order=True).agg(
            pl.col("row").first().alias("first_row"), pl.col(field).first().alias("first_value")
        )
        mismatched = valid.join(firsts, on="household_no").filter(
            pl.col(field).ne_missing(pl.col("first_value"))
        )
        for row, number, first_row in mismatched.select("row", "household_no", "first_row").iter_rows():
            here, there = texts[field][position[row]], texts[field][position[first_row]]
            run.fail(
                run.sheet,
                row,
                run.header(field),
                "household_mismatch",
                f"户“{number}”的“{run.header(field)}”在第{first_row}行为“{there}”，在第{row}行为“{here}”："
                "同一户各成员行的户信息应一致，请改成一致",
            )


def _check_sizes(run: NationalRun, frame: pl.DataFrame, first: pl.DataFrame, bad: set) -> None:
    rows = frame.filter(pl.col("household_no") != "").group_by("household_no").len("rows")
    stated = first.filter(pl.col("size").is_not_null()).join(rows, on="household_no")
    for row, number, size, count in stated.select("row", "household_no", "size", "rows").iter_rows():
        if size != count and (row, "size") not in bad:
            run.fail(
                run.sheet,
                row,
                run.header("size"),
                "household_size",
                f"户“{number}”的“人数”为{size}，但文件中该户有{count}行成员：请核对人数或补齐成员",
            )


def _villages(run: NationalRun, frame: pl.DataFrame, bad: set) -> dict[int, str]:
    """Row → village code, for each household's first row whose village is known; the others reported."""
    towns: dict[str, list[tuple[str, str]]] = {}
    for code, name, county in Area.objects.filter(level="town").values_list("code", "name", "parent__name"):
        towns.setdefault(name, []).append((code, county or ""))
    villages = {
        (parent, name): code
        for code, name, parent in Area.objects.filter(level="village").values_list(
            "code", "name", "parent_id"
        )
    }
    found: dict[int, str] = {}
    first = frame.filter(pl.col("household_no") != "").unique(
        "household_no", keep="first", maintain_order=True
    )
    for row, county, town, village in first.select("row", "county", "town", "village_name").iter_rows():
        if not town or not village or (row, "town") in bad or (row, "village_name") in bad:
            continue
        candidates = [code for code, parent in towns.get(town, []) if not county or parent == county]
        if len(candidates) != 1:
            where = f"{county}的" if county else ""
            reason = "有多个同名乡镇，请填写“县”列" if len(candidates) > 1 else "不是系统中已有的乡镇"
            run.fail(
                run.sheet,
                row,
                run.header("town"),
                "unknown_town",
                f"乡(镇)“{town}”{reason}（{where}乡镇）：请核对名称",
            )
            continue
        code = villages.get((candidates[0], village))
        if code is None:
            run.fail(
                run.sheet,
                row,
                run.header("village_name"),
                "unknown_village",
                f"行政村“{village}”不是系统中{town}的村：请核对村名，或先在系统中添加该村",
            )
            continue
        found[row] = code
    return found
