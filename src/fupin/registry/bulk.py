"""The set-based write path of the registry: a whole workbook of households at once, same rules,
same history.

`services` writes one household at a time with the ORM (the demo loader uses it for exits, returns);
an import of a province (a million members) needs neither Python objects per row nor a
query per row. A `Batch` takes rows that `validation.clean_*` has already cleaned, stages them in
temporary tables (batched inserts on SQLite, `COPY` on PostgreSQL), checks the rules across rows and
against the database with a handful of set-based queries, and commits with a few `INSERT … SELECT`
and `UPDATE … FROM` statements, writing the simple-history rows in bulk as well.

Use it inside the caller's `transaction.atomic()`: `check()` before `commit()`, and commit only when
`check()` found nothing. What a commit does (docs/registry-template.md says it to users):

- a household is keyed by 户编号: a new number creates it (status 在册, with its StatusChange), an
  existing one is updated where a field differs;
- the member rows of a household are its complete member list: a member keeps its identity by ID
  number (changed fields updated; a member who had left and is listed again returns), a member on
  the register who is not listed leaves with reason "其他" and today's date;
- income rows upsert by (户编号, 年度); years not listed are left alone;
- villages (sheet 村) are created or renamed, their year's figures upserted.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from fupin.areas.models import Area, VillageYear
from fupin.core.models import User

from .models import Household, Income, Member
from .validation import HOUSEHOLD_COLUMNS as HOUSEHOLD_FIELDS

KINDS = ("village", "household", "member", "income")
LEFT_REASON = "other"
LEFT_CHANGE_REASON = "导入时不在该户的成员名单中"

_TEXT, _INT, _BOOL, _MONEY, _DATE, _BIG = "TEXT", "INTEGER", "BOOLEAN", "NUMERIC(14,2)", "DATE", "BIGINT"
# Staging columns per kind, as the caller gives them (column, SQL type).
COLUMNS: dict[str, list[tuple[str, str]]] = {
    "village": [
        ("row", _INT),
        ("code", _TEXT),
        ("name", _TEXT),
        ("year", _INT),
        ("registered_population", _INT),
        ("per_capita_income", _MONEY),
    ],
    "household": [
        ("row", _INT),
        ("household_no", _TEXT),
        ("village", _TEXT),
        ("group_name", _TEXT),
        ("head_name", _TEXT),
        ("head_id_number", _TEXT),
        ("attribute", _TEXT),
        ("main_cause", _TEXT),
        ("other_cause_1", _TEXT),
        ("other_cause_2", _TEXT),
        ("identified_year", _INT),
        ("housing_safe", _BOOL),
        ("water_safe", _BOOL),
        ("phone", _TEXT),
        ("bank_name", _TEXT),
        ("bank_account", _TEXT),
    ],
    "member": [
        ("row", _INT),
        ("household_no", _TEXT),
        ("name", _TEXT),
        ("id_number", _TEXT),
        ("sex", _TEXT),
        ("birth_date", _DATE),
        ("relation", _TEXT),
        ("ethnicity", _TEXT),
        ("education", _TEXT),
        ("school_status", _TEXT),
        ("health", _TEXT),
        ("labour", _TEXT),
        ("migrant_work", _TEXT),
        ("work_months", _INT),
        ("medical_insurance", _BOOL),
        ("pension_insurance", _BOOL),
        ("dibao", _BOOL),
        ("tekun", _BOOL),
    ],
    "income": [
        ("row", _INT),
        ("household_no", _TEXT),
        ("year", _INT),
        ("wages", _MONEY),
        ("business_income", _MONEY),
        ("business_cost", _MONEY),
        ("property_income", _MONEY),
        ("transfer_income", _MONEY),
        ("transfer_cost", _MONEY),
    ],
}
# Fields a caller nulls when they failed validation, so that the rules across rows skip them
# instead of reporting a second error for one bad cell.
KEY_FIELDS = {
    "village": ("code", "year"),
    "household": ("household_no", "village", "head_id_number"),
    "member": ("household_no", "id_number", "relation"),
    "income": ("household_no", "year"),
}
MEMBER_FIELDS = tuple(name for name, _type in COLUMNS["member"][2:])
INCOME_FIELDS = tuple(name for name, _type in COLUMNS["income"][3:])
_STAGE_MODEL = {Household: "household", Member: "member", Income: "income"}
_SQLITE_ADAPTERS = {_BOOL: int, _MONEY: str, _DATE: dt.date.isoformat}


def table(kind: str) -> str:
    return f"fupin_stage_{kind}"


@dataclass(frozen=True)
class RowProblem:
    """A problem of one staged row: its kind, the `row` number the caller gave, the field, a stable
    code and a Chinese message."""

    kind: str
    row: int
    field: str
    code: str
    message: str


@dataclass
class Counts:
    villages_created: int = 0
    villages_renamed: int = 0
    village_years: int = 0
    groups_created: int = 0
    households_created: int = 0
    households_updated: int = 0
    members_created: int = 0
    members_updated: int = 0
    members_left: int = 0
    incomes_created: int = 0
    incomes_updated: int = 0
    history_rows: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def scope_of(actor: User | None) -> str | None:
    """The area-code prefix `actor` may import into; None is everywhere (the system, administrators).

    Raises PermissionError for a user who may not add households at all."""
    if actor is None or actor.is_admin:
        return None
    if not actor.is_active or not actor.manages_households or not actor.area_id:
        raise PermissionError("您无权导入贫困户数据")
    return actor.area_id


class Batch:
    """Staged registry rows of one import. Create inside `transaction.atomic()`."""

    def __init__(
        self,
        *,
        actor: User | None = None,
        reason: str = "导入",
        household_updates: Sequence[str] = HOUSEHOLD_FIELDS,
        member_updates: Sequence[str] = MEMBER_FIELDS,
    ):
        """`household_updates` / `member_updates`: the fields an existing record takes from the file
        (a layout that lacks a field leaves it as it is; a new record takes every staged column)."""
        self.actor = actor
        self.household_updates = tuple(household_updates)
        self.member_updates = tuple(member_updates)
        self.scope = scope_of(actor)
        self.reason = reason[:100]
        self.pg = connection.vendor == "postgresql"
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.added = dict.fromkeys(KINDS, 0)
        self._indexed = False
        self._maps: list[str] = []
        temp = "TEMPORARY" if self.pg else "TEMP"
        if self.pg:
            self._tune_postgresql()
        with connection.cursor() as cursor:
            for kind in KINDS:
                cursor.execute(f"DROP TABLE IF EXISTS {table(kind)}")
                # On SQLite the row number is the rowid: the joins of the commit look rows up by it.
                columns = ", ".join(
                    f"{name} {'INTEGER PRIMARY KEY' if name == 'row' and not self.pg else sql_type}"
                    for name, sql_type in COLUMNS[kind]
                )
                cursor.execute(f"CREATE {temp} TABLE {table(kind)} ({columns})")
            cursor.execute("DROP TABLE IF EXISTS fupin_stage_group")
            cursor.execute(
                f"CREATE {temp} TABLE fupin_stage_group (village {_TEXT}, name {_TEXT}, code {_TEXT})"
            )
            cursor.execute("DROP TABLE IF EXISTS fupin_stage_leaver")
            cursor.execute(f"CREATE {temp} TABLE fupin_stage_leaver (id {_BIG})")
            if not self.pg:
                # A bounded page cache large enough for the registry's indexes during a big load.
                self._cache = []
                for db in ("main", "temp"):
                    cursor.execute(f"PRAGMA {db}.cache_size")
                    self._cache.append(cursor.fetchone()[0])
                cursor.execute("PRAGMA main.cache_size = -262144")
                cursor.execute("PRAGMA temp.cache_size = -131072")

    def _tune_postgresql(self) -> None:
        """Memory for the sorts and hash joins of a big batch (the defaults, 4 MB and 8 MB, spill a
        million staged rows to disk), for this session until `close()`: staging and checks run outside
        the commit's transaction."""
        for setting in ("work_mem = '128MB'", "temp_buffers = '256MB'"):
            try:
                # temp_buffers is refused once the session has used a temporary table; the atomic
                # block keeps an enclosing transaction usable then.
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(f"SET {setting}")
            except DatabaseError:
                pass

    def track_table(self, name: str) -> None:
        """A temporary table of the caller's, dropped with the batch's own by `close()`."""
        self._maps.append(name)

    def fingerprint(self) -> tuple:
        """What the checks read of the registry, summarised: if it is the same at commit time, the
        checks made before still hold (every write to households, members and incomes leaves a history
        row; areas are created and removed, not rewritten in ways the checks see)."""
        parts = [
            f"(SELECT MAX(history_id) FROM {model.history.model._meta.db_table})"
            for model in (Household, Member, Income)
        ]
        parts += ["(SELECT COUNT(*) FROM areas_area)", "(SELECT MAX(code) FROM areas_area)"]
        return tuple(self.rows(f"SELECT {', '.join(parts)}")[0])

    # -- staging ---------------------------------------------------------------------------------

    def add(self, kind: str, rows: Iterable[Mapping[str, Any]]) -> int:
        """Stage cleaned rows (dicts keyed by the staging columns, `row` included); returns how many.

        A key field (KEY_FIELDS) that failed validation must be None or blank. A row that passed
        validation has every column `clean_*` gives."""
        spec = COLUMNS[kind]
        names = [name for name, _type in spec]
        nullable = [i for i, name in enumerate(names) if name in KEY_FIELDS[kind] or name == "group_name"]
        # SQLite takes these types in the representation Django's own adapters give them.
        adapt = (
            []
            if self.pg
            else [(i, _SQLITE_ADAPTERS[t]) for i, (_n, t) in enumerate(spec) if t in _SQLITE_ADAPTERS]
        )
        tuples = []
        for row in rows:
            values = [row.get(name) for name in names]
            for i in nullable:
                if not values[i]:
                    values[i] = None
            for i, convert in adapt:
                if values[i] is not None:
                    values[i] = convert(values[i])
            tuples.append(values)
        if not tuples:
            return 0
        columns = ", ".join(names)
        with connection.cursor() as cursor:
            if self.pg:
                with cursor.cursor.copy(f"COPY {table(kind)} ({columns}) FROM STDIN") as copy:
                    for values in tuples:
                        copy.write_row(values)
            else:
                marks = ", ".join(["%s"] * len(spec))
                cursor.executemany(f"INSERT INTO {table(kind)} ({columns}) VALUES ({marks})", tuples)
        self.added[kind] += len(tuples)
        return len(tuples)

    def add_frame(self, kind: str, frame: pl.DataFrame) -> int:
        """Stage a Polars frame of cleaned rows (columns named as the staging columns; a missing column
        is NULL); returns how many. Blank key fields become NULL as in `add`."""
        if frame.height == 0:
            return 0
        spec = COLUMNS[kind]
        names = [name for name, _type in spec]
        nullable = set(KEY_FIELDS[kind]) | {"group_name"}
        exprs = []
        for name, sql_type in spec:
            if name not in frame.columns:
                exprs.append(pl.lit(None).alias(name))
                continue
            column = pl.col(name)
            if name in nullable and frame.schema[name] == pl.String:
                column = pl.when(column == "").then(None).otherwise(column)
            if sql_type in (_MONEY, _DATE):
                column = column.cast(pl.String)
            exprs.append(column.alias(name))
        frame = frame.select(exprs)
        columns = ", ".join(names)
        with connection.cursor() as cursor:
            if self.pg:
                buffer = io.BytesIO()
                frame.write_csv(buffer, include_header=False, null_value="\\N")
                with cursor.cursor.copy(
                    f"COPY {table(kind)} ({columns}) FROM STDIN (FORMAT csv, NULL '\\N')"
                ) as copy:
                    copy.write(buffer.getvalue())
            else:
                marks = ", ".join(["%s"] * len(spec))
                # One transaction per chunk on the temporary tables only: no lock on the database file.
                own = not connection.in_atomic_block
                if own:
                    cursor.execute("BEGIN")
                try:
                    cursor.executemany(
                        f"INSERT INTO {table(kind)} ({columns}) VALUES ({marks})", frame.iter_rows()
                    )
                finally:
                    if own:
                        cursor.execute("COMMIT")
        self.added[kind] += frame.height
        return frame.height

    def _index(self) -> None:
        if self._indexed:
            return
        with connection.cursor() as cursor:
            for kind, columns in (
                ("village", "code"),
                ("household", "household_no"),
                ("member", "household_no"),
                ("member", "id_number"),
                ("income", "household_no, year"),
            ):
                name = f"fupin_stage_{kind}_{columns.replace(', ', '_')}"
                cursor.execute(f"CREATE INDEX {name} ON {table(kind)} ({columns})")
            if self.pg:
                for kind in KINDS:
                    cursor.execute(f"ANALYZE {table(kind)}")
        self._indexed = True

    # -- checks ----------------------------------------------------------------------------------

    def check(self) -> list[RowProblem]:
        """Every rule across rows and against the database, in kind order and row order."""
        self._index()
        problems: list[RowProblem] = []
        for rule in (
            self._check_villages,
            self._check_household_numbers,
            self._check_household_villages,
            self._check_scope,
            self._check_unknown_households,
            self._check_heads,
            self._check_id_numbers,
            self._check_income_years,
        ):
            problems += rule()
        order = {kind: i for i, kind in enumerate(KINDS)}
        problems.sort(key=lambda p: (order[p.kind], p.row))
        return problems

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _duplicates(self, kind: str, key: str, where: str) -> list[tuple]:
        """Rows whose `key` columns repeat an earlier row's: (row, first row, *key values)."""
        t, keys = table(kind), key.split(", ")
        join = " AND ".join(f"s.{k} = f.{k}" for k in keys)
        return self.rows(
            f"SELECT s.row, f.first_row, {', '.join('s.' + k for k in keys)} FROM {t} s "
            f"JOIN (SELECT {key}, MIN(row) AS first_row FROM {t} WHERE {where} GROUP BY {key} "
            f"HAVING COUNT(*) > 1) f ON {join} WHERE s.row > f.first_row"
        )

    def _check_villages(self) -> list[RowProblem]:
        problems = [
            RowProblem(
                "village",
                row,
                "year",
                "duplicate_village_year",
                f"村“{code}”{year}年的数据在第{first}行已填写，同一村同一年度只能有一行",
            )
            for row, first, code, year in self._duplicates(
                "village", "code, year", "code IS NOT NULL AND year IS NOT NULL"
            )
        ]
        for row, code in self.rows(
            f"SELECT s.row, s.code FROM {table('village')} s WHERE s.code IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM areas_area a WHERE a.code = SUBSTR(s.code, 1, 9) AND a.level = 'town')"
        ):
            problems.append(
                RowProblem(
                    "village",
                    row,
                    "code",
                    "unknown_town",
                    f"行政区划代码“{code}”的前9位{code[:9]}不是系统中的乡镇，请核对代码",
                )
            )
        return problems

    def _check_household_numbers(self) -> list[RowProblem]:
        return [
            RowProblem(
                "household",
                row,
                "household_no",
                "duplicate_household_no",
                f"户编号“{number}”在第{first}行已出现，同一户只能填一行；不同的户请用不同的编号",
            )
            for row, first, number in self._duplicates(
                "household", "household_no", "household_no IS NOT NULL"
            )
        ]

    def _check_household_villages(self) -> list[RowProblem]:
        problems = []
        for row, code, town_known in self.rows(
            "SELECT s.row, s.village, EXISTS (SELECT 1 FROM areas_area t WHERE t.code = SUBSTR(s.village, 1, 9) "
            f"AND t.level = 'town') FROM {table('household')} s WHERE s.village IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM areas_area a WHERE a.code = s.village AND a.level = 'village') "
            f"AND NOT EXISTS (SELECT 1 FROM {table('village')} v WHERE v.code = s.village)"
        ):
            if town_known:
                problems.append(
                    RowProblem(
                        "household",
                        row,
                        "village",
                        "unknown_village",
                        f"行政区划代码“{code}”不是系统中的村：请核对代码，或在“村”表中添加该村",
                    )
                )
            else:
                problems.append(
                    RowProblem(
                        "household",
                        row,
                        "village",
                        "unknown_town",
                        f"行政区划代码“{code}”的前9位{code[:9]}不是系统中的乡镇，请核对代码",
                    )
                )
        return problems

    def _check_scope(self) -> list[RowProblem]:
        if self.scope is None:
            return []
        prefix, n = self.scope, len(self.scope)
        problems = []
        outside = "{col} IS NOT NULL AND SUBSTR({col}, 1, %s) <> %s"
        for row, code in self.rows(
            f"SELECT row, code FROM {table('village')} WHERE " + outside.format(col="code"), [n, prefix]
        ):
            problems.append(
                RowProblem(
                    "village", row, "code", "out_of_scope", f"村“{code}”不在您的管辖范围（{prefix}）内"
                )
            )
        for row, code in self.rows(
            f"SELECT row, village FROM {table('household')} WHERE " + outside.format(col="village"),
            [n, prefix],
        ):
            problems.append(
                RowProblem(
                    "household",
                    row,
                    "village",
                    "out_of_scope",
                    f"行政区划代码“{code}”不在您的管辖范围（{prefix}）内，您只能导入本村（本镇）的户",
                )
            )
        # A household number already used outside the user's area is not the user's to change.
        for kind in ("household", "member", "income"):
            for row, number in self.rows(
                f"SELECT s.row, s.household_no FROM {table(kind)} s JOIN registry_household h "
                "ON h.household_no = s.household_no WHERE SUBSTR(h.village_id, 1, %s) <> %s",
                [n, prefix],
            ):
                problems.append(
                    RowProblem(
                        kind,
                        row,
                        "household_no",
                        "out_of_scope",
                        f"户编号“{number}”是系统中不属于您管辖范围的户，您不能导入或修改它；请核对户编号",
                    )
                )
        return problems

    def _check_unknown_households(self) -> list[RowProblem]:
        problems = []
        for kind, sheet in (("member", "成员"), ("income", "收入")):
            for row, number in self.rows(
                f"SELECT s.row, s.household_no FROM {table(kind)} s WHERE s.household_no IS NOT NULL "
                f"AND NOT EXISTS (SELECT 1 FROM {table('household')} h WHERE h.household_no = s.household_no) "
                "AND NOT EXISTS (SELECT 1 FROM registry_household r WHERE r.household_no = s.household_no)"
            ):
                problems.append(
                    RowProblem(
                        kind,
                        row,
                        "household_no",
                        "unknown_household",
                        f"“{sheet}”表中的户编号“{number}”既不在“户”表中，也不是系统中已有的户，请核对户编号",
                    )
                )
        return problems

    def _check_heads(self) -> list[RowProblem]:
        h, m = table("household"), table("member")
        problems = []
        for row, number in self.rows(
            f"SELECT s.row, s.household_no FROM {h} s WHERE s.household_no IS NOT NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {m} x WHERE x.household_no = s.household_no)"
        ):
            problems.append(
                RowProblem(
                    "household",
                    row,
                    "household_no",
                    "head_missing",
                    f"户“{number}”在“成员”表中没有任何成员：请在“成员”表填写该户全部成员（含户主）",
                )
            )
        # No head among the member rows (a relation cell that failed is already reported).
        for row, number in self.rows(
            f"SELECT MIN(row), household_no FROM {m} WHERE household_no IS NOT NULL GROUP BY household_no "
            "HAVING SUM(CASE WHEN relation = 'head' THEN 1 ELSE 0 END) = 0 "
            "AND SUM(CASE WHEN relation IS NULL THEN 1 ELSE 0 END) = 0"
        ):
            problems.append(
                RowProblem(
                    "member",
                    row,
                    "relation",
                    "head_missing",
                    f"户“{number}”没有“与户主关系”为“户主”的成员，请指定一名户主",
                )
            )
        for row, first, number in self._duplicates(
            "member", "household_no", "household_no IS NOT NULL AND relation = 'head'"
        ):
            problems.append(
                RowProblem(
                    "member",
                    row,
                    "relation",
                    "head_multiple",
                    f"户“{number}”在第{first}行已有户主，每户只能有一名户主：请改正其中一人的“与户主关系”",
                )
            )
        # The head columns of sheet 户 against the household's single head member.
        for row, head_id, head_name, member_id, member_name in self.rows(
            f"SELECT s.row, s.head_id_number, s.head_name, x.id_number, x.name FROM {h} s "
            f"JOIN {m} x ON x.household_no = s.household_no AND x.relation = 'head' "
            f"JOIN (SELECT household_no FROM {m} WHERE relation = 'head' GROUP BY household_no "
            "HAVING COUNT(*) = 1) one ON one.household_no = s.household_no "
            "WHERE (s.head_id_number IS NOT NULL AND x.id_number IS NOT NULL AND s.head_id_number <> x.id_number) "
            "OR (s.head_name <> '' AND x.name <> '' AND s.head_name <> x.name)"
        ):
            if head_id and member_id and head_id != member_id:
                problems.append(
                    RowProblem(
                        "household",
                        row,
                        "head_id_number",
                        "head_mismatch",
                        f"户主证件号码“{head_id}”与“成员”表中该户户主的证件号码“{member_id}”不一致，请改成一致",
                    )
                )
            if head_name and member_name and head_name != member_name:
                problems.append(
                    RowProblem(
                        "household",
                        row,
                        "head_name",
                        "head_mismatch",
                        f"户主姓名“{head_name}”与“成员”表中该户户主的姓名“{member_name}”不一致，请改成一致",
                    )
                )
        return problems

    def _where_registered(self, household_no: str, village: str) -> str:
        # Where a person is registered is named only inside the importer's own area.
        if self.scope is None or village.startswith(self.scope):
            return f"是系统中户“{household_no}”的在册成员"
        return "在其他地方登记"

    def _check_id_numbers(self) -> list[RowProblem]:
        problems = [
            RowProblem(
                "member",
                row,
                "id_number",
                "id_duplicate",
                f"证件号码“{number}”在第{first}行已出现，同一人只能登记一次：请核对号码或删去重复的行",
            )
            for row, first, number in self._duplicates("member", "id_number", "id_number IS NOT NULL")
        ]
        # Numbers of people on the register of households this batch does not list members for.
        m = table("member")
        for row, number, other, village in self.rows(
            f"SELECT s.row, s.id_number, h.household_no, h.village_id FROM {m} s "
            "JOIN registry_member r ON r.id_number = s.id_number AND r.left_on IS NULL "
            "JOIN registry_household h ON h.id = r.household_id "
            f"WHERE NOT EXISTS (SELECT 1 FROM {m} x WHERE x.household_no = h.household_no)"
        ):
            problems.append(
                RowProblem(
                    "member",
                    row,
                    "id_number",
                    "id_registered_elsewhere",
                    f"证件号码“{number}”已{self._where_registered(other, village)}，同一人不能在两户登记；"
                    "如已迁入本户，请先在原户办理减员，或把原户一并导入",
                )
            )
        return problems

    def _check_income_years(self) -> list[RowProblem]:
        return [
            RowProblem(
                "income",
                row,
                "year",
                "duplicate_income_year",
                f"户“{number}”{year}年的收入在第{first}行已填写，每户每年只能有一行收入",
            )
            for row, first, number, year in self._duplicates(
                "income", "household_no, year", "household_no IS NOT NULL AND year IS NOT NULL"
            )
        ]

    # -- commit ----------------------------------------------------------------------------------

    def commit(self) -> Counts:
        """Write the staged rows; call only after `check()` returned no problems.

        Each kind is mapped once (staging row → record id, new or not) into a narrow temporary table;
        the writes then join staging and map. The staging tables themselves are never updated:
        rewriting a million staged rows several times is what a naive version spends its time on."""
        self._index()
        counts = Counts()
        self._commit_villages(counts)
        self._commit_groups(counts)
        self._commit_households(counts)
        self._commit_members(counts)
        self._commit_incomes(counts)
        return counts

    def _commit_villages(self, counts: Counts) -> None:
        rows = self.rows(
            f"SELECT code, name, year, registered_population, per_capita_income FROM {table('village')} ORDER BY row"
        )
        if not rows:
            return
        names = {code: name for code, name, *_rest in rows}
        existing = Area.objects.in_bulk(list(names))
        new = [
            Area(code=code, name=name, level="village", parent_id=code[:9])
            for code, name in names.items()
            if code not in existing
        ]
        Area.objects.bulk_create(new)
        renamed = [area for code, area in existing.items() if area.name != names[code]]
        for area in renamed:
            area.name = names[area.code]
        Area.objects.bulk_update(renamed, ["name"])
        years = {(v.village_id, v.year): v for v in VillageYear.objects.filter(village_id__in=list(names))}
        create, update = [], []
        for code, _name, year, population, income in rows:
            income = None if income is None else Decimal(str(income)).quantize(Decimal("0.01"))
            record = years.get((code, year))
            if record is None:
                create.append(
                    VillageYear(
                        village_id=code, year=year, registered_population=population, per_capita_income=income
                    )
                )
            elif (record.registered_population, record.per_capita_income) != (population, income):
                record.registered_population, record.per_capita_income = population, income
                update.append(record)
        VillageYear.objects.bulk_create(create)
        VillageYear.objects.bulk_update(update, ["registered_population", "per_capita_income"])
        counts.villages_created, counts.villages_renamed = len(new), len(renamed)
        counts.village_years = len(create) + len(update)

    def _commit_groups(self, counts: Counts) -> None:
        wanted = self.rows(
            f"SELECT DISTINCT village, group_name FROM {table('household')} WHERE group_name IS NOT NULL"
        )
        if not wanted:
            return
        villages = sorted({village for village, _name in wanted})
        known: dict[tuple[str, str], str] = {}
        last: dict[str, int] = {}
        for start in range(0, len(villages), 500):
            for code, name, parent in Area.objects.filter(
                parent_id__in=villages[start : start + 500], level="group"
            ).values_list("code", "name", "parent_id"):
                known.setdefault((parent, name), code)
                last[parent] = max(last.get(parent, 0), int(code[12:]))
        new = []
        for village, name in sorted(wanted):
            if (village, name) not in known:
                last[village] = last.get(village, 0) + 1
                code = f"{village}{last[village]:03d}"
                known[(village, name)] = code
                new.append(Area(code=code, name=name, level="group", parent_id=village))
        Area.objects.bulk_create(new, batch_size=2000)
        counts.groups_created = len(new)
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO fupin_stage_group (village, name, code) VALUES (%s, %s, %s)",
                [(village, name, known[(village, name)]) for village, name in wanted],
            )
        self.execute("CREATE INDEX fupin_stage_group_key ON fupin_stage_group (village, name)")

    # -- helpers of the commit -------------------------------------------------------------------

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount

    def differs(self, a: str, b: str) -> str:
        return f"{a} IS DISTINCT FROM {b}" if self.pg else f"{a} IS NOT {b}"

    def stamp(self) -> Any:
        return connection.ops.adapt_datetimefield_value(self.now)

    @property
    def user_id(self) -> int | None:
        return self.actor.pk if self.actor is not None else None

    def new_id(self, model: type) -> str:
        """SQL giving a new primary key of `model` per row of a query ordered by staging row `x.row`."""
        db_table = model._meta.db_table
        if self.pg:
            return f"nextval(pg_get_serial_sequence('{db_table}', 'id'))"
        # SQLite has one writer (this transaction): the keys after the highest ever given are free.
        (base,) = self.rows(
            f"SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{db_table}'), 0), "
            f"COALESCE((SELECT MAX(id) FROM {db_table}), 0))"
        )[0]
        return f"{int(base)} + x.row"

    def temp_table(
        self, name: str, select: str, params: Sequence[Any] = (), *, index: Sequence[str] = ()
    ) -> None:
        self.execute(f"DROP TABLE IF EXISTS {name}")
        self.execute(f"CREATE TEMP TABLE {name} AS {select}", params)
        for columns in index:
            self.execute(f"CREATE INDEX {name}_{columns.replace(', ', '_')} ON {name} ({columns})")
        if self.pg:
            self.execute(f"ANALYZE {name}")
        self._maps.append(name)

    def write_history(self, model: type, join: str, history_type: str, reason: str = "") -> int:
        """simple-history rows for the records of `model` that `join` (on `r.id`) selects."""
        history = model.history.model
        own = {f.attname for f in model._meta.concrete_fields}
        copied = [f.column for f in history._meta.concrete_fields if f.attname in own]
        return self.execute(
            f"INSERT INTO {history._meta.db_table} ({', '.join(copied)}, history_date, history_change_reason, "
            f"history_type, history_user_id) SELECT {', '.join('r.' + c for c in copied)}, %s, %s, %s, %s "
            f"FROM {model._meta.db_table} r {join} ORDER BY r.id",
            [self.stamp(), reason or self.reason, history_type, self.user_id],
        )

    # -- households, members, incomes --------------------------------------------------------------

    def _commit_households(self, counts: Counts) -> None:
        s, m, changed = table("household"), "fupin_map_household", "fupin_changed_household"
        self.temp_table(
            m,
            f"SELECT x.row, x.household_no, COALESCE(x.id, {self.new_id(Household)}) AS household_id, "
            "x.id IS NULL AS is_new, x.group_id FROM (SELECT s.row, s.household_no, r.id, g.code AS group_id "
            f"FROM {s} s LEFT JOIN registry_household r ON r.household_no = s.household_no "
            "LEFT JOIN fupin_stage_group g ON g.village = s.village AND g.name = s.group_name ORDER BY s.row) x",
            index=["row", "household_id"],
        )
        differs = " OR ".join(
            [self.differs(f"r.{f}", f"s.{f}") for f in self.household_updates]
            + [self.differs("r.village_id", "s.village"), self.differs("r.group_id", "m.group_id")]
        )
        self.temp_table(
            changed,
            f"SELECT m.household_id AS id FROM {m} m JOIN {s} s ON s.row = m.row "
            f"JOIN registry_household r ON r.id = m.household_id WHERE NOT m.is_new AND ({differs})",
            index=["id"],
        )
        assignments = ", ".join(f"{f} = s.{f}" for f in self.household_updates)
        counts.households_updated = self.execute(
            f"UPDATE registry_household AS r SET {assignments}, village_id = s.village, group_id = m.group_id, "
            f"version = r.version + 1, updated_at = %s FROM {s} AS s JOIN {m} AS m ON m.row = s.row "
            f"WHERE r.id = m.household_id AND r.id IN (SELECT id FROM {changed})",
            [self.stamp()],
        )
        fields = ", ".join(HOUSEHOLD_FIELDS)
        counts.households_created = self.execute(
            f"INSERT INTO registry_household (id, household_no, {fields}, village_id, group_id, status, version, "
            f"created_at, updated_at) SELECT m.household_id, s.household_no, {', '.join('s.' + f for f in HOUSEHOLD_FIELDS)}, "
            f"s.village, m.group_id, 'registered', 1, %s, %s FROM {s} s JOIN {m} m ON m.row = s.row "
            "WHERE m.is_new ORDER BY m.household_id",
            [self.stamp(), self.stamp()],
        )
        counts.history_rows += self.write_history(
            Household, f"JOIN {m} m ON m.household_id = r.id WHERE m.is_new", "+"
        )
        counts.history_rows += self.write_history(Household, f"JOIN {changed} c ON c.id = r.id", "~")
        self.execute(
            "INSERT INTO registry_statuschange (household_id, from_status, to_status, year, reason, changed_by_id, "
            f"changed_at) SELECT m.household_id, '', 'registered', s.identified_year, %s, %s, %s FROM {s} s "
            f"JOIN {m} m ON m.row = s.row WHERE m.is_new ORDER BY m.household_id",
            ["识别为贫困户（导入）", self.user_id, self.stamp()],
        )
        if self.pg:
            self.execute("ANALYZE registry_household")

    def _commit_members(self, counts: Counts) -> None:
        s, m, changed = table("member"), "fupin_map_member", "fupin_changed_member"
        # Identity by ID number within the household: the member on the register, else the latest who left.
        self.temp_table(
            m,
            f"SELECT x.row, x.household_id, COALESCE(x.live_id, x.gone_id, {self.new_id(Member)}) AS member_id, "
            "x.live_id IS NULL AND x.gone_id IS NULL AS is_new FROM (SELECT s.row, h.id AS household_id, "
            f"live.id AS live_id, gone.id AS gone_id FROM {s} s "
            "JOIN registry_household h ON h.household_no = s.household_no "
            "LEFT JOIN registry_member live ON live.household_id = h.id AND live.id_number = s.id_number "
            "AND live.left_on IS NULL "
            "LEFT JOIN (SELECT household_id, id_number, MAX(id) AS id FROM registry_member WHERE left_on IS NOT NULL "
            "AND household_id IN (SELECT r.id FROM registry_household r "
            f"WHERE r.household_no IN (SELECT household_no FROM {s})) GROUP BY household_id, id_number) gone "
            "ON gone.household_id = h.id AND gone.id_number = s.id_number ORDER BY s.row) x",
            index=["row", "member_id", "household_id"],
        )
        # Leavers first: the same person may be listed in another household of this batch.
        self.execute(
            "INSERT INTO fupin_stage_leaver (id) SELECT r.id FROM registry_member r "
            f"WHERE r.left_on IS NULL AND r.household_id IN (SELECT household_id FROM {m}) "
            f"AND NOT EXISTS (SELECT 1 FROM {m} x WHERE x.member_id = r.id)"
        )
        counts.members_left = self.execute(
            "UPDATE registry_member SET left_on = %s, left_reason = %s, version = version + 1, updated_at = %s "
            "WHERE id IN (SELECT id FROM fupin_stage_leaver)",
            [connection.ops.adapt_datefield_value(self.today), LEFT_REASON, self.stamp()],
        )
        if counts.members_left:
            counts.history_rows += self.write_history(
                Member, "JOIN fupin_stage_leaver l ON l.id = r.id", "~", reason=LEFT_CHANGE_REASON
            )
        differs = " OR ".join(
            [self.differs(f"r.{f}", f"s.{f}") for f in self.member_updates] + ["r.left_on IS NOT NULL"]
        )
        self.temp_table(
            changed,
            f"SELECT m.member_id AS id, s.relation = 'head' AS head FROM {m} m JOIN {s} s ON s.row = m.row "
            f"JOIN registry_member r ON r.id = m.member_id WHERE NOT m.is_new AND ({differs})",
            index=["id"],
        )
        assignments = ", ".join(f"{f} = s.{f}" for f in self.member_updates)
        # Who stops being head is updated before who becomes head: one head per household at all times.
        for head in ("NOT head", "head"):
            counts.members_updated += self.execute(
                f"UPDATE registry_member AS r SET {assignments}, left_on = NULL, left_reason = '', "
                f"version = r.version + 1, updated_at = %s FROM {s} AS s JOIN {m} AS m ON m.row = s.row "
                f"WHERE r.id = m.member_id AND r.id IN (SELECT id FROM {changed} WHERE {head})",
                [self.stamp()],
            )
        fields = ", ".join(MEMBER_FIELDS)
        counts.members_created = self.execute(
            f"INSERT INTO registry_member (id, household_id, {fields}, left_reason, version, created_at, updated_at) "
            f"SELECT m.member_id, m.household_id, {', '.join('s.' + f for f in MEMBER_FIELDS)}, '', 1, %s, %s "
            f"FROM {s} s JOIN {m} m ON m.row = s.row WHERE m.is_new ORDER BY m.member_id",
            [self.stamp(), self.stamp()],
        )
        counts.history_rows += self.write_history(
            Member, f"JOIN {m} m ON m.member_id = r.id WHERE m.is_new", "+"
        )
        counts.history_rows += self.write_history(Member, f"JOIN {changed} c ON c.id = r.id", "~")

    def _commit_incomes(self, counts: Counts) -> None:
        s, m, changed = table("income"), "fupin_map_income", "fupin_changed_income"
        self.temp_table(
            m,
            f"SELECT x.row, x.household_id, COALESCE(x.id, {self.new_id(Income)}) AS income_id, "
            "x.id IS NULL AS is_new FROM (SELECT s.row, h.id AS household_id, r.id FROM "
            f"{s} s JOIN registry_household h ON h.household_no = s.household_no "
            "LEFT JOIN registry_income r ON r.household_id = h.id AND r.year = s.year ORDER BY s.row) x",
            index=["row", "income_id"],
        )
        differs = " OR ".join(self.differs(f"r.{f}", f"s.{f}") for f in INCOME_FIELDS)
        self.temp_table(
            changed,
            f"SELECT m.income_id AS id FROM {m} m JOIN {s} s ON s.row = m.row "
            f"JOIN registry_income r ON r.id = m.income_id WHERE NOT m.is_new AND ({differs})",
            index=["id"],
        )
        assignments = ", ".join(f"{f} = s.{f}" for f in INCOME_FIELDS)
        counts.incomes_updated = self.execute(
            f"UPDATE registry_income AS r SET {assignments}, version = r.version + 1 FROM {s} AS s "
            f"JOIN {m} AS m ON m.row = s.row WHERE r.id = m.income_id AND r.id IN (SELECT id FROM {changed})"
        )
        fields = ", ".join(INCOME_FIELDS)
        counts.incomes_created = self.execute(
            f"INSERT INTO registry_income (id, household_id, year, {fields}, version) "
            f"SELECT m.income_id, m.household_id, s.year, {', '.join('s.' + f for f in INCOME_FIELDS)}, 1 "
            f"FROM {s} s JOIN {m} m ON m.row = s.row WHERE m.is_new ORDER BY m.income_id"
        )
        counts.history_rows += self.write_history(
            Income, f"JOIN {m} m ON m.income_id = r.id WHERE m.is_new", "+"
        )
        counts.history_rows += self.write_history(Income, f"JOIN {changed} c ON c.id = r.id", "~")

    def touched_households(self) -> Iterator[tuple[int, str, bool]]:
        """(id, 户编号, created) of every household the commit created or changed in any way, streamed."""
        touched = (
            "SELECT household_id FROM fupin_map_household WHERE is_new "
            "UNION SELECT id FROM fupin_changed_household "
            "UNION SELECT household_id FROM fupin_map_member WHERE is_new "
            "UNION SELECT m.household_id FROM fupin_map_member m JOIN fupin_changed_member c ON c.id = m.member_id "
            "UNION SELECT household_id FROM registry_member WHERE id IN (SELECT id FROM fupin_stage_leaver) "
            "UNION SELECT household_id FROM fupin_map_income WHERE is_new "
            "UNION SELECT m.household_id FROM fupin_map_income m JOIN fupin_changed_income c ON c.id = m.income_id"
        )
        self.temp_table("fupin_touched", touched)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT r.id, r.household_no, h.is_new FROM fupin_touched t "
                "JOIN registry_household r ON r.id = t.household_id "
                "LEFT JOIN fupin_map_household h ON h.household_id = t.household_id ORDER BY r.household_no"
            )
            while rows := cursor.fetchmany(5000):
                for pk, number, created in rows:
                    yield pk, number, bool(created)

    def close(self) -> None:
        with connection.cursor() as cursor:
            for name in [table(kind) for kind in KINDS] + [
                "fupin_stage_group",
                "fupin_stage_leaver",
                *self._maps,
            ]:
                cursor.execute(f"DROP TABLE IF EXISTS {name}")
            if self.pg:
                cursor.execute("RESET work_mem")
            else:
                cursor.execute(f"PRAGMA main.cache_size = {int(self._cache[0])}")
                cursor.execute(f"PRAGMA temp.cache_size = {int(self._cache[1])}")
