"""Matching a department list against the registry (fupin.monitoring.matching) beside a DuckDB floor.

Synthetic data, generated column-wise with numpy: a registry of `--persons` people (names from common
surnames and given-name characters, birth dates, valid ID numbers) and a list of `--rows` rows: 60 % are
registry people by their number, 1 % registry people with one digit of the number copied wrong, 39 %
strangers. Measured side by side in one run:
- `matching.match`: the number join, the candidate join (birth date + surname + numbers at most two
  characters apart) and the scoring of the candidates in Python;
- the floor: the hand-written DuckDB join on the number alone (what any matching must at least do).
Full size is 10 M × 5 M (`--persons 10000000 --rows 5000000`, ~6 GB of memory); the default is small.
`--record` appends the result to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import resource
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from fupin.monitoring import matching  # noqa: E402

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华建国志红梅玉珍林波斌宇浩凯文辉鹏飞云燕萍春")
WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
CHECK = np.array(list("10X98765432"))
AREAS = np.array(["441882", "441881", "441802", "441821", "441823", "441825", "441826", "441803"])


def id_numbers(rng, birth_days: np.ndarray) -> np.ndarray:
    n = len(birth_days)
    area = AREAS[rng.integers(0, len(AREAS), n)]
    dates = (np.datetime64("1930-01-01") + birth_days.astype("timedelta64[D]")).astype(str)
    ymd = np.char.replace(dates, "-", "")
    seq = np.char.zfill(rng.integers(0, 1000, n).astype(str), 3)
    body = np.char.add(np.char.add(area, ymd), seq)
    digits = np.frombuffer(body.astype("S17").tobytes(), dtype=np.uint8).reshape(n, 17) - ord("0")
    check = CHECK[(digits * WEIGHTS).sum(axis=1) % 11]
    return np.char.add(body, check)


def names(rng, n: int) -> np.ndarray:
    surname = np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)]
    first = np.array(GIVEN)[rng.integers(0, len(GIVEN), n)]
    second = np.array(GIVEN)[rng.integers(0, len(GIVEN), n)]
    two = rng.random(n) < 0.7
    return np.where(two, np.char.add(np.char.add(surname, first), second), np.char.add(surname, first))


def build(persons: int, rows: int, seed: int = 12):
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 80 * 365, persons)
    ids = id_numbers(rng, days)
    births = (np.datetime64("1930-01-01") + days.astype("timedelta64[D]")).astype("datetime64[D]")
    registry = pa.table(
        {
            "member_id": pa.array(np.arange(persons, dtype=np.int64)),
            "household_id": pa.array(np.arange(persons, dtype=np.int64) // 3),
            "name": pa.array(names(rng, persons)),
            "id_number": pa.array(ids),
            "birth_date": pa.array(births, type=pa.date32()),
            "village_name": pa.array(np.full(persons, "昌黎村")),
        }
    )
    known = int(rows * 0.60)
    slips = int(rows * 0.01)
    strangers = rows - known - slips
    pick = rng.choice(persons, known + slips, replace=False)
    list_ids = ids[pick].copy()
    slip_ids = list_ids[known:]
    position = 14
    chars = np.frombuffer(slip_ids.astype("S18").tobytes(), dtype=np.uint8).reshape(slips, 18).copy()
    chars[:, position] = ord("0") + (chars[:, position] - ord("0") + 1) % 10
    list_ids[known:] = np.array([bytes(row).decode() for row in chars]) if slips else list_ids[known:]
    other_days = rng.integers(0, 80 * 365, strangers)
    all_ids = np.concatenate([list_ids, id_numbers(rng, other_days)])
    all_names = np.concatenate([registry["name"].to_numpy(zero_copy_only=False)[pick], names(rng, strangers)])
    all_births = np.concatenate(
        [
            births[pick],
            (np.datetime64("1930-01-01") + other_days.astype("timedelta64[D]")).astype("datetime64[D]"),
        ]
    )
    valid = np.ones(rows, dtype=bool)
    valid[known : known + slips] = False  # a slipped digit fails the check character
    records = pa.table(
        {
            "record_id": pa.array(np.arange(rows, dtype=np.int64)),
            "name": pa.array(all_names),
            "id_number": pc.if_else(pa.array(valid), pa.array(all_ids), pa.scalar("")),
            "id_raw": pa.array(all_ids),
            "birth_date": pa.array(all_births, type=pa.date32()),
            "place": pa.array(np.full(rows, "")),
        }
    )
    return registry, records, known, slips


def floor(registry: pa.Table, records: pa.Table) -> int:
    con = matching.connect()
    con.register("registry", registry)
    con.register("records", records)
    return con.sql(
        "SELECT count(*) FROM records r JOIN registry g ON g.id_number = r.id_number WHERE r.id_number <> ''"
    ).fetchall()[0][0]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--record", action="store_true")
    options = parser.parse_args(argv)
    started = time.perf_counter()
    registry, records, known, slips = build(options.persons, options.rows)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    exact = floor(registry, records)
    floor_s = time.perf_counter() - started
    started = time.perf_counter()
    result = matching.match(registry, records)
    match_s = time.perf_counter() - started
    methods = pc.value_counts(result["method"]).to_pylist()
    by_method = {m["values"]: m["counts"] for m in methods}
    fuzzy_found = by_method.get("fuzzy", 0)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    lines = [
        f"| registry persons | {options.persons:,} |",
        f"| list rows | {options.rows:,} ({known:,} by number, {slips:,} with one digit wrong) |",
        f"| generate (numpy) | {generated:.2f} s |",
        f"| floor: DuckDB join on the number | {floor_s:.2f} s ({exact:,} pairs) |",
        f"| matching.match | {match_s:.2f} s ({by_method.get('id', 0):,} by number, {fuzzy_found:,} by name + birth date) |",
        f"| match / floor | {match_s / floor_s:.1f}× |",
        f"| peak RSS | {rss} MB |",
    ]
    print("\n".join(lines))
    if options.record:
        header = (
            f"\n## Cross-check matching — {dt.date.today()}\n\nMachine: {platform.node() or 'vm'}, "
            f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, DuckDB {duckdb.__version__}. "
            f"Command: `.venv/bin/python bench/bench_matching.py --persons {options.persons} --rows {options.rows} --record`.\n\n"
            "| what | measured |\n|---|---|\n"
        )
        with open(Path(__file__).with_name("RESULTS.md"), "a", encoding="utf-8") as handle:
            handle.write(header + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
