"""Bulk evaluation of a policy with DuckDB over Arrow tables (or a Parquet snapshot).

The policy's rules compile to one SQL query: member facts aggregated per household, per-capita income
in integer cents (half-up, like `core.money.per_capita`), each named condition a boolean column, the
rule trees and the unmet codes on top. Money never becomes a float: amounts arrive as integer cents
or exact DECIMAL and thresholds are integer-cent literals computed once by the policy.

Input relations (see `register`): `hh` households, `mem` members on register, `inc` the year's income
(`disposable_cents`), `vil` villages with the year's registered population and income (`pc_cents`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from fupin.policy import conditions as cond
from fupin.policy.definition import Policy

HOUSEHOLD_COLUMNS = (
    "household_id",
    "household_no",
    "village_code",
    "members",
    "disposable_cents",
    "pc_cents",
    "below_line",
    "exit_eligible",
    "unmet",
)


@dataclass
class RegistryTables:
    """The registry as Arrow tables for one year (raw types; `register` normalises them)."""

    households: pa.Table  # household_id, household_no, village_code, housing_safe, water_safe
    members: pa.Table  # household_id, labour, school_status, birth_date, medical_insurance, dibao, tekun
    incomes: pa.Table  # household_id, disposable_cents
    villages: pa.Table | None = None  # village_code, name, registered_population, pc_cents

    @property
    def persons(self) -> int:
        return self.members.num_rows


def connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    # The machines are shared: keep DuckDB's memory bounded (it spills to disk beyond this).
    con.execute(f"SET memory_limit = '{os.environ.get('FUPIN_DUCKDB_MEMORY', '4GB')}'")
    threads = os.environ.get("FUPIN_DUCKDB_THREADS")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def register(con: duckdb.DuckDBPyConnection, tables: RegistryTables) -> None:
    """Expose Arrow tables as the engine's input relations, with database types normalised."""
    con.register("raw_households", tables.households)
    con.register("raw_members", tables.members)
    con.register("raw_incomes", tables.incomes)
    con.execute(
        """CREATE OR REPLACE TEMP VIEW hh AS SELECT CAST(household_id AS BIGINT) AS household_id,
        CAST(household_no AS VARCHAR) AS household_no, CAST(village_code AS VARCHAR) AS village_code,
        CAST(housing_safe AS BOOLEAN) AS housing_safe, CAST(water_safe AS BOOLEAN) AS water_safe
        FROM raw_households"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP VIEW mem AS SELECT CAST(household_id AS BIGINT) AS household_id,
        CAST(labour AS VARCHAR) AS labour, CAST(school_status AS VARCHAR) AS school_status,
        CAST(birth_date AS DATE) AS birth_date, CAST(medical_insurance AS BOOLEAN) AS medical_insurance,
        CAST(dibao AS BOOLEAN) AS dibao, coalesce(CAST(tekun AS BOOLEAN), false) AS tekun
        FROM raw_members"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP VIEW inc AS SELECT CAST(household_id AS BIGINT) AS household_id,
        CAST(disposable_cents AS BIGINT) AS disposable_cents FROM raw_incomes"""
    )
    if tables.villages is not None:
        con.register("raw_villages", tables.villages)
        con.execute(
            """CREATE OR REPLACE TEMP VIEW vil AS SELECT CAST(village_code AS VARCHAR) AS village_code,
            CAST(name AS VARCHAR) AS name, CAST(registered_population AS BIGINT) AS registered_population,
            CAST(pc_cents AS BIGINT) AS pc_cents FROM raw_villages"""
        )


def register_parquet(con: duckdb.DuckDBPyConnection, directory: str, year: int) -> None:
    """Expose a Parquet snapshot (see `fupin.batch.synthetic`: money as integer cents) as the input relations."""
    path = str(directory).replace("'", "''")
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW hh AS SELECT household_id, household_no, village_code, housing_safe,
        water_safe FROM read_parquet('{path}/households.parquet') WHERE status <> 'removed'"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW mem AS SELECT household_id, labour, school_status, birth_date,
        medical_insurance, dibao, coalesce(tekun, false) AS tekun
        FROM read_parquet('{path}/members.parquet') WHERE left_on IS NULL"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW inc AS SELECT household_id, wages_cents + business_income_cents
        - business_cost_cents + property_income_cents + transfer_income_cents - transfer_cost_cents
        AS disposable_cents FROM read_parquet('{path}/incomes.parquet') WHERE year = {int(year)}"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW vil AS SELECT village_code, name, registered_population,
        per_capita_income_cents AS pc_cents FROM read_parquet('{path}/villages.parquet') WHERE year = {int(year)}"""
    )


def household_query(policy: Policy, year: int) -> str:
    t = policy.thresholds(year)
    age = cond.sql_age("birth_date", t.reference_date)
    school_age = f"{age} BETWEEN {t.school_min_age} AND {t.school_max_age}"
    leaf_names = sorted(
        {name for rule in ("below_line", "exit_eligible") for name in cond.leaves(policy.rules[rule])}
    )
    leaf_columns = ",\n  ".join(f"{cond.LIBRARY[n].sql(t)} AS c_{n}" for n in leaf_names)
    codes = cond.unmet_sql(policy.rules["exit_eligible"])
    unmet_parts = ", ".join(
        f"CASE WHEN {' OR '.join(codes[c])} THEN '{c}' END" for c in cond.UNMET_CODES if c in codes
    )
    unmet = f"concat_ws(';', {unmet_parts})" if unmet_parts else "''"
    return f"""
