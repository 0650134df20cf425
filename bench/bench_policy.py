"""Policy engine benchmark: the compiled policy against (a) plain pandas and (b) one hand-written DuckDB
query of the same rules (the floor), on a Parquet snapshot and on the database.

    make bench ONLY=policy                      # 10 M persons (Parquet) + 1.7 M persons (SQLite)
    .venv/bin/python bench/bench_policy.py --parquet-persons 1000000 --db-persons 0
    ... --record                                # append the figures to bench/RESULTS.md

Generated data stays under bench/out/ (git-ignored) and is reused by later runs. All three
implementations must give the same verdicts on every household; the run stops if they do not.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
YEAR = 2016

import duckdb  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from fupin.batch import engine, synthetic  # noqa: E402
from fupin.batch.sources import adbc_connect, read_adbc  # noqa: E402
from fupin.policy import definition  # noqa: E402

POLICY = definition.load("guangdong-2016")


def timed(label: str, fn, results: dict):
    started = time.perf_counter()
    value = fn()
    results[label] = time.perf_counter() - started
    print(f"  {label:<34} {results[label]:8.2f} s", flush=True)
    return value


# -- (b) the floor: one hand-written query ----------------------------------------------------------


def floor_sql() -> str:
    t = POLICY.thresholds(YEAR)
    line, exit_ = definition.cents(t.poverty_line), definition.cents(t.household_exit_threshold)
    return f"""
    WITH m AS (
      SELECT household_id, count(*) AS n,
        count(*) FILTER (WHERE labour IN ('ordinary', 'skilled')) AS lab,
        count(*) FILTER (WHERE dibao OR tekun) AS cov,
        count(*) FILTER (WHERE medical_insurance) AS ins,
        count(*) FILTER (WHERE date_sub('year', birth_date, DATE '{t.reference_date}') BETWEEN 6 AND 15
                         AND school_status NOT IN ('primary', 'junior', 'senior', 'secondary_vocational')) AS out_
      FROM mem GROUP BY household_id
    ), b AS (
      SELECT h.household_id, h.household_no, h.housing_safe AS hs, h.water_safe AS ws, coalesce(m.n, 0) AS n,
        coalesce(lab, 0) AS lab, coalesce(cov, 0) AS cov, coalesce(ins, 0) AS ins, coalesce(out_, 0) AS out_,
        CASE WHEN m.n > 0 THEN sign(i.disposable_cents) * ((2 * abs(i.disposable_cents) + m.n) // (2 * m.n)) END AS pc
      FROM inc i JOIN hh h USING (household_id) LEFT JOIN m USING (household_id)
    )
    SELECT household_id, household_no, n AS members, pc AS pc_cents,
      coalesce(pc < {line}, false) AS below_line,
      out_ = 0 AND ins = n AND hs AND ws AND CASE WHEN lab > 0 THEN coalesce(pc >= {exit_}, false) ELSE n > 0 AND cov = n END AS exit_eligible,
      concat_ws(';',
        CASE WHEN lab > 0 AND NOT coalesce(pc >= {exit_}, false) THEN 'income' END,
        CASE WHEN lab = 0 AND NOT (n > 0 AND cov = n) THEN 'safety_net' END,
        CASE WHEN out_ > 0 THEN 'education' END,
        CASE WHEN ins <> n THEN 'medical' END,
        CASE WHEN NOT hs THEN 'housing' END,
        CASE WHEN NOT ws THEN 'water' END) AS unmet
    FROM b"""


# -- (a) plain pandas --------------------------------------------------------------------------------


def pandas_assess(households: pd.DataFrame, members: pd.DataFrame, incomes: pd.DataFrame) -> pd.DataFrame:
    t = POLICY.thresholds(YEAR)
    line, exit_ = definition.cents(t.poverty_line), definition.cents(t.household_exit_threshold)
    ref = t.reference_date
    birth = pd.to_datetime(members["birth_date"])
    later = (birth.dt.month > ref.month) | ((birth.dt.month == ref.month) & (birth.dt.day > ref.day))
    age = ref.year - birth.dt.year - later.astype(int)
    flags = pd.DataFrame(
        {
            "household_id": members["household_id"],
            "n": 1,
            "lab": members["labour"].isin(["ordinary", "skilled"]).astype(int),
            "cov": (members["dibao"] | members["tekun"].fillna(False)).astype(int),
            "ins": members["medical_insurance"].astype(int),
            "out_": (age.between(6, 15) & ~members["school_status"].isin(list(t.in_school))).astype(int),
        }
    )
    per_household = flags.groupby("household_id", sort=False).sum()
    frame = incomes.merge(households, on="household_id").merge(per_household, on="household_id", how="left")
    for col in ("n", "lab", "cov", "ins", "out_"):
        frame[col] = frame[col].fillna(0).astype(np.int64)
    d, n = frame["disposable_cents"].to_numpy(), frame["n"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        pc = np.sign(d) * ((2 * np.abs(d) + n) // np.where(n > 0, 2 * n, 1))
    has = n > 0
    income_ok = has & (pc >= exit_)
    capable = frame["lab"].to_numpy() > 0
    net_ok = has & (frame["cov"].to_numpy() == n)
    edu = frame["out_"].to_numpy() == 0
    med = frame["ins"].to_numpy() == n
    hs, ws = frame["housing_safe"].to_numpy(bool), frame["water_safe"].to_numpy(bool)
    result = pd.DataFrame(
        {
            "household_id": frame["household_id"],
            "household_no": frame["household_no"],
            "members": n,
            "pc_cents": pd.Series(np.where(has, pc, 0), index=frame.index).astype("Int64").where(has),
            "below_line": has & (pc < line),
            "exit_eligible": edu & med & hs & ws & np.where(capable, income_ok, net_ok),
        }
    )
    codes = [
        ("income", capable & ~income_ok),
        ("safety_net", ~capable & ~net_ok),
        ("education", ~edu),
        ("medical", ~med),
        ("housing", ~hs),
        ("water", ~ws),
    ]
    unmet = pd.Series([""] * len(frame), index=frame.index, dtype=object)
    for code, mask in codes:
        unmet = unmet.where(~mask, unmet + np.where(unmet == "", "", ";") + code)
    result["unmet"] = unmet
    return result


# -- comparisons ------------------------------------------------------------------------------------


def same_verdicts(a: pa.Table, b: pa.Table | pd.DataFrame, label: str) -> None:
    con = duckdb.connect()
    con.register("a", a)
    con.register("b", b)
    diff = con.execute(
        """SELECT count(*) FROM a FULL JOIN b USING (household_id)
        WHERE a.household_id IS NULL OR b.household_id IS NULL OR a.members <> b.members
        OR a.pc_cents IS DISTINCT FROM b.pc_cents OR a.below_line <> b.below_line
        OR a.exit_eligible <> b.exit_eligible OR coalesce(a.unmet, '') <> coalesce(b.unmet, '')"""
    ).fetchone()[0]
    if diff:
        raise SystemExit(f"{label}: {diff} households differ from the engine")


def run_parquet(persons: int, results: dict) -> dict:
    snapshot = OUT / f"snapshot-{persons}"
    if not (snapshot / "villages.parquet").exists():
        counts = timed(
            "generate Parquet snapshot", lambda: synthetic.write_snapshot(snapshot, persons, YEAR), results
        )
    else:
        counts = {"members": pq.ParquetFile(snapshot / "members.parquet").metadata.num_rows}
    print(f"  snapshot: {counts['members']:,} persons in {snapshot.relative_to(ROOT)}", flush=True)

    con = engine.connect()
    engine.register_parquet(con, str(snapshot), YEAR)
    ours = timed(
        "parquet: engine (compiled policy)",
        lambda: engine.evaluate(con, POLICY, YEAR, ordered=False),
        results,
    )
    floor = timed(
        "parquet: hand-written DuckDB query", lambda: con.sql(floor_sql()).to_arrow_table(), results
    )
    con.close()

    def with_pandas():
        households = pd.read_parquet(
            snapshot / "households.parquet",
            columns=["household_id", "household_no", "housing_safe", "water_safe", "status"],
        )
        households = households[households["status"] != "removed"].drop(columns="status")
        members = pd.read_parquet(snapshot / "members.parquet")
        members = members[members["left_on"].isna()]
        incomes = pd.read_parquet(snapshot / "incomes.parquet")
        incomes = incomes[incomes["year"] == YEAR]
        incomes = pd.DataFrame(
            {
                "household_id": incomes["household_id"],
                "disposable_cents": incomes["wages_cents"]
                + incomes["business_income_cents"]
                - incomes["business_cost_cents"]
                + incomes["property_income_cents"]
                + incomes["transfer_income_cents"]
                - incomes["transfer_cost_cents"],
            }
        )
        return pandas_assess(households, members, incomes)

    panda = timed("parquet: pandas", with_pandas, results)
    same_verdicts(ours, floor, "parquet floor")
    same_verdicts(ours, panda, "parquet pandas")
    print(f"  households assessed: {ours.num_rows:,}; verdicts identical in all three", flush=True)
    return {"persons": counts["members"], "households": ours.num_rows}


def run_database(persons: int, results: dict) -> dict:
    path = OUT / f"registry-{persons}.sqlite3"
    settings_dict = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}
    if not path.exists():

        def build():
            env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
            subprocess.run(
                [sys.executable, "-m", "fupin.cli", "migrate", "-v0"], check=True, env=env, cwd=OUT
            )
            with adbc_connect(settings_dict) as conn:
                return synthetic.load_database(conn, persons, YEAR)

        timed("generate database (migrate + ingest)", build, results)
    tables = timed("db: read via ADBC (shared)", lambda: read_adbc(settings_dict, YEAR), results)
    print(f"  database: {tables.persons:,} persons on register in {path.relative_to(ROOT)}", flush=True)

    def ours_fn():
        con = engine.connect()
        engine.register(con, tables)
        return engine.evaluate(con, POLICY, YEAR, ordered=False)

    def floor_fn():
        con = engine.connect()
        engine.register(con, tables)
        return con.sql(floor_sql()).to_arrow_table()

    ours = timed("db: engine (compiled policy)", ours_fn, results)
    floor = timed("db: hand-written DuckDB query", floor_fn, results)

    def pandas_fn():
        import sqlite3

        conn = sqlite3.connect(path)
        households = pd.read_sql(
            "SELECT id AS household_id, household_no, housing_safe, water_safe FROM registry_household WHERE status <> 'removed'",
            conn,
        )
        members = pd.read_sql(
            """SELECT household_id, labour, school_status, birth_date, medical_insurance, dibao, tekun
            FROM registry_member WHERE left_on IS NULL""",
            conn,
        )
        incomes = pd.read_sql(
            f"""SELECT household_id, CAST(round(wages * 100) AS INTEGER) + CAST(round(business_income * 100) AS INTEGER)
            - CAST(round(business_cost * 100) AS INTEGER) + CAST(round(property_income * 100) AS INTEGER)
            + CAST(round(transfer_income * 100) AS INTEGER) - CAST(round(transfer_cost * 100) AS INTEGER)
            AS disposable_cents FROM registry_income WHERE year = {YEAR}""",
            conn,
        )
        conn.close()
        for frame, cols in (
            (households, ("housing_safe", "water_safe")),
            (members, ("medical_insurance", "dibao", "tekun")),
        ):
            for col in cols:
                frame[col] = frame[col].fillna(0).astype(bool)
        return pandas_assess(households, members, incomes)

    panda = timed("db: pandas (read_sql + rules)", pandas_fn, results)
    same_verdicts(ours, floor, "db floor")
    same_verdicts(ours, panda, "db pandas")

    from fupin.batch.writeback import save_assessments

    timed(
        "db: write verdicts back (ADBC)",
        lambda: save_assessments(settings_dict, POLICY.name, YEAR, ours),
        results,
    )
    print(f"  households assessed: {ours.num_rows:,}; verdicts identical in all three", flush=True)
    return {"persons": tables.persons, "households": ours.num_rows}


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{platform.node()}: {os.cpu_count()} cores ({cpu}), {memory}; Python {platform.python_version()}, DuckDB {duckdb.__version__}, pandas {pd.__version__}, pyarrow {pa.__version__}"


def ratios(results: dict, prefix: str) -> str:
    ours = results.get(f"{prefix}: engine (compiled policy)")
    floor = results.get(f"{prefix}: hand-written DuckDB query")
    panda = results.get(
        f"{prefix}: pandas" if prefix == "parquet" else f"{prefix}: pandas (read_sql + rules)"
    )
    if not (ours and floor and panda):
        return ""
    return (
        f"engine/floor = {ours / floor:.2f}× (goal ≤ 1.5×); pandas/engine = {panda / ours:.1f}× (goal > 1×)"
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_policy")
    parser.add_argument(
        "--parquet-persons", type=int, default=int(os.environ.get("BENCH_PARQUET_PERSONS", 10_000_000))
    )
    parser.add_argument("--db-persons", type=int, default=int(os.environ.get("BENCH_DB_PERSONS", 1_700_000)))
    parser.add_argument("--record", action="store_true", help="append the figures to bench/RESULTS.md")
    args, _unknown = parser.parse_known_args(argv)
    OUT.mkdir(exist_ok=True)
    results: dict[str, float] = {}
    sizes = {}
    print(machine(), flush=True)
    if args.parquet_persons:
        print(f"Parquet snapshot, {args.parquet_persons:,} persons, year {YEAR}:", flush=True)
        sizes["parquet"] = run_parquet(args.parquet_persons, results)
        print("  " + ratios(results, "parquet"), flush=True)
    if args.db_persons:
        print(f"SQLite database, {args.db_persons:,} persons, year {YEAR}:", flush=True)
        sizes["db"] = run_database(args.db_persons, results)
        print("  " + ratios(results, "db"), flush=True)
    if args.record:
        lines = [
            "",
            f"## Policy engine — {dt.date.today().isoformat()}",
            "",
            f"Machine: {machine()}.",
            f"Command: `.venv/bin/python bench/bench_policy.py {' '.join(argv)}` (also `make bench ONLY=policy`).",
            "Policy guangdong-2016, year 2016; the three implementations give identical verdicts on every household.",
            "",
            "| step | seconds |",
            "|---|---:|",
            *[f"| {label} | {seconds:.2f} |" for label, seconds in results.items()],
            "",
        ]
        for key, label in (("parquet", "Parquet"), ("db", "SQLite")):
            if key in sizes:
                lines.append(
                    f"- {label}: {sizes[key]['persons']:,} persons, {sizes[key]['households']:,} households assessed; {ratios(results, key)}"
                )
        with open(HERE / "RESULTS.md", "a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        print("recorded in bench/RESULTS.md", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
