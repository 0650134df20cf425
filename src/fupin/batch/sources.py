"""Reading the registry of one year into Arrow tables, from the database.

Two readers run the same SQL text: `read_adbc` through an ADBC driver (SQLite or PostgreSQL; the
drivers ship inside their wheels, so nothing is downloaded at run time — DuckDB's own scanners would),
and `read_django` through Django's connection, for small scoped reads inside a request or a test
transaction that another connection could not see.

Money leaves the database as integer cents. PostgreSQL computes them on `numeric`, exactly. SQLite
keeps Django's decimals as REAL or INTEGER (NUMERIC affinity); every value has at most two decimals,
so `round(x * 100)` restores its exact cents before anything is added up.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pyarrow as pa

from .engine import RegistryTables

MONEY = ("wages", "business_income", "business_cost", "property_income", "transfer_income", "transfer_cost")
SIGNS = ("+", "+", "-", "+", "+", "-")


@dataclass(frozen=True)
class Scope:
    """Which households to read: an area-code prefix and/or a SQL subquery of household ids."""

    area: str | None = None
    household_ids_sql: str | None = None
    params: tuple = ()

    def __post_init__(self) -> None:
        if self.area is not None and not re.fullmatch(r"\d{2,15}", self.area):
            raise ValueError(f"not an area code: {self.area!r}")


def _cents(dialect: str, column: str) -> str:
    if dialect == "postgresql":
        return f"CAST(round({column} * 100) AS BIGINT)"
    return f"CAST(round({column} * 100) AS INTEGER)"


def _disposable(dialect: str) -> str:
    if dialect == "postgresql":
        total = " ".join(f"{s} i.{c}" for s, c in zip(SIGNS, MONEY, strict=True))
        return f"CAST(round(({total}) * 100) AS BIGINT)"
    return " ".join(f"{s} {_cents(dialect, 'i.' + c)}" for s, c in zip(SIGNS, MONEY, strict=True))


def statements(dialect: str, year: int, scope: Scope | None = None) -> dict[str, str]:
    """The SELECTs for households, members, incomes and villages of `year` (placeholders: %s)."""
    year = int(year)
    where = ["h.status <> 'removed'"]
    village_where = ["a.level = 'village'"]
    if scope and scope.area:
        # substr, not LIKE: a '%' would clash with the DB-API placeholders of the Django path.
        where.append(f"substr(h.village_id, 1, {len(scope.area)}) = '{scope.area}'")
        village_where.append(f"substr(a.code, 1, {len(scope.area)}) = '{scope.area}'")
    if scope and scope.household_ids_sql:
        where.append(f"h.id IN ({scope.household_ids_sql})")
    h_where = " AND ".join(where)
    true = "true" if dialect == "postgresql" else "1"
    return {
        "households": f"""SELECT h.id AS household_id, h.household_no, h.village_id AS village_code,
            h.housing_safe, h.water_safe FROM registry_household h WHERE {h_where}""",
        "members": f"""SELECT m.household_id, m.labour, m.school_status, m.birth_date,
            m.medical_insurance, m.dibao, coalesce(m.tekun, {"false" if true == "true" else "0"}) AS tekun
            FROM registry_member m JOIN registry_household h ON h.id = m.household_id
            WHERE m.left_on IS NULL AND {h_where}""",
        "incomes": f"""SELECT i.household_id, {_disposable(dialect).lstrip("+ ")} AS disposable_cents
            FROM registry_income i JOIN registry_household h ON h.id = i.household_id
            WHERE i.year = {year} AND {h_where}""",
        "villages": f"""SELECT a.code AS village_code, a.name, vy.registered_population,
            {_cents(dialect, "vy.per_capita_income")} AS pc_cents
            FROM areas_area a LEFT JOIN areas_villageyear vy ON vy.village_id = a.code AND vy.year = {year}
            WHERE {" AND ".join(village_where)}""",
    }


# -- ADBC ------------------------------------------------------------------------------------------


def adbc_connect(settings_dict: dict[str, Any]):
    """An ADBC DB-API connection to the database Django is configured for."""
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


def read_adbc(settings_dict: dict[str, Any], year: int, scope: Scope | None = None) -> RegistryTables:
    if scope and scope.household_ids_sql:
        raise ValueError("read_adbc takes an area scope only")
    sql = statements(dialect_of(settings_dict), year, scope)
    with adbc_connect(settings_dict) as conn, conn.cursor() as cursor:
        tables = {}
        for name, statement in sql.items():
            cursor.execute(statement)
            tables[name] = cursor.fetch_arrow_table()
    return RegistryTables(tables["households"], tables["members"], tables["incomes"], tables["villages"])


# -- Django connection -----------------------------------------------------------------------------

_TYPES = {
    "households": [
        ("household_id", pa.int64()),
        ("household_no", pa.string()),
        ("village_code", pa.string()),
        ("housing_safe", pa.bool_()),
        ("water_safe", pa.bool_()),
    ],
    "members": [
        ("household_id", pa.int64()),
        ("labour", pa.string()),
        ("school_status", pa.string()),
        ("birth_date", pa.date32()),
        ("medical_insurance", pa.bool_()),
        ("dibao", pa.bool_()),
        ("tekun", pa.bool_()),
    ],
    "incomes": [("household_id", pa.int64()), ("disposable_cents", pa.int64())],
    "villages": [
        ("village_code", pa.string()),
        ("name", pa.string()),
        ("registered_population", pa.int64()),
        ("pc_cents", pa.int64()),
    ],
}


def _convert(value: Any, kind: pa.DataType) -> Any:
    if value is None:
        return None
    if kind == pa.bool_():
        return bool(value)
    if kind == pa.date32() and isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if kind == pa.int64():
        return int(value)
    return value


def read_django(connection, year: int, scope: Scope | None = None) -> RegistryTables:
    sql = statements("postgresql" if connection.vendor == "postgresql" else "sqlite", year, scope)
    tables = {}
    with connection.cursor() as cursor:
        for name, statement in sql.items():
            params = scope.params if scope and scope.household_ids_sql and name != "villages" else ()
            cursor.execute(statement, params)
            rows = cursor.fetchall()
            columns = _TYPES[name]
            arrays = {
                col: pa.array([_convert(r[i], kind) for r in rows], type=kind)
                for i, (col, kind) in enumerate(columns)
            }
            tables[name] = pa.table(arrays, schema=pa.schema(columns))
    return RegistryTables(tables["households"], tables["members"], tables["incomes"], tables["villages"])
