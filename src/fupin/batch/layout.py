"""The registry as Arrow tables: the one layout that snapshots, the synthetic generator and the live
readers produce and that the bulk engine reads.

Money is integer cents (`*_cents`), never a float. Personal identifiers (names, ID numbers, phones,
bank accounts) are not part of the layout: the engine does not need them, and a snapshot that leaves
the database should not carry them. Birth dates are (ages are facts the rules need).

Tables (a Parquet snapshot holds one file per table, `<name>.parquet`):
  households      one row per household, `status` as at the end of the snapshot's year
  members         every member, on the register or left (`left_on`)
  incomes         a household's income per year, each item in cents
  villages        the villages (code, name, town)
  village_years   a village's registered population and per-capita income per year
  designations    relatively poor village designations (相对贫困村认定) and their exits (出列)
  status_changes  every status change (the household's status history)
"""

from __future__ import annotations

import pyarrow as pa

LAYOUT_VERSION = 1

MONEY = ("wages", "business_income", "business_cost", "property_income", "transfer_income", "transfer_cost")
SIGNS = (1, 1, -1, 1, 1, -1)

SCHEMAS: dict[str, pa.Schema] = {
    "households": pa.schema(
        [
            ("household_id", pa.int64()),
            ("household_no", pa.string()),
            ("village_code", pa.string()),
            ("group_code", pa.string()),
            ("attribute", pa.string()),
            ("main_cause", pa.string()),
            ("other_cause_1", pa.string()),
            ("other_cause_2", pa.string()),
            ("identified_year", pa.int32()),
            ("housing_safe", pa.bool_()),
            ("water_safe", pa.bool_()),
            ("status", pa.string()),
            ("exit_year", pa.int32()),
        ]
    ),
    "members": pa.schema(
        [
            ("member_id", pa.int64()),
            ("household_id", pa.int64()),
            ("relation", pa.string()),
            ("sex", pa.string()),
            ("birth_date", pa.date32()),
            ("ethnicity", pa.string()),
            ("education", pa.string()),
            ("school_status", pa.string()),
            ("health", pa.string()),
            ("labour", pa.string()),
            ("migrant_work", pa.string()),
            ("work_months", pa.int32()),
            ("medical_insurance", pa.bool_()),
            ("pension_insurance", pa.bool_()),
            ("dibao", pa.bool_()),
            ("tekun", pa.bool_()),
            ("left_on", pa.date32()),
            ("left_reason", pa.string()),
        ]
    ),
    "incomes": pa.schema(
        [("household_id", pa.int64()), ("year", pa.int32())] + [(f"{m}_cents", pa.int64()) for m in MONEY]
    ),
    "villages": pa.schema([("village_code", pa.string()), ("name", pa.string()), ("town_code", pa.string())]),
    "village_years": pa.schema(
        [
            ("village_code", pa.string()),
            ("year", pa.int32()),
            ("registered_population", pa.int64()),
            ("per_capita_income_cents", pa.int64()),
        ]
    ),
    "designations": pa.schema(
        [
            ("village_code", pa.string()),
            ("designated_year", pa.int32()),
            ("exited_year", pa.int32()),
            ("decision", pa.string()),
        ]
    ),
    "status_changes": pa.schema(
        [
            ("change_id", pa.int64()),
            ("household_id", pa.int64()),
            ("from_status", pa.string()),
            ("to_status", pa.string()),
            ("year", pa.int32()),
            ("reason", pa.string()),
            ("changed_at", pa.timestamp("us", tz="UTC")),
        ]
    ),
}
TABLES = tuple(SCHEMAS)

# The columns the engine reads (a narrower read of the live database when only verdicts are wanted).
ENGINE_COLUMNS: dict[str, tuple[str, ...]] = {
    "households": (
        "household_id",
        "household_no",
        "village_code",
        "identified_year",
        "housing_safe",
        "water_safe",
        "status",
    ),
    "members": (
        "household_id",
        "labour",
        "school_status",
        "birth_date",
        "medical_insurance",
        "dibao",
        "tekun",
        "left_on",
    ),
    "incomes": SCHEMAS["incomes"].names,
    "villages": SCHEMAS["villages"].names,
    "village_years": SCHEMAS["village_years"].names,
    "designations": ("village_code", "designated_year", "exited_year"),
    "status_changes": ("change_id", "household_id", "from_status", "to_status", "year", "changed_at"),
}


def schema(table: str, columns: tuple[str, ...] | None = None) -> pa.Schema:
    full = SCHEMAS[table]
    if columns is None:
        return full
    return pa.schema([full.field(name) for name in columns])


def conform(table: str, data: pa.Table, columns: tuple[str, ...] | None = None) -> pa.Table:
    """`data` with exactly the layout's columns (in order) and types; missing columns are all null."""
    target = schema(table, columns)
    arrays = []
    for field in target:
        column = data[field.name] if field.name in data.column_names else None
        if column is None or column.null_count == len(column):
            # A reader cannot type a column it saw no value in (SQLite): all null is all null.
            arrays.append(pa.nulls(data.num_rows, field.type))
        else:
            arrays.append(column if column.type == field.type else column.cast(field.type))
    return pa.Table.from_arrays(arrays, schema=target)


def empty(table: str, columns: tuple[str, ...] | None = None) -> pa.Table:
    return schema(table, columns).empty_table()
