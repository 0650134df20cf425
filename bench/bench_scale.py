"""Province scale for the web: searches, whole-area pages and the household list on a synthetic
registry, on SQLite and (with FUPIN_BENCH_PG, a postgres:// URL of a server where a database may be
created) on PostgreSQL.

    make bench ONLY=scale                         # 1.7 M persons (FUPIN_BENCH_SCALE_PERSONS to change)
    .venv/bin/python bench/bench_scale.py --persons 20000 [--record]

Each database is built once into bench/out (migrate, ADBC ingest of `batch.synthetic`, the stored
figures recounted — timed), then a child process with DATABASE_URL pointing at it times, median of
`--repeat` runs after one warm-up: each search through `registry.selectors.household_list` (the list's
first page, 51 rows, as the page fetches it) and each page through Django's test client, signed in as
an administrator (the whole registry) and as a town office (one town of the synthetic province).
Goals (issue 8): ID number and household number < 20 ms, any name < 200 ms, each page < 200 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
ROOT = HERE.parent
GOALS_MS = {"search": 20, "name": 200, "page": 200}


def build(url: str, persons: int) -> float:
    """Migrate and load the synthetic registry into `url`; returns seconds spent."""
    env = {**os.environ, "DATABASE_URL": url, "FUPIN_WORK_DIR": str(OUT)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "fupin.cli", "migrate", "-v0"], check=True, env=env, cwd=OUT)
    subprocess.run(
        [sys.executable, __file__, "--child", "load", "--persons", str(persons)], check=True, env=env, cwd=OUT
    )
    return time.perf_counter() - started


def child_setup():
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    import django

    django.setup()


def child_load(persons: int) -> None:
    child_setup()
    from django.db import connection

    from fupin.batch import synthetic
    from fupin.batch.sources import adbc_connect
    from fupin.figures import services

    with adbc_connect(connection.settings_dict) as conn:
        counts = synthetic.load_database(conn, persons, 2016)
    started = time.perf_counter()
    services.refresh()
    counts["figures_seconds"] = round(time.perf_counter() - started, 2)
    print(json.dumps(counts), flush=True)


def _median_ms(fn, repeat: int) -> float:
    fn()  # warm-up (caches, the connection's pragmas)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def child_measure(repeat: int) -> None:
    child_setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from fupin.areas.models import Area
    from fupin.core.models import User
    from fupin.core.roles import Role
    from fupin.registry.models import Household, Member
    from fupin.registry.selectors import household_list

    setup_test_environment()
    persons = Member.objects.count()
    town_code = Household.objects.order_by("pk").values_list("village_id", flat=True).first()[:9]
    Area.objects.get_or_create(code=town_code, defaults={"name": "基准镇", "level": "town"})
    admin, _ = User.objects.get_or_create(username="bench-admin", defaults={"role": Role.ADMIN})
    town, _ = User.objects.get_or_create(
        username="bench-town", defaults={"role": Role.TOWN_OFFICE, "area_id": town_code}
    )
    sample = Member.objects.order_by("pk")[persons // 2]
    household = Household.objects.get(pk=sample.household_id)

    def search(user, text):
        return lambda: list(household_list(user=user, search=text)[:51])

    rows = []
    for label, text, goal in [
        ("search: full ID number", sample.id_number, "search"),
        ("search: last 6 of an ID number", sample.id_number[-6:], "search"),
        ("search: last 4 of an ID number", sample.id_number[-4:], "search"),
        ("search: household number", household.household_no, "search"),
        ("search: a name matching everyone", sample.name, "name"),
    ]:
        for who, user in (("admin", admin), ("town", town)):
            rows.append((f"{label} ({who})", _median_ms(search(user, text), repeat), GOALS_MS[goal]))

    client = Client()
    for who, user in (("admin", admin), ("town", town)):
        client.force_login(user)
        for path in ("/households/", "/villages/", "/policy/targets/", "/policy/villages/"):

            def get(path=path):
                response = client.get(path)
                assert response.status_code in (200, 403), (path, response.status_code)

            if path == "/policy/villages/":
                # The first view evaluates the area and stores its rows; later views read them.
                from fupin.figures.models import VillageVerdict

                VillageVerdict.objects.all().delete()
                started = time.perf_counter()
                get()
                first = (time.perf_counter() - started) * 1000
                rows.append((f"page {path} ({who}), first view", first, GOALS_MS["page"]))
            rows.append((f"page {path} ({who})", _median_ms(get, repeat), GOALS_MS["page"]))
    print(json.dumps({"vendor": connection.vendor, "persons": persons, "rows": rows}), flush=True)


def run(url: str, persons: int, repeat: int) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "FUPIN_WORK_DIR": str(OUT)}
    # A database kept from an earlier run gets this code's migrations first.
    subprocess.run([sys.executable, "-m", "fupin.cli", "migrate", "-v0"], check=True, env=env, cwd=OUT)
    out = subprocess.run(
        [sys.executable, __file__, "--child", "measure", "--repeat", str(repeat)],
        check=True,
        env=env,
        cwd=OUT,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def databases(persons: int) -> list[tuple[str, str, bool]]:
    """(label, url, exists) of each database to measure."""
    path = OUT / f"scale-{persons}.sqlite3"
    found = [("SQLite", f"sqlite:///{path}", path.exists())]
    pg = os.environ.get("FUPIN_BENCH_PG")
    if pg:
        name = f"fupin_bench_scale_{persons}"
        import psycopg

        with psycopg.connect(pg, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
        found.append(("PostgreSQL", pg.rsplit("/", 1)[0] + "/" + name, bool(exists)))
    return found


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--persons", type=int, default=int(os.environ.get("FUPIN_BENCH_SCALE_PERSONS", "1700000"))
    )
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--record", action="store_true")
    parser.add_argument("--child", choices=["load", "measure"])
    args, _unknown = parser.parse_known_args(argv)
    if args.child == "load":
        child_load(args.persons)
        return
    if args.child == "measure":
        child_measure(args.repeat)
        return
    OUT.mkdir(exist_ok=True)
    lines = [f"machine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}"]
    for label, url, exists in databases(args.persons):
        if not exists:
            seconds = build(url, args.persons)
            lines.append(
                f"{label}: built {args.persons:,} persons in {seconds:.1f} s (migrate, ingest, figures)"
            )
        result = run(url, args.persons, args.repeat)
        lines.append(f"\n{label}, {result['persons']:,} persons, median of {args.repeat} (ms):")
        lines.append("| what | ms | goal | |\n|---|---:|---:|---|")
        for what, ms, goal in result["rows"]:
            lines.append(f"| {what} | {ms:.1f} | < {goal} | {'met' if ms < goal else 'MISSED'} |")
    text = "\n".join(lines)
    print(text, flush=True)
    if args.record:
        with (HERE / "RESULTS.md").open("a", encoding="utf-8") as results:
            results.write(
                f"\n## bench_scale ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})\n\n{text}\n"
            )


if __name__ == "__main__":
    main(sys.argv[1:])
