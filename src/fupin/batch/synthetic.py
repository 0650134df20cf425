"""A synthetic registry of any size, for benchmarks: written in chunks as a Parquet snapshot, or loaded
into the database tables through ADBC bulk ingest.

The profile follows DOMAIN.md §8 loosely (household size 1–6 with a mean near 2.5, about half the
households with labour capacity, many on dibao, incomes around the lines); it is test data, not a
statistical model. Money is integer cents throughout; the snapshot keeps it that way (`*_cents`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from . import layout

SIZES = np.array([1, 2, 3, 4, 5, 6])
SIZE_P = np.array([0.28, 0.27, 0.2, 0.14, 0.08, 0.03])  # mean ≈ 2.5
LABOUR = np.array(["ordinary", "skilled", "lost", "none"])
LABOUR_P = np.array([0.42, 0.08, 0.2, 0.3])
SCHOOL = np.array(["none", "preschool", "primary", "junior", "senior"])
MONEY = ("wages", "business_income", "business_cost", "property_income", "transfer_income", "transfer_cost")
EPOCH = dt.date(1970, 1, 1)
HOUSEHOLDS_PER_VILLAGE = 300


def village_code(n: int) -> str:
    return f"4499{n:08d}"  # outside every real province code (44 + 99…): cannot clash with real areas


def chunks(
    persons: int, year: int, seed: int = 2016, chunk_households: int = 250_000
) -> Iterator[dict[str, pa.Table]]:
    """Tables of about `persons` members in chunks of households (memory stays bounded)."""
    rng = np.random.default_rng(seed)
    households_total = int(persons / float((SIZES * SIZE_P).sum()))
    start = 0
    while start < households_total:
        n = min(chunk_households, households_total - start)
        ids = np.arange(start + 1, start + n + 1, dtype=np.int64)
        sizes = rng.choice(SIZES, size=n, p=SIZE_P)
        villages = (ids - 1) // HOUSEHOLDS_PER_VILLAGE
        households = pa.table(
            {
                "household_id": ids,
                "household_no": pa.array([f"S{i:010d}" for i in ids]),
                "village_code": pa.array([village_code(v) for v in villages]),
                "housing_safe": rng.random(n) < 0.93,
                "water_safe": rng.random(n) < 0.95,
                "status": pa.array(np.where(rng.random(n) < 0.01, "removed", "registered")),
            }
        )
        m = int(sizes.sum())
        member_household = np.repeat(ids, sizes)
        ages = np.clip(rng.gamma(2.2, 20.0, m).astype(np.int64), 0, 95)
        birth = np.datetime64(f"{year}-06-30") - (ages * 365.25 + rng.integers(0, 365, m)).astype(
            "timedelta64[D]"
        )
        labour = rng.choice(LABOUR, size=m, p=LABOUR_P)
        labour = np.where(ages < 16, "none", labour)
        school_age = (ages >= 6) & (ages <= 15)
        school = np.where(
            school_age,
            np.where(rng.random(m) < 0.97, np.where(ages <= 11, "primary", "junior"), "none"),
            "none",
        )
        school = np.where(ages < 6, np.where(rng.random(m) < 0.5, "preschool", "none"), school)
        dibao = rng.random(m) < 0.35
        left = rng.random(m) < 0.02
        members = pa.table(
            {
                "household_id": member_household,
                "labour": pa.array(labour),
                "school_status": pa.array(
                    np.where(ages > 15, np.where(rng.random(m) < 0.05, "senior", "none"), school)
                ),
                "birth_date": pa.array(birth.astype("datetime64[D]")).cast(pa.date32()),
                "medical_insurance": rng.random(m) < 0.97,
                "dibao": dibao,
                "tekun": (~dibao) & (rng.random(m) < 0.1),
                "left_on": pa.array(
                    np.where(left, np.datetime64(f"{year}-03-01"), np.datetime64("NaT")).astype(
                        "datetime64[D]"
                    ),
                    type=pa.date32(),
                ),
            }
        )
        per_capita = rng.normal(6500, 2500, n).clip(500, 30000)
        total = (per_capita * sizes * 100).astype(np.int64)  # cents
        wages = (total * rng.uniform(0.3, 0.7, n)).astype(np.int64)
        transfer = (total * rng.uniform(0.05, 0.2, n)).astype(np.int64)
        cost = (total * rng.uniform(0.05, 0.15, n)).astype(np.int64)
        business = total - wages - transfer + cost
        incomes = pa.table(
            {
                "household_id": ids,
                "year": np.full(n, year, dtype=np.int64),
                "wages_cents": wages,
                "business_income_cents": business,
                "business_cost_cents": cost,
                "property_income_cents": np.zeros(n, dtype=np.int64),
                "transfer_income_cents": transfer,
                "transfer_cost_cents": np.zeros(n, dtype=np.int64),
            }
        )
        yield {"households": households, "members": members, "incomes": incomes}
        start += n


def villages_table(households: int, year: int, seed: int = 2016) -> pa.Table:
    rng = np.random.default_rng(seed + 1)
    count = (households + HOUSEHOLDS_PER_VILLAGE - 1) // HOUSEHOLDS_PER_VILLAGE
    return pa.table(
        {
            "village_code": pa.array([village_code(v) for v in range(count)]),
            "name": pa.array([f"合成村{v:06d}" for v in range(count)]),
            "year": np.full(count, year, dtype=np.int64),
            "registered_population": rng.integers(2000, 20000, count),
            "per_capita_income_cents": rng.integers(500_000, 1_500_000, count),
        }
    )


def write_snapshot(directory: Path, persons: int, year: int = 2016) -> dict[str, int]:
    """A Parquet snapshot of about `persons` members in the layout of `batch.layout` (every table, the
    columns the generator does not model all null), which `engine.register_snapshot` reads."""
    directory.mkdir(parents=True, exist_ok=True)
    writers: dict[str, pq.ParquetWriter] = {}
    counts = {"households": 0, "members": 0, "incomes": 0}
    serial = 0
    try:
        for chunk in chunks(persons, year):
            h, m = chunk["households"], chunk["members"]
            n, k = h.num_rows, m.num_rows
            tables = {
                "households": h.append_column(
                    "identified_year", pa.array(np.full(n, year - 2, dtype=np.int32))
                ),
                "members": m.append_column("member_id", pa.array(np.arange(serial + 1, serial + k + 1))),
                "incomes": chunk["incomes"],
            }
            serial += k
            for name, table in tables.items():
                table = layout.conform(name, table)
                if name not in writers:
                    writers[name] = pq.ParquetWriter(directory / f"{name}.parquet", table.schema)
                writers[name].write_table(table)
                counts[name] += table.num_rows
    finally:
        for writer in writers.values():
            writer.close()
    villages = villages_table(counts["households"], year)
    pq.write_table(
        layout.conform("villages", villages.select(["village_code", "name"])), directory / "villages.parquet"
    )
    pq.write_table(layout.conform("village_years", villages), directory / "village_years.parquet")
    for name in ("designations", "status_changes"):
        pq.write_table(layout.empty(name), directory / f"{name}.parquet")
    return counts


def load_database(adbc_connection, persons: int, year: int = 2016) -> dict[str, int]:
    """Append a synthetic registry to the Django tables of an empty, migrated database (ADBC ingest).

    SQLite keeps Django's decimals as REAL (NUMERIC affinity), so the money columns go in as yuan
    with two decimals; the readers turn them back into exact cents.
    """
    now = dt.datetime(2017, 1, 1, 0, 0, 0).isoformat(" ")
    counts = {"households": 0, "members": 0, "incomes": 0}
    serial = 0
    with adbc_connection.cursor() as raw_cursor:
        cursor = _Ingest(raw_cursor, postgresql=_is_postgresql(adbc_connection))
        for chunk in chunks(persons, year):
            h = chunk["households"]
            n = h.num_rows
            households = pa.table(
                {
                    "id": h["household_id"],
                    "household_no": h["household_no"],
                    "village_id": h["village_code"],
                    "group_id": pa.nulls(n, pa.string()),
                    "attribute": pa.array(["general"] * n),
                    "main_cause": pa.array(["illness"] * n),
                    "other_cause_1": pa.array([""] * n),
                    "other_cause_2": pa.array([""] * n),
                    "identified_year": pa.array([year] * n, pa.int64()),
                    "housing_safe": h["housing_safe"],
                    "water_safe": h["water_safe"],
                    "phone": pa.array([""] * n),
                    "bank_name": pa.array([""] * n),
                    "bank_account": pa.array([""] * n),
                    "status": h["status"],
                    "exit_year": pa.nulls(n, pa.int64()),
                    "version": pa.array([1] * n, pa.int64()),
                    "created_at": pa.array([now] * n),
                    "updated_at": pa.array([now] * n),
                }
            )
            cursor.adbc_ingest("registry_household", households, mode="append")
            m = chunk["members"]
            k = m.num_rows
            ids = np.arange(serial, serial + k)
            serial += k
            members = pa.table(
                {
                    "household_id": m["household_id"],
                    "name": pa.array(["某"] * k),
                    "id_number": pa.array([f"S{i:017d}" for i in ids]),
                    "sex": pa.array(np.where(ids % 2 == 0, "M", "F")),
                    "birth_date": m["birth_date"].cast(pa.string()),
                    "relation": pa.array(["other"] * k),
                    "ethnicity": pa.array(["01"] * k),
                    "education": pa.array([""] * k),
                    "school_status": m["school_status"],
                    "health": pa.array(["healthy"] * k),
                    "labour": m["labour"],
                    "migrant_work": pa.array([""] * k),
                    "work_months": pa.nulls(k, pa.int64()),
                    "medical_insurance": m["medical_insurance"],
                    "pension_insurance": pa.nulls(k, pa.bool_()),
                    "dibao": m["dibao"],
                    "tekun": m["tekun"],
                    "left_on": m["left_on"].cast(pa.string()),
                    "left_reason": pa.array([""] * k),
                    "version": pa.array([1] * k, pa.int64()),
                    "created_at": pa.array([now] * k),
                    "updated_at": pa.array([now] * k),
                }
            )
            cursor.adbc_ingest("registry_member", members, mode="append")
            i = chunk["incomes"]
            incomes = {
                "household_id": i["household_id"],
                "year": i["year"],
                "version": pa.array([1] * n, pa.int64()),
            }
            for col in MONEY:
                incomes[col] = pa.array(i[f"{col}_cents"].to_numpy() / 100)
            cursor.adbc_ingest("registry_income", pa.table(incomes), mode="append")
            for name, table in (("households", h), ("members", m), ("incomes", i)):
                counts[name] += table.num_rows
        villages = villages_table(counts["households"], year)
        areas = pa.table(
            {
                "code": villages["village_code"],
                "name": villages["name"],
                "level": pa.array(["village"] * villages.num_rows),
                "parent_id": pa.nulls(villages.num_rows, pa.string()),
            }
        )
        cursor.adbc_ingest("areas_area", areas, mode="append")
        cursor.adbc_ingest(
            "areas_villageyear",
            pa.table(
                {
                    "village_id": villages["village_code"],
                    "year": villages["year"],
                    "registered_population": villages["registered_population"],
                    "per_capita_income": pa.array(villages["per_capita_income_cents"].to_numpy() / 100),
                }
            ),
            mode="append",
        )
    adbc_connection.commit()
    return counts


def _is_postgresql(adbc_connection) -> bool:
    return "postgres" in str(adbc_connection.adbc_get_info().get("vendor_name", "")).lower()


class _Ingest:
    """`adbc_ingest` that also works on PostgreSQL, whose binary COPY takes no int64 into a smallint,
    no text into a date and no double into a numeric: there the table goes first into a staging table
    of its own Arrow types, then into the Django table with every column cast to the column's type."""

    def __init__(self, cursor, *, postgresql: bool) -> None:
        self.cursor = cursor
        self.postgresql = postgresql
        self.types: dict[str, dict[str, str]] = {}

    def adbc_ingest(self, name: str, table: pa.Table, mode: str = "append") -> None:
        if not self.postgresql:
            self.cursor.adbc_ingest(name, table, mode=mode)
            return
        if name not in self.types:
            self.cursor.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                f"WHERE table_schema = current_schema() AND table_name = '{name}'"
            )
            self.types[name] = dict(self.cursor.fetchall())
        stage = f"fupin_synthetic_{name}"
        self.cursor.adbc_ingest(stage, table, mode="replace")
        columns = table.column_names
        casts = ", ".join(f'CAST("{c}" AS {self.types[name][c]})' for c in columns)
        quoted = ", ".join(f'"{c}"' for c in columns)
        self.cursor.execute(f"INSERT INTO {name} ({quoted}) SELECT {casts} FROM {stage}")
        self.cursor.execute(f"DROP TABLE {stage}")
