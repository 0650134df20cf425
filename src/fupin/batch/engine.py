"""Bulk evaluation of a policy with DuckDB over Arrow tables or a Parquet snapshot.

The policy's rules compile to one SQL query: one pass over the members aggregates each household's
facts with boolean aggregates (school age is a birth-date range, not an age per member), per-capita
income in integer cents (half-up, like `core.money.per_capita`), each named condition a boolean
column, the rule trees on top, and the unmet codes as one integer (`unmet_mask`, bits in
`conditions.UNMET_BITS`). Money never becomes a float: amounts arrive as integer cents and thresholds
are integer-cent literals computed once by the policy. Household numbers, village codes and unmet
names are joined or spelt out only where a result is shown (`display`).

Input relations (`register` from Arrow, `register_snapshot` from Parquet; layout of `batch.layout`):
  hh_all  every household (status, identified_year)      hh   those not removed
  mem     members on the register                          inc  the year's disposable income in cents
  vil     villages with the year's population and income   des  village designations
  st      status changes

Result shapes (the contract other apps read):
  verdicts  household_id BIGINT, members INTEGER, disposable_cents BIGINT, pc_cents BIGINT,
            below_line BOOLEAN, exit_eligible BOOLEAN (NULL in an identification-only year),
            unmet_mask INTEGER (NULL in an identification-only year)
  villages  see `village_query`
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from fupin.policy import conditions as cond
from fupin.policy.definition import Policy

from .layout import MONEY, SIGNS

if TYPE_CHECKING:  # the live readers (and pyarrow.compute) are not needed to evaluate a snapshot
    from .sources import RegistryTables

VERDICT_COLUMNS = (
    "household_id",
    "members",
    "disposable_cents",
    "pc_cents",
    "below_line",
    "exit_eligible",
    "unmet_mask",
)
POOR_STATUSES = ("registered", "returned")


CGROUP_LIMITS = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")


def machine_memory() -> int | None:
    """Bytes of memory this process may use: the machine's, or less where a container (cgroup v2 or v1)
    limits it. None when neither can be read."""
    try:
        total: int | None = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        total = None
    for path in CGROUP_LIMITS:
        try:
            raw = Path(path).read_text().strip()
        except OSError:
            continue
        if raw.isdigit() and (total is None or int(raw) < total):
            total = int(raw)
    return total


def memory_limit() -> str:
    """DuckDB's memory limit: FUPIN_DUCKDB_MEMORY, or 60 % of the memory this process may use (DuckDB
    spills to disk beyond it; 60 % leaves room for the process's own Arrow results and for the database).
    On 24 GB that is 14 GB: the 90 M-person aggregation fits without spilling."""
    configured = os.environ.get("FUPIN_DUCKDB_MEMORY")
    if configured:
        return configured
    total = machine_memory()
    if total is None:
        return "4GB"
    return f"{max(1, int(total * 0.6 / 2**30))}GB"


def connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{memory_limit()}'")
    threads = os.environ.get("FUPIN_DUCKDB_THREADS")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def _disposable() -> str:
    return " ".join(f"{'+' if s > 0 else '-'} {m}_cents" for s, m in zip(SIGNS, MONEY, strict=True)).lstrip(
        "+ "
    )


def _views(con: duckdb.DuckDBPyConnection, source: dict[str, str], year: int, area: str | None) -> None:
    """The engine's input relations over `source` (table name → a relation in SQL)."""
    year = int(year)
    in_area = f" WHERE starts_with(village_code, '{area}')" if area else ""
    households_in_area = " AND household_id IN (SELECT household_id FROM hh_all)" if area else ""
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW hh_all AS SELECT household_id, household_no, village_code,
        identified_year, housing_safe, water_safe, status FROM {source["households"]}{in_area}"""
    )
    con.execute("CREATE OR REPLACE TEMP VIEW hh AS SELECT * FROM hh_all WHERE status <> 'removed'")
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW mem AS SELECT household_id, labour, school_status, birth_date,
        medical_insurance, coalesce(dibao, false) AS dibao, coalesce(tekun, false) AS tekun
        FROM {source["members"]} WHERE left_on IS NULL{households_in_area}"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW inc AS SELECT household_id, {_disposable()} AS disposable_cents
        FROM {source["incomes"]} WHERE year = {year}{households_in_area}"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW vil AS SELECT v.village_code, v.name, y.registered_population,
        y.per_capita_income_cents AS pc_cents
        FROM (SELECT * FROM {source["villages"]}{in_area}) v
        LEFT JOIN (SELECT * FROM {source["village_years"]} WHERE year = {year}) y USING (village_code)"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW des AS SELECT village_code, designated_year, exited_year
        FROM {source["designations"]}{in_area}"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW st AS SELECT change_id, household_id, from_status, to_status, year
        FROM {source["status_changes"]}{" WHERE household_id IN (SELECT household_id FROM hh_all)" if area else ""}"""
    )


