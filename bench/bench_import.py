"""Import of the registry workbook at province scale: 1,000,000 members (400,000 households, one
income year) into SQLite and into PostgreSQL, beside the floor — the time python-calamine takes
merely to read the same file.

    .venv/bin/python bench/bench_import.py [--households N] [--skip-pg] [--record]

The workbook is generated once under bench/out/ (git-ignored) and reused. Each measurement runs in
its own process so its peak resident memory (ru_maxrss: Python objects, calamine's sheet and the
database driver together) is its own. `--record` appends the table to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
PYTHON = sys.executable
PG_SERVER = os.environ.get("FUPIN_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
TOWNS = [
    "441882100",
    "441882101",
    "441882102",
    "441882103",
    "441882104",
    "441882105",
    "441882106",
    "441882107",
    "441882109",
    "441882118",
    "441882200",
    "441882201",
]
SIZES = (3, 2, 3, 2)  # members per household, in turn: 2.5 on average


def _check_digit(base17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(base17, weights, strict=True)) % 11]


def id_number(i: int, female: bool) -> str:
    """The i-th of a million distinct valid numbers: (birth day, serial) is a bijection of i."""
    day = dt.date(1940, 1, 1) + dt.timedelta(days=(i % 25_000) * 7919 % 25_000)
    serial = (i // 25_000) * 20 + (2 if female else 1)
    base = f"441882{day:%Y%m%d}{serial:03d}"
    return base + _check_digit(base)


def generate(path: Path, households: int) -> dict[str, int]:
    """The registry workbook with `households` households, written in constant memory."""
    import xlsxwriter

    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    import django

    django.setup()
    from fupin.exchange.schema import HOUSEHOLDS, INCOMES, MEMBERS, VILLAGES

    villages = [f"{TOWNS[v % len(TOWNS)]}{200 + v // len(TOWNS):03d}" for v in range(600)]
    tmp = path.with_suffix(".tmp.xlsx")
    book = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_numbers": False})
    counts = {}
    ws = book.add_worksheet(VILLAGES.name)
    ws.write_row(0, 0, VILLAGES.headers)
    for r, code in enumerate(villages, start=1):
        ws.write_row(r, 0, [code, f"测试村{r}", 2016, 1500 + r, 7000.5])
    counts["村"] = len(villages)
    causes = ["因病", "因残", "因学", "缺资金", "缺技术", "缺劳力"]
    relations = ["配偶", "之子", "之女"]
    hh = book.add_worksheet(HOUSEHOLDS.name)
    hh.write_row(0, 0, HOUSEHOLDS.headers)
    mm = book.add_worksheet(MEMBERS.name)
    mm.write_row(0, 0, MEMBERS.headers)
    person = 0
    member_row = 0
    for h in range(households):
        number = f"H{h:08d}"
        size = SIZES[h % len(SIZES)]
        head = id_number(person, False)
        hh.write_row(
            h + 1,
            0,
            [
                number,
                villages[h % len(villages)],
                f"{h % 9 + 1}组",
                f"户主{h}",
                head,
                "一般贫困户" if h % 3 else "低保贫困户",
                causes[h % 6],
                causes[(h + 1) % 6] if h % 2 else "",
                2014 + h % 3,
                "是",
                "是" if h % 4 else "否",
                f"138{h:08d}",
                "连州农商银行",
                f"62284800{h:011d}",
            ],
        )
        for k in range(size):
            member_row += 1
            mm.write_row(
                member_row,
                0,
                [
                    number,
                    f"户主{h}" if k == 0 else f"成员{h}_{k}",
                    head if k == 0 else id_number(person, k % 2 == 1),
                    "户主" if k == 0 else relations[k - 1],
                    "汉族" if h % 5 else "瑶族",
                    "初中",
                    "非在校生" if k < 2 else "小学",
                    "健康" if h % 7 else "长期慢性病",
                    "普通劳动力" if k < 2 else "无劳动力",
                    "县外省内务工" if k == 0 else "",
                    10 if k == 0 else "",
                    "是",
                    "是" if k < 2 else "",
                    "否",
                    "否",
                ],
            )
            person += 1
    counts["户"], counts["成员"] = households, member_row
    ii = book.add_worksheet(INCOMES.name)
    ii.write_row(0, 0, INCOMES.headers)
    for h in range(households):
        ii.write_row(h + 1, 0, [f"H{h:08d}", 2016, 6000 + h % 1000, 3000.5, 1000, 0, 2400.25, 0])
    counts["收入"] = households
    book.close()
    tmp.rename(path)
    return counts


def _phase_floor(path: Path) -> dict:
    import python_calamine

    started = time.perf_counter()
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    rows = cells = 0
    for name in book.sheet_names:
        for values in book.get_sheet_by_name(name).iter_rows():
            rows += 1
            cells += len(values)
    return {"seconds": time.perf_counter() - started, "rows": rows, "cells": cells}


def _phase_import(path: Path, audit_households: bool) -> dict:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    import django

    django.setup()
    from django.db import connection

    from fupin.core.models import AuditEvent
    from fupin.exchange.pipeline import import_registry
    from fupin.registry.models import Member

    marks: dict[str, float] = {}
    started = time.perf_counter()

    def progress(stage: str, done: int, total: int | None) -> None:
        marks.setdefault(stage, time.perf_counter() - started)

    report = import_registry(path, progress=progress, audit_households=audit_households)
    seconds = time.perf_counter() - started
    assert report.ok and report.committed, report.errors[:5]
    return {
        "seconds": seconds,
        "vendor": connection.vendor,
        "members": Member.objects.count(),
        "audit_entries": AuditEvent.objects.count(),
        "marks": marks,
        "changes": report.changes,
    }


def _run_phase(args: list[str], env: dict[str, str] | None = None) -> dict:
    output = subprocess.run(
        [PYTHON, __file__, *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def _migrate(env: dict[str, str]) -> None:
    subprocess.run([str(ROOT / ".venv/bin/fupin"), "migrate", "-v0"], check=True, env={**os.environ, **env})


def _measure_sqlite(path: Path, audit_households: bool) -> dict:
    db = OUT / "bench_exchange_import.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    env = {"DATABASE_URL": f"sqlite:///{db}"}
    _migrate(env)
    result = _run_phase(["--phase", "import", str(path), *(["--household-audit"] * audit_households)], env)
    result["db_bytes"] = db.stat().st_size
    return result


def _measure_pg(path: Path, audit_households: bool) -> dict:
    import psycopg

    name = f"bench_exchange_import_{os.getpid()}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        env = {"DATABASE_URL": f"{PG_SERVER}/{name}"}
        _migrate(env)
        return _run_phase(["--phase", "import", str(path), *(["--household-audit"] * audit_households)], env)
    finally:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.node()} · {cpu or platform.processor()} · {os.cpu_count()} cores · Python {platform.python_version()}"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_import")
    parser.add_argument("--households", type=int, default=400_000)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--household-audit", action="store_true", help="one audit entry per household too")
    parser.add_argument("--record", action="store_true", help="append the results to bench/RESULTS.md")
    parser.add_argument("--phase", choices=["floor", "import"], help=argparse.SUPPRESS)
    parser.add_argument("file", nargs="?", type=Path, help=argparse.SUPPRESS)
    args, _unknown = parser.parse_known_args(argv)

    if args.phase:
        result = (
            _phase_floor(args.file)
            if args.phase == "floor"
            else _phase_import(args.file, args.household_audit)
        )
        usage = resource.getrusage(resource.RUSAGE_SELF)
        result["peak_rss_mb"] = usage.ru_maxrss / 1024
        result["cpu_seconds"] = usage.ru_utime + usage.ru_stime
        result["load"] = os.getloadavg()[0]
        print(json.dumps(result, ensure_ascii=False))
        return

    OUT.mkdir(exist_ok=True)
    path = OUT / f"registry_{args.households}.xlsx"
    if not path.exists():
        started = time.perf_counter()
        counts = generate(path, args.households)
        print(f"generated {path.name}: {counts} in {time.perf_counter() - started:.0f} s", flush=True)
    size_mb = path.stat().st_size / 1e6
    floor = _run_phase(["--phase", "floor", str(path)])
    print(
        f"floor (calamine read): {floor['seconds']:.1f} s, {floor['rows']} rows, peak {floor['peak_rss_mb']:.0f} MB"
    )
    rows = [("calamine read (floor)", floor, None)]
    audit_households = args.household_audit
    if not args.skip_sqlite:
        sqlite = _measure_sqlite(path, audit_households)
        print(
            f"SQLite import: {sqlite['seconds']:.1f} s ({sqlite['seconds'] / floor['seconds']:.1f}× floor), "
            f"peak {sqlite['peak_rss_mb']:.0f} MB, marks {sqlite['marks']}",
            flush=True,
        )
        rows.append(("import → SQLite", sqlite, sqlite["seconds"] / floor["seconds"]))
    if not args.skip_pg:
        pg = _measure_pg(path, audit_households)
        print(
            f"PostgreSQL import: {pg['seconds']:.1f} s ({pg['seconds'] / floor['seconds']:.1f}× floor), "
            f"peak {pg['peak_rss_mb']:.0f} MB, marks {pg['marks']}",
            flush=True,
        )
        rows.append(("import → PostgreSQL", pg, pg["seconds"] / floor["seconds"]))
    if args.record:
        _record(path, size_mb, rows, floor, audit_households)


def _record(path: Path, size_mb: float, rows: list, floor: dict, audit_households: bool) -> None:
    lines = [
        "",
        f"## Registry workbook import — {dt.date.today():%Y-%m-%d} (column-wise cleaning, commit in one short transaction)",
        "",
        f"Machine: {_machine()}. Command: `.venv/bin/python bench/bench_import.py --record`"
        + (" --household-audit" if audit_households else "")
        + f". File: `bench/out/{path.name}` ({size_mb:.0f} MB; {floor['rows']:,} worksheet rows).",
        "",
        "| run | seconds | × floor | CPU s (this process) | load avg | peak RSS (MB) | notes |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for label, result, ratio in rows:
        note = ""
        if "members" in result:
            marks = result["marks"]
            note = (
                f"{result['members']:,} members; read+clean+stage {marks.get('check', 0):.0f} s, "
                f"cross-row checks {marks.get('commit', 0) - marks.get('check', 0):.0f} s, "
                f"commit with history {marks.get('audit', 0) - marks.get('commit', 0):.0f} s, "
                f"audit entry, drop staging and COMMIT {result['seconds'] - marks.get('audit', 0):.0f} s "
                f"({result['audit_entries']:,} audit entries)"
            )
        ratio_text = "1.0" if ratio is None else f"{ratio:.1f}"
        lines.append(
            f"| {label} | {result['seconds']:.1f} | {ratio_text} | {result['cpu_seconds']:.0f} | "
            f"{result['load']:.1f} | {result['peak_rss_mb']:.0f} | {note} |"
        )
    with open(HERE / "RESULTS.md", "a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    print("recorded in bench/RESULTS.md")


if __name__ == "__main__":
    main(sys.argv[1:])