WITH m AS (
  SELECT household_id,
    count(*) AS members,
    count(*) FILTER (WHERE labour IN ({cond.sql_list(t.labour_capable)})) AS labour_n,
    count(*) FILTER (WHERE dibao OR tekun) AS covered_n,
    count(*) FILTER (WHERE medical_insurance) AS insured_n,
    count(*) FILTER (WHERE {school_age} AND school_status NOT IN ({cond.sql_list(t.in_school)})) AS school_age_out_n
  FROM mem GROUP BY household_id
),
base AS (
  SELECT h.household_id, h.household_no, h.village_code, h.housing_safe, h.water_safe,
    coalesce(m.members, 0) AS members, coalesce(m.labour_n, 0) AS labour_n,
    coalesce(m.covered_n, 0) AS covered_n, coalesce(m.insured_n, 0) AS insured_n,
    coalesce(m.school_age_out_n, 0) AS school_age_out_n, i.disposable_cents,
    CASE WHEN m.members > 0 THEN sign(i.disposable_cents)
      * ((2 * abs(i.disposable_cents) + m.members) // (2 * m.members)) END AS pc_cents
  FROM inc i JOIN hh h ON h.household_id = i.household_id LEFT JOIN m ON m.household_id = i.household_id
),
leaves AS (
  SELECT *,
  {leaf_columns}
  FROM base
)
SELECT household_id, household_no, village_code, members, disposable_cents, CAST(pc_cents AS BIGINT) AS pc_cents,
  {cond.to_sql(policy.rules["below_line"])} AS below_line,
  {cond.to_sql(policy.rules["exit_eligible"])} AS exit_eligible,
  {unmet} AS unmet
FROM leaves
"""


def village_query(policy: Policy, year: int, results: str = "household_results") -> str:
    t = policy.thresholds(year)
    leaf_names = sorted(
        {
            name
            for rule in ("village_relatively_poor", "village_exit_eligible")
            for name in cond.leaves(policy.rules[rule])
        }
    )
    leaf_columns = ",\n  ".join(f"{cond.LIBRARY[n].sql(t)} AS c_{n}" for n in leaf_names)
    return f"""
WITH p AS (
  SELECT village_code, sum(members) FILTER (WHERE below_line) AS poor_persons,
    count(*) FILTER (WHERE below_line) AS poor_households
  FROM {results} GROUP BY village_code
),
base AS (
  SELECT v.village_code, v.name, v.registered_population, v.pc_cents,
    CAST(coalesce(p.poor_persons, 0) AS BIGINT) AS poor_persons,
    CAST(coalesce(p.poor_households, 0) AS BIGINT) AS poor_households
  FROM vil v LEFT JOIN p ON p.village_code = v.village_code
),
leaves AS (
  SELECT *,
  {leaf_columns}
  FROM base
)
SELECT village_code, name, registered_population, poor_households, poor_persons,
  CASE WHEN registered_population > 0
    THEN (2 * poor_persons * 10000 + registered_population) // (2 * registered_population) END AS share_bp,
  pc_cents,
  {cond.to_sql(policy.rules["village_relatively_poor"])} AS relatively_poor,
  {cond.to_sql(policy.rules["village_exit_eligible"])} AS exit_eligible
FROM leaves ORDER BY village_code
"""


def evaluate(
    con: duckdb.DuckDBPyConnection,
    policy: Policy,
    year: int,
    *,
    name: str = "household_results",
    ordered: bool = True,
) -> pa.Table:
    """Evaluate every household with income for `year`; the result is also registered in DuckDB as `name`."""
    order = " ORDER BY household_no" if ordered else ""
    table = con.sql(f"{household_query(policy, year)}{order}").to_arrow_table()
    con.register(name, table)
    return table


def evaluate_villages(
    con: duckdb.DuckDBPyConnection, policy: Policy, year: int, *, results: str = "household_results"
) -> pa.Table:
    return con.sql(village_query(policy, year, results)).to_arrow_table()


def simulate(
    con: duckdb.DuckDBPyConnection, base: Policy, changed: Policy, year: int
) -> tuple[pa.Table, pa.Table]:
    """What changes when `changed` replaces `base`: households and persons newly below the line or no
    longer below it, exits gained or lost, and village verdicts, by village."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE base_results AS {household_query(base, year)}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE alt_results AS {household_query(changed, year)}")
    by_village = con.sql(
        """
        SELECT b.village_code,
          count(*) FILTER (WHERE a.below_line AND NOT b.below_line) AS households_in,
          coalesce(sum(b.members) FILTER (WHERE a.below_line AND NOT b.below_line), 0) AS persons_in,
          count(*) FILTER (WHERE b.below_line AND NOT a.below_line) AS households_out,
          coalesce(sum(b.members) FILTER (WHERE b.below_line AND NOT a.below_line), 0) AS persons_out,
          coalesce(sum(b.members) FILTER (WHERE a.exit_eligible AND NOT b.exit_eligible), 0) AS exit_persons_gained,
          coalesce(sum(b.members) FILTER (WHERE b.exit_eligible AND NOT a.exit_eligible), 0) AS exit_persons_lost,
          coalesce(sum(b.members) FILTER (WHERE b.below_line), 0) AS poor_persons_before,
          coalesce(sum(b.members) FILTER (WHERE a.below_line), 0) AS poor_persons_after
        FROM base_results b JOIN alt_results a USING (household_id)
        GROUP BY b.village_code ORDER BY b.village_code
        """
    ).to_arrow_table()
    villages_before = evaluate_villages(con, base, year, results="base_results")
    villages_after = evaluate_villages(con, changed, year, results="alt_results")
    joined = pa.table(
        {
            "village_code": villages_before["village_code"],
            "name": villages_before["name"],
            "relatively_poor_before": villages_before["relatively_poor"],
            "relatively_poor_after": villages_after["relatively_poor"],
            "exit_eligible_before": villages_before["exit_eligible"],
            "exit_eligible_after": villages_after["exit_eligible"],
        }
    )
    return by_village, joined