def register(
    con: duckdb.DuckDBPyConnection, tables: RegistryTables, year: int, area: str | None = None
) -> None:
    """Expose Arrow tables (already read for `year`, and for the area if any) as the input relations."""
    source = {}
    for name, table in tables.items():
        con.register(f"raw_{name}", table)
        source[name] = f"raw_{name}"
    _views(con, source, year, area)


def register_snapshot(
    con: duckdb.DuckDBPyConnection, directory: str | Path, year: int, area: str | None = None
) -> None:
    """Expose a Parquet snapshot (`batch.snapshot`, or the synthetic generator's) as the input relations."""
    path = str(directory).replace("'", "''")
    source = {
        name: f"read_parquet('{path}/{name}.parquet')"
        for name in (
            "households",
            "members",
            "incomes",
            "villages",
            "village_years",
            "designations",
            "status_changes",
        )
    }
    _views(con, source, year, area)


def household_query(policy: Policy, year: int) -> str:
    t = policy.thresholds(year)
    rules = ("below_line",) if t.identification_only else ("below_line", "exit_eligible")
    leaf_names = sorted({name for rule in rules for name in cond.leaves(policy.rules[rule])})
    aggregates = sorted({a for n in leaf_names for a in cond.LIBRARY[n].aggregates})
    member_columns = "".join(f",\n    {cond.AGGREGATES[a](t)} AS {a}" for a in aggregates)
    base_columns = "".join(f", m.{a}" for a in aggregates)
    leaf_columns = ",\n  ".join(f"{cond.LIBRARY[n].sql(t)} AS c_{n}" for n in leaf_names)
    if t.identification_only:
        exit_columns = "CAST(NULL AS BOOLEAN) AS exit_eligible, CAST(NULL AS INTEGER) AS unmet_mask"
    else:
        exit_rule = policy.rules["exit_eligible"]
        exit_columns = f"{cond.to_sql(exit_rule)} AS exit_eligible, CAST({cond.unmet_mask_sql(exit_rule)} AS INTEGER) AS unmet_mask"
    return f"""
WITH m AS (
  SELECT household_id, count(*) AS members{member_columns}
  FROM mem GROUP BY household_id
),
base AS (
  SELECT i.household_id, i.disposable_cents, h.housing_safe, h.water_safe,
    coalesce(m.members, 0) AS members{base_columns},
    CASE WHEN m.members > 0 THEN sign(i.disposable_cents)
      * ((2 * abs(i.disposable_cents) + m.members) // (2 * m.members)) END AS pc_cents
  FROM inc i JOIN hh h ON h.household_id = i.household_id LEFT JOIN m ON m.household_id = i.household_id
),
leaves AS (
  SELECT *,
  {leaf_columns}
  FROM base
)
SELECT household_id, CAST(members AS INTEGER) AS members, disposable_cents, CAST(pc_cents AS BIGINT) AS pc_cents,
  {cond.to_sql(policy.rules["below_line"])} AS below_line,
  {exit_columns}
FROM leaves
"""


