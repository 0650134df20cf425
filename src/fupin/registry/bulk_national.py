"""What a national 贫困人口明细 file carries beyond the registry workbook, committed set-based after
`Batch.commit()` in the same transaction:

- 人均纯收入 → `ReportedIncome` of the file's data year (created or updated, with history);
- 饮水困难 → `LivingConditions.water_difficulty` (created or updated, with history);
- 脱贫属性 and 脱贫年度 → the status of a household the file *creates* (with its StatusChange). An
  existing household's status changes only through the registry's own procedures: where the file
  says otherwise it is left as it is and counted (`status_not_applied`).
"""

from __future__ import annotations

from typing import Any

import polars as pl
from django.db import connection

from .bulk import Batch
from .models import Household, LivingConditions, ReportedIncome

STAGE = "fupin_stage_national"
COLUMNS = (
    ("row", "INTEGER"),
    ("household_no", "TEXT"),
    ("per_capita", "NUMERIC(14,2)"),
    ("water_difficulty", "BOOLEAN"),
    ("status", "TEXT"),
    ("exit_year", "INTEGER"),
)
EXIT_REASON = "导入：国家系统记录为已脱贫"
STATUS_REASON = "导入：国家系统记录的脱贫属性"


def stage(batch: Batch, frame: pl.DataFrame) -> None:
    """Stage one row per household (the columns of COLUMNS; `per_capita` as text or Decimal)."""
    temp = "TEMPORARY" if batch.pg else "TEMP"
    batch.execute(f"DROP TABLE IF EXISTS {STAGE}")
    batch.execute(f"CREATE {temp} TABLE {STAGE} ({', '.join(f'{n} {t}' for n, t in COLUMNS)})")
    batch.track_table(STAGE)
    names = [name for name, _type in COLUMNS]
    frame = frame.select([pl.col(n).cast(pl.String) if n == "per_capita" else pl.col(n) for n in names])
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {STAGE} ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})",
            frame.iter_rows(),
        )
    batch.execute(f"CREATE INDEX {STAGE}_no ON {STAGE} (household_no)")


def commit(batch: Batch, year: int) -> dict[str, int]:
    counts = {"reported_incomes_created": 0, "reported_incomes_updated": 0, "conditions_written": 0}
    counts.update(_reported_incomes(batch, year))
    counts["conditions_written"] = _water_difficulty(batch)
    counts.update(_status(batch))
    return counts


def _households(batch: Batch) -> str:
    return f"SELECT n.*, h.id AS household_id FROM {STAGE} n JOIN registry_household h ON h.household_no = n.household_no"


def _reported_incomes(batch: Batch, year: int) -> dict[str, int]:
    m = "fupin_map_reported"
    batch.temp_table(
        m,
        f"SELECT x.household_id, x.per_capita, r.id AS income_id FROM ({_households(batch)}) x "
        "LEFT JOIN registry_reportedincome r ON r.household_id = x.household_id AND r.year = %s "
        "WHERE x.per_capita IS NOT NULL",
        [year],
        index=["household_id"],
    )
    changed = "fupin_changed_reported"
    batch.temp_table(
        changed,
        f"SELECT r.id FROM {m} m JOIN registry_reportedincome r ON r.id = m.income_id "
        f"WHERE {batch.differs('r.per_capita', 'm.per_capita')}",
        index=["id"],
    )
    updated = batch.execute(
        f"UPDATE registry_reportedincome AS r SET per_capita = m.per_capita, version = r.version + 1 "
        f"FROM {m} AS m WHERE r.id = m.income_id AND r.id IN (SELECT id FROM {changed})"
    )
    created = batch.execute(
        "INSERT INTO registry_reportedincome (household_id, year, per_capita, source, version) "
        f"SELECT household_id, %s, per_capita, 'national', 1 FROM {m} WHERE income_id IS NULL "
        "ORDER BY household_id",
        [year],
    )
    if created:
        batch.write_history(
            ReportedIncome,
            f"JOIN {m} m ON m.household_id = r.household_id WHERE m.income_id IS NULL AND r.year = {int(year)}",
            "+",
        )
    if updated:
        batch.write_history(ReportedIncome, f"JOIN {changed} c ON c.id = r.id", "~")
    return {"reported_incomes_created": created, "reported_incomes_updated": updated}


