"""The benchmark's floor stays honest: on a synthetic snapshot, the hand-written lean query of
bench/bench_policy.py gives exactly the engine's verdicts (else the benchmark would compare the engine
with something else), and the synthetic snapshot has the layout the engine reads."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from fupin.batch import engine, layout, synthetic
from fupin.policy import definition

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_policy.py"


def bench_module():
    spec = importlib.util.spec_from_file_location("bench_policy", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_synthetic_snapshot_has_the_layout(tmp_path):
    counts = synthetic.write_snapshot(tmp_path, 5_000, 2016)
    assert counts["members"] > 4_000
    for table in layout.TABLES:
        assert pq.read_schema(tmp_path / f"{table}.parquet") == layout.SCHEMAS[table]


def test_the_lean_query_gives_the_engines_verdicts(tmp_path):
    bench = bench_module()
    synthetic.write_snapshot(tmp_path, 20_000, 2016)
    con = engine.connect()
    engine.register_snapshot(con, tmp_path, 2016)
    ours = engine.evaluate(con, definition.load(bench.POLICY_NAME), 2016)
    lean = duckdb.connect().sql(bench.lean_sql(str(tmp_path), 2016)).to_arrow_table()
    columns = list(bench.VERDICT_COLUMNS)
    key = [("household_id", "ascending")]
    assert ours.select(columns).sort_by(key).equals(lean.select(columns).sort_by(key))
    # The data exercises every branch: households below the line, eligible, and each unmet condition.
    masks = set(ours["unmet_mask"].to_pylist())
    assert any(ours["below_line"].to_pylist()) and any(ours["exit_eligible"].to_pylist())
    for bit in (1, 2, 4, 8, 16, 32):
        assert any(m & bit for m in masks if m), bit


def test_the_memory_limit_is_sized_to_the_memory_the_process_may_use(monkeypatch, tmp_path):
    monkeypatch.delenv("FUPIN_DUCKDB_MEMORY", raising=False)
    limit = tmp_path / "memory.max"
    monkeypatch.setattr(engine, "CGROUP_LIMITS", (str(limit),))
    limit.write_text("max\n")  # no container limit: the machine's memory
    machine = engine.machine_memory()
    assert engine.memory_limit() == f"{max(1, int(machine * 0.6 / 2**30))}GB"
    limit.write_text(f"{10 * 2**30}\n")  # a container of 10 GB
    assert engine.memory_limit() == "6GB"
    monkeypatch.setenv("FUPIN_DUCKDB_MEMORY", "3GB")
    assert engine.memory_limit() == "3GB"
    con = engine.connect()
    assert con.execute("SELECT current_setting('memory_limit')").fetchall() == [("2.7 GiB",)]  # 3 GB