def evaluate(
    con: duckdb.DuckDBPyConnection, policy: Policy, year: int, *, name: str = "household_results"
) -> pa.Table:
    """The verdicts of every household (not removed) with income for `year`, in no particular order;
    also registered in DuckDB as `name`."""
    table = con.sql(household_query(policy, year)).to_arrow_table()
    con.register(name, table)
    return table


def display(con: duckdb.DuckDBPyConnection, results: str = "household_results") -> pa.Table:
    """Verdicts with what a reader sees: household number, village code and the unmet codes by name
    (';'-separated, in `conditions.UNMET_CODES` order), ordered by household number."""
    names = " , ".join(
        f"CASE WHEN r.unmet_mask & {bit} <> 0 THEN '{code}' END" for code, bit in cond.UNMET_BITS.items()
    )
    return con.sql(
        f"""SELECT r.household_id, h.household_no, h.village_code, r.members, r.disposable_cents, r.pc_cents,
        r.below_line, r.exit_eligible, r.unmet_mask, concat_ws(';', {names}) AS unmet
        FROM {results} r JOIN hh_all h USING (household_id) ORDER BY h.household_no"""
    ).to_arrow_table()


def status_start_query(year: int) -> str:
    """Each household's status at the start of `year`: the last change of an earlier year; else the
    status before its first change ('' = the creation, so 在册); a household without any recorded
    change keeps the status it has."""
    year = int(year)
    return f"""
  before AS (
    SELECT household_id, to_status FROM st WHERE year < {year}
    QUALIFY row_number() OVER (PARTITION BY household_id ORDER BY year DESC, change_id DESC) = 1
  ),
  first AS (
    SELECT household_id, from_status FROM st
    QUALIFY row_number() OVER (PARTITION BY household_id ORDER BY year, change_id) = 1
  ),
  start AS (
    SELECT h.household_id, h.village_code, h.identified_year,
      CASE WHEN f.household_id IS NULL THEN h.status
        ELSE coalesce(b.to_status, nullif(f.from_status, ''), 'registered') END AS status
    FROM hh_all h LEFT JOIN before b USING (household_id) LEFT JOIN first f USING (household_id)
  )"""


def village_query(policy: Policy, year: int, results: str = "household_results") -> str:
    """Per village: the year's verdicts, and beside them the registered poor (建档立卡 households
    identified by the year and not exited or removed at its start, with their members on the register),
    the incidence (registered poor persons / registered population, in basis points) and whether a
    relatively-poor designation is in force in the year."""
    t = policy.thresholds(year)
    rules = (
        ("village_relatively_poor",)
        if t.identification_only
        else ("village_relatively_poor", "village_exit_eligible")
    )
    leaf_names = sorted({name for rule in rules for name in cond.leaves(policy.rules[rule])})
    leaf_columns = ",\n  ".join(f"{cond.LIBRARY[n].sql(t)} AS c_{n}" for n in leaf_names)
    exit_column = (
        "CAST(NULL AS BOOLEAN)"
        if t.identification_only
        else cond.to_sql(policy.rules["village_exit_eligible"])
    )
    poor = ", ".join(f"'{s}'" for s in POOR_STATUSES)

    def share(numerator: str) -> str:
        return f"""CASE WHEN registered_population > 0
    THEN (2 * {numerator} * 10000 + registered_population) // (2 * registered_population) END"""

    return f"""
WITH {status_start_query(year).strip()},
p AS (
  SELECT h.village_code, sum(r.members) FILTER (WHERE r.below_line) AS poor_persons,
    count(*) FILTER (WHERE r.below_line) AS poor_households
  FROM {results} r JOIN hh h USING (household_id) GROUP BY h.village_code
),
persons AS (SELECT household_id, count(*) AS n FROM mem GROUP BY household_id),
reg AS (
  SELECT s.village_code, count(*) AS registered_poor_households, sum(coalesce(n.n, 0)) AS registered_poor_persons
  FROM start s LEFT JOIN persons n USING (household_id)
  WHERE s.identified_year <= {int(year)} AND s.status IN ({poor})
  GROUP BY s.village_code
),
d AS (
  SELECT village_code, bool_or(designated_year <= {int(year)} AND (exited_year IS NULL OR exited_year >= {int(year)})) AS designated
  FROM des GROUP BY village_code
),
base AS (
  SELECT v.village_code, v.name, v.registered_population, v.pc_cents,
    CAST(coalesce(p.poor_persons, 0) AS BIGINT) AS poor_persons,
    CAST(coalesce(p.poor_households, 0) AS BIGINT) AS poor_households,
    CAST(coalesce(reg.registered_poor_households, 0) AS BIGINT) AS registered_poor_households,
    CAST(coalesce(reg.registered_poor_persons, 0) AS BIGINT) AS registered_poor_persons,
    coalesce(d.designated, false) AS designated
  FROM vil v LEFT JOIN p USING (village_code) LEFT JOIN reg USING (village_code) LEFT JOIN d USING (village_code)
),
leaves AS (
  SELECT *,
  {leaf_columns}
  FROM base
)
SELECT village_code, name, registered_population, poor_households, poor_persons,
  {share("poor_persons")} AS share_bp,
  pc_cents,
  {cond.to_sql(policy.rules["village_relatively_poor"])} AS relatively_poor,
  {exit_column} AS exit_eligible,
  registered_poor_households, registered_poor_persons,
  {share("registered_poor_persons")} AS incidence_bp,
  designated
FROM leaves ORDER BY village_code
"""


