"""Reading the registry from the live database into the Arrow layout of `fupin.batch.layout`.

Two readers run the same SQL text:
- `read_django` through Django's own connection (sqlite3 or psycopg): the only reader allowed inside
  the web process on SQLite, and the one that sees a transaction's uncommitted rows;
- `read_adbc` through an ADBC driver, for the commands, in their own process. The drivers ship inside
  their wheels (DuckDB's own scanners would download at run time). On SQLite the ADBC driver is a
  second SQLite library: opened inside the web process next to Django's connection, its close removed
  the -wal/-shm files under the live connection ("disk I/O error" on the next requests), so
  `runner` uses it only where the caller says it runs in its own process.

Money leaves the database as integer cents. PostgreSQL computes them on `numeric`, exactly. SQLite
keeps Django's decimals as REAL or INTEGER (NUMERIC affinity); every value has at most two decimals,
so `round(x * 100)` restores its exact cents.

`purpose="engine"` reads only what the rules need (members on the register, the year's income);
`purpose="snapshot"` reads the full layout as the registry stood for the year (households identified
by then, every member, incomes, village figures and status changes up to the year).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import quote

import pyarrow as pa
import pyarrow.compute as pc

from fupin.core.scope import prefix_sql

from . import layout


@dataclass(frozen=True)
class Scope:
    """Which households to read: an area-code prefix and/or a SQL subquery of household ids."""

    area: str | None = None
    household_ids_sql: str | None = None
    params: tuple = ()

    def __post_init__(self) -> None:
        if self.area is not None and not re.fullmatch(r"\d{2,15}", self.area):
            raise ValueError(f"not an area code: {self.area!r}")


@dataclass
class RegistryTables:
    """The registry as Arrow tables in the layout of `fupin.batch.layout` (all columns or the engine's)."""

    households: pa.Table
    members: pa.Table
    incomes: pa.Table
    villages: pa.Table
    village_years: pa.Table
    designations: pa.Table
    status_changes: pa.Table

    @property
    def persons(self) -> int:
        if "left_on" not in self.members.column_names:
            return self.members.num_rows
        return self.members["left_on"].null_count

    def items(self) -> list[tuple[str, pa.Table]]:
        return [(f.name, getattr(self, f.name)) for f in fields(self)]


def _cents(dialect: str, column: str) -> str:
    return f"CAST(round({column} * 100) AS {'BIGINT' if dialect == 'postgresql' else 'INTEGER'})"


def _select(columns: tuple[str, ...], expressions: dict[str, str]) -> str:
    return ", ".join(f"{expressions.get(c, c)} AS {c}" for c in columns)


# The statements that read households (and so take the household scope's parameters).
HOUSEHOLD_TABLES = frozenset({"households", "members", "incomes", "status_changes"})


def statements(
    dialect: str, year: int, scope: Scope | None = None, purpose: str = "engine"
) -> dict[str, str]:
    """The SELECTs of every layout table for `year` (placeholders: %s, for `Scope.params`)."""
    year = int(year)
    full = purpose == "snapshot"
    columns = {name: layout.SCHEMAS[name].names for name in layout.TABLES} if full else layout.ENGINE_COLUMNS
    h_where = ["1 = 1"]
    area_where = "1 = 1"
    if scope and scope.area:
        # A range, not LIKE (a '%' would clash with the DB-API placeholders of the Django path) nor
        # substr (which no index serves): core.scope's prefix range.
        h_where.append(prefix_sql("h.village_id", scope.area))
        area_where = prefix_sql("{col}", scope.area)
    if scope and scope.household_ids_sql:
        h_where.append(f"h.id IN ({scope.household_ids_sql})")
    if full:
        h_where.append(f"h.identified_year <= {year}")
    where = " AND ".join(h_where)
    false = "false" if dialect == "postgresql" else "0"

    def cols(table: str, expressions: dict[str, str]) -> str:
        return _select(tuple(columns[table]), expressions)

    households = cols(
        "households",
        {
            "household_id": "h.id",
            "household_no": "h.household_no",
            "village_code": "h.village_id",
            "group_code": "h.group_id",
            **{
                c: f"h.{c}"
                for c in (
                    "attribute",
                    "main_cause",
                    "other_cause_1",
                    "other_cause_2",
                    "identified_year",
                    "housing_safe",
                    "water_safe",
                    "status",
                    "exit_year",
                )
            },
        },
    )
    member_expressions = {c: f"m.{c}" for c in layout.SCHEMAS["members"].names}
    member_expressions.update(member_id="m.id", tekun=f"coalesce(m.tekun, {false})")
    members = cols("members", member_expressions)
    income_expressions = {"household_id": "i.household_id", "year": "i.year"}
    income_expressions.update({f"{m}_cents": _cents(dialect, f"i.{m}") for m in layout.MONEY})
    incomes = cols("incomes", income_expressions)
    change_expressions = {c: f"sc.{c}" for c in layout.SCHEMAS["status_changes"].names}
    change_expressions["change_id"] = "sc.id"
    year_op = "<=" if full else "="
    return {
        "households": f"SELECT {households} FROM registry_household h WHERE {where}",
        "members": f"""SELECT {members} FROM registry_member m JOIN registry_household h ON h.id = m.household_id
            WHERE {where}{"" if full else " AND m.left_on IS NULL"}""",
        "incomes": f"""SELECT {incomes} FROM registry_income i JOIN registry_household h ON h.id = i.household_id
            WHERE i.year {year_op} {year} AND {where}""",
        "villages": f"""SELECT a.code AS village_code, a.name AS name, a.parent_id AS town_code FROM areas_area a
            WHERE a.level = 'village' AND {area_where.format(col="a.code")}""",
        "village_years": f"""SELECT vy.village_id AS village_code, vy.year AS year,
            vy.registered_population AS registered_population,
            {_cents(dialect, "vy.per_capita_income")} AS per_capita_income_cents
            FROM areas_villageyear vy WHERE vy.year {year_op} {year} AND {area_where.format(col="vy.village_id")}""",
        "designations": f"""SELECT {cols("designations", {"village_code": "d.village_id", "designated_year": "d.designated_year", "exited_year": "d.exited_year", "decision": "d.decision"})}
            FROM areas_villagedesignation d
            WHERE d.designated_year <= {year} AND {area_where.format(col="d.village_id")}""",
        # Every change, whatever its year, for the engine: the status at the start of a year is the
        # last change before it, or the status before the first change (`engine.status_start`).
        "status_changes": f"""SELECT {cols("status_changes", change_expressions)}
            FROM registry_statuschange sc JOIN registry_household h ON h.id = sc.household_id
            WHERE {where}{f" AND sc.year <= {year}" if full else ""}""",
    }


def conform_all(raw: dict[str, pa.Table], purpose: str) -> RegistryTables:
    full = purpose == "snapshot"
    return RegistryTables(
        **{
            name: layout.conform(name, raw[name], None if full else tuple(layout.ENGINE_COLUMNS[name]))
            for name in layout.TABLES
        }
    )


# -- ADBC ------------------------------------------------------------------------------------------


def adbc_connect(settings_dict: dict[str, Any]):
    """An ADBC DB-API connection to the database Django is configured for (commands only)."""
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        import adbc_driver_sqlite.dbapi

        name = str(settings_dict["NAME"])
        if name == ":memory:" or "mode=memory" in name:
            raise RuntimeError("ADBC cannot read an in-memory SQLite database of another connection")
        return adbc_driver_sqlite.dbapi.connect(name)
    if "postgresql" in engine:
        import adbc_driver_postgresql.dbapi

        return adbc_driver_postgresql.dbapi.connect(postgres_uri(settings_dict))
    raise RuntimeError(f"no ADBC driver for {engine}")


def postgres_uri(settings_dict: dict[str, Any]) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{quote(password, safe='')}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "localhost"
    port = settings_dict.get("PORT") or 5432
    return f"postgresql://{auth}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


def dialect_of(settings_dict: dict[str, Any]) -> str:
    return "postgresql" if "postgresql" in settings_dict["ENGINE"] else "sqlite"


def read_adbc(
    settings_dict: dict[str, Any], year: int, scope: Scope | None = None, purpose: str = "engine"
) -> RegistryTables:
    if scope and scope.household_ids_sql:
        raise ValueError("read_adbc takes an area scope only")
    sql = statements(dialect_of(settings_dict), year, scope, purpose)
    raw = {}
    with adbc_connect(settings_dict) as conn, conn.cursor() as cursor:
        for name, statement in sql.items():
            cursor.execute(statement)
            raw[name] = cursor.fetch_arrow_table()
    return conform_all({name: _normalise(table) for name, table in raw.items()}, purpose)


def _normalise(table: pa.Table) -> pa.Table:
    """SQLite hands dates and times over as text: parse them before the layout's casts."""
    columns = []
    for name in table.column_names:
        column = table[name]
        if name == "changed_at" and pa.types.is_string(column.type):
            column = pc.replace_substring(column, " ", "T").cast(pa.timestamp("us"))
        if name == "changed_at" and column.type == pa.timestamp("us"):
            column = column.cast(pa.timestamp("us", tz="UTC"))
        columns.append(column)
    return pa.table(columns, names=table.column_names)


# -- Django connection -----------------------------------------------------------------------------


def _column(values: list, field: pa.Field) -> pa.Array:
    if field.name == "changed_at":
        values = [
            None if v is None else (v if not isinstance(v, str) else v.replace(" ", "T")) for v in values
        ]
    array = pa.array(values) if any(v is not None for v in values) else pa.nulls(len(values))
    if pa.types.is_string(array.type) and pa.types.is_timestamp(field.type):
        array = array.cast(pa.timestamp("us"))
    if pa.types.is_timestamp(array.type) and array.type.tz is None and field.type.tz:
        array = array.cast(pa.timestamp(array.type.unit, tz=field.type.tz))
    return array.cast(field.type)


def read_django(connection, year: int, scope: Scope | None = None, purpose: str = "engine") -> RegistryTables:
    """Read through Django's own connection (Python values become Arrow columns, chunk by chunk)."""
    vendor = "postgresql" if connection.vendor == "postgresql" else "sqlite"
    sql = statements(vendor, year, scope, purpose)
    full = purpose == "snapshot"
    tables = {}
    with connection.cursor() as cursor:
        for name, statement in sql.items():
            target = layout.schema(name, None if full else tuple(layout.ENGINE_COLUMNS[name]))
            params = scope.params if scope and scope.household_ids_sql and name in HOUSEHOLD_TABLES else ()
            cursor.execute(statement, params)
            batches = []
            while rows := cursor.fetchmany(50_000):
                columns = list(zip(*rows, strict=True))
                batches.append(
                    pa.record_batch(
                        [_column(list(values), field) for values, field in zip(columns, target, strict=True)],
                        schema=target,
                    )
                )
            tables[name] = pa.Table.from_batches(batches, schema=target)
    return RegistryTables(**tables)
