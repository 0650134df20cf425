"""Writing bulk verdicts back to the database in one set-based step (ADBC bulk ingest + INSERT … SELECT)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pyarrow as pa

from .sources import adbc_connect, dialect_of


def save_assessments(settings_dict: dict[str, Any], policy: str, year: int, results: pa.Table) -> int:
    """Replace the stored verdicts of (policy, year) with `results` (the engine's household table)."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,39}", policy):
        raise ValueError(f"not a policy name: {policy!r}")
    year = int(year)
    dialect = dialect_of(settings_dict)
    stage = results.select(["household_id", "members", "pc_cents", "below_line", "exit_eligible", "unmet"])
    now = dt.datetime.now(dt.UTC)
    if dialect == "postgresql":
        at = f"'{now.isoformat()}'::timestamptz"
        # numeric division is exact; the result has exactly two decimals.
        per_capita = "CAST(CAST(pc_cents AS numeric) / 100 AS numeric(14, 2))"
    else:
        # Django stores decimals in SQLite with NUMERIC affinity (a REAL here) and quantizes on read.
        at = f"'{now.replace(tzinfo=None).isoformat(' ')}'"
        per_capita = "pc_cents / 100.0"
    with adbc_connect(settings_dict) as conn:
        with conn.cursor() as cursor:
            cursor.adbc_ingest("policy_assessment_stage", stage, mode="replace", temporary=True)
            cursor.execute(f"DELETE FROM policy_assessment WHERE policy = '{policy}' AND year = {year}")
            cursor.execute(
                f"""INSERT INTO policy_assessment (policy, year, household_id, members, per_capita_income,
                below_line, exit_eligible, unmet, assessed_at)
                SELECT '{policy}', {year}, household_id, members, {per_capita}, below_line, exit_eligible,
                coalesce(unmet, ''), {at} FROM policy_assessment_stage"""
            )
            cursor.execute("DROP TABLE policy_assessment_stage")
        conn.commit()
    return stage.num_rows