def evaluate_villages(
    con: duckdb.DuckDBPyConnection, policy: Policy, year: int, *, results: str = "household_results"
) -> pa.Table:
    return con.sql(village_query(policy, year, results)).to_arrow_table()


def simulate(
    con: duckdb.DuckDBPyConnection, base: Policy, changed: Policy, year: int
) -> tuple[pa.Table, pa.Table]:
    """What changes when `changed` replaces `base`: households and persons newly below the line or no
    longer below it, exits gained or lost, and village verdicts, by village. The household verdicts of
    both stay registered as `base_results` and `alt_results` (see `differences`)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE base_results AS {household_query(base, year)}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE alt_results AS {household_query(changed, year)}")
    by_village = con.sql(
        """
        SELECT h.village_code,
          count(*) FILTER (WHERE a.below_line AND NOT b.below_line) AS households_in,
          coalesce(sum(b.members) FILTER (WHERE a.below_line AND NOT b.below_line), 0) AS persons_in,
          count(*) FILTER (WHERE b.below_line AND NOT a.below_line) AS households_out,
          coalesce(sum(b.members) FILTER (WHERE b.below_line AND NOT a.below_line), 0) AS persons_out,
          coalesce(sum(b.members) FILTER (WHERE a.exit_eligible AND NOT b.exit_eligible), 0) AS exit_persons_gained,
          coalesce(sum(b.members) FILTER (WHERE b.exit_eligible AND NOT a.exit_eligible), 0) AS exit_persons_lost,
          coalesce(sum(b.members) FILTER (WHERE b.below_line), 0) AS poor_persons_before,
          coalesce(sum(b.members) FILTER (WHERE a.below_line), 0) AS poor_persons_after
        FROM base_results b JOIN alt_results a USING (household_id) JOIN hh h USING (household_id)
        GROUP BY h.village_code ORDER BY h.village_code
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


def differences(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """After `simulate`: the households whose verdicts differ, before and after, by household number."""
    return con.sql(
        """SELECT b.household_id, h.household_no, h.village_code, b.members, b.pc_cents,
          b.below_line AS below_line_before, a.below_line AS below_line_after,
          b.exit_eligible AS exit_eligible_before, a.exit_eligible AS exit_eligible_after,
          b.unmet_mask AS unmet_mask_before, a.unmet_mask AS unmet_mask_after
        FROM base_results b JOIN alt_results a USING (household_id) JOIN hh_all h USING (household_id)
        WHERE b.below_line IS DISTINCT FROM a.below_line OR b.exit_eligible IS DISTINCT FROM a.exit_eligible
          OR b.unmet_mask IS DISTINCT FROM a.unmet_mask
        ORDER BY h.household_no"""
    ).to_arrow_table()