def _water_difficulty(batch: Batch) -> int:
    m = "fupin_map_conditions"
    batch.temp_table(
        m,
        f"SELECT x.household_id, x.water_difficulty, c.id AS conditions_id FROM ({_households(batch)}) x "
        "LEFT JOIN registry_livingconditions c ON c.household_id = x.household_id "
        "WHERE x.water_difficulty IS NOT NULL",
        index=["household_id"],
    )
    changed = "fupin_changed_conditions"
    batch.temp_table(
        changed,
        f"SELECT c.id FROM {m} m JOIN registry_livingconditions c ON c.id = m.conditions_id "
        f"WHERE {batch.differs('c.water_difficulty', 'm.water_difficulty')}",
        index=["id"],
    )
    updated = batch.execute(
        "UPDATE registry_livingconditions AS c SET water_difficulty = m.water_difficulty, "
        f"version = c.version + 1 FROM {m} AS m WHERE c.id = m.conditions_id "
        f"AND c.id IN (SELECT id FROM {changed})"
    )
    blank = {
        f.column: "NULL"
        for f in LivingConditions._meta.concrete_fields
        if f.column not in ("id", "household_id", "water_difficulty", "version")
    }
    created = batch.execute(
        f"INSERT INTO registry_livingconditions (household_id, water_difficulty, version, {', '.join(blank)}) "
        f"SELECT household_id, water_difficulty, 1, {', '.join(_blank_value(c) for c in blank)} FROM {m} "
        "WHERE conditions_id IS NULL ORDER BY household_id"
    )
    if created:
        batch.write_history(
            LivingConditions,
            f"JOIN {m} m ON m.household_id = r.household_id WHERE m.conditions_id IS NULL",
            "+",
        )
    if updated:
        batch.write_history(LivingConditions, f"JOIN {changed} c ON c.id = r.id", "~")
    return created + updated


def _blank_value(column: str) -> str:
    field = next(f for f in LivingConditions._meta.concrete_fields if f.column == column)
    # Choice fields are blank strings, the rest unknown (NULL), as a form leaves them.
    return "''" if field.get_internal_type() == "CharField" else "NULL"


def _status(batch: Batch) -> dict[str, Any]:
    """The status of households this import created; existing households are only counted."""
    m = "fupin_map_status"
    batch.temp_table(
        m,
        f"SELECT x.household_id, x.status, x.exit_year, h.status AS current, mh.is_new FROM ({_households(batch)}) x "
        "JOIN registry_household h ON h.id = x.household_id "
        "JOIN fupin_map_household mh ON mh.household_id = x.household_id WHERE x.status IS NOT NULL",
        index=["household_id"],
    )
    (not_applied,) = batch.rows(f"SELECT COUNT(*) FROM {m} WHERE NOT is_new AND (status <> current)")[0]
    applied = batch.execute(
        "UPDATE registry_household AS r SET status = m.status, exit_year = m.exit_year, updated_at = %s "
        f"FROM {m} AS m WHERE r.id = m.household_id AND m.is_new AND m.status <> 'registered'",
        [batch.stamp()],
    )
    if applied:
        year = "COALESCE(m.exit_year, r.identified_year)"
        batch.execute(
            "INSERT INTO registry_statuschange (household_id, from_status, to_status, year, reason, "
            f"changed_by_id, changed_at) SELECT r.id, 'registered', r.status, {year}, "
            "CASE WHEN r.status = 'exited' THEN %s ELSE %s END, %s, %s "
            f"FROM registry_household r JOIN {m} m ON m.household_id = r.id "
            "WHERE m.is_new AND m.status <> 'registered' ORDER BY r.id",
            [EXIT_REASON, STATUS_REASON, batch.user_id, batch.stamp()],
        )
        batch.write_history(
            Household,
            f"JOIN {m} m ON m.household_id = r.id WHERE m.is_new AND m.status <> 'registered'",
            "~",
            reason=STATUS_REASON,
        )
    return {"statuses_applied": applied, "status_not_applied": int(not_applied)}
