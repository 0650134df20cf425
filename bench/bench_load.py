"""Web load: locust, headless, against `fupin serve` on the demo town (SQLite; PostgreSQL too with
FUPIN_BENCH_PG set to a postgres:// URL of a server where a database may be created).

    make bench ONLY=load                     # 50 users for 60 s
    .venv/bin/python bench/bench_load.py --users 10 --seconds 20 [--record]

Prints p50/p95/p99 and failures per endpoint from locust's own statistics. Goal (issue 8): p95 < 200 ms,
no error.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
BIN = Path(sys.executable).parent
GOAL_P95_MS = 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "FUPIN_WORK_DIR": str(OUT)}
    subprocess.run([str(BIN / "fupin"), "migrate", "-v0"], check=True, env=env, cwd=OUT)
    subprocess.run([str(BIN / "fupin"), "loaddemo"], check=True, env=env, cwd=OUT, stdout=subprocess.DEVNULL)


def run(url: str, users: int, seconds: int, label: str) -> list[dict]:
    env = {**os.environ, "DATABASE_URL": url, "FUPIN_WORK_DIR": str(OUT)}
    port = _free_port()
    server = subprocess.Popen(
        [str(BIN / "fupin"), "serve", "--port", str(port), "--no-worker"],
        env=env,
        cwd=OUT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.3)
        # Warm up (imports, templates, the connection's pragmas) before measuring.
        for _ in range(3):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=120).read()
        prefix = OUT / f"load-{label}"
        subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(HERE / "locustfile.py"),
                "--headless",
                "-u",
                str(users),
                "-r",
                str(max(1, users // 5)),
                "-t",
                f"{seconds}s",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                str(prefix),
                "--only-summary",
            ],
            check=False,
            cwd=OUT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    with open(f"{prefix}_stats.csv", encoding="utf-8") as stats:
        return list(csv.DictReader(stats))


def table(rows: list[dict]) -> list[str]:
    lines = [
        "| endpoint | requests | failures | p50 ms | p95 ms | p99 ms | p95 goal |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        p95 = float(r["95%"] or 0)
        met = "met" if p95 < GOAL_P95_MS and r["Failure Count"] == "0" else "MISSED"
        lines.append(
            f"| {r['Type']} {r['Name']} | {r['Request Count']} | {r['Failure Count']} | {r['50%']} | "
            f"{r['95%']} | {r['99%']} | {met} |"
        )
    return lines


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--record", action="store_true")
    args, _unknown = parser.parse_known_args(argv)
    OUT.mkdir(exist_ok=True)
    targets = [("SQLite", f"sqlite:///{OUT / 'load-demo.sqlite3'}")]
    if os.environ.get("FUPIN_BENCH_PG"):
        import psycopg

        name = "fupin_bench_load"
        with psycopg.connect(os.environ["FUPIN_BENCH_PG"], autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        targets.append(("PostgreSQL", os.environ["FUPIN_BENCH_PG"].rsplit("/", 1)[0] + "/" + name))
    lines = [
        f"machine: {platform.machine()}, {os.cpu_count()} cores, load before {os.getloadavg()[0]:.2f}; "
        f"{args.users} users, {args.seconds} s, fupin serve (waitress, 8 threads), demo town"
    ]
    for label, url in targets:
        prepare(url)
        rows = run(url, args.users, args.seconds, label)
        lines += ["", f"{label}:", *table(rows)]
    text = "\n".join(lines)
    print(text, flush=True)
    if args.record:
        with (HERE / "RESULTS.md").open("a", encoding="utf-8") as results:
            results.write(
                f"\n## bench_load ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})\n\n{text}\n"
            )


if __name__ == "__main__":
    main(sys.argv[1:])
