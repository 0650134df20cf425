"""The bulk path end to end: read the registry of a year (a locked snapshot where the year is closed,
else the live database), evaluate a policy, return or save the verdicts.

Where the live database is read from: inside the web process on SQLite only through Django's own
connection (a second SQLite library in the process broke the WAL of the live connection, see
`sources`); through ADBC on PostgreSQL (its own server connection) and, on SQLite, only when the caller
says it runs in its own process (`own_process=True`: the commands).

`evaluate` returns an `Evaluation`; its `verdicts` table is the contract other apps read (the shape is
in `engine`), `villages` the per-village figures, `households` the verdicts with what a reader sees.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
from django.db import connection
from django.utils import timezone

from fupin.policy.definition import Policy

from . import engine, snapshot
from .sources import RegistryTables, Scope, read_adbc, read_django
from .writeback import save_assessments


def adbc_usable() -> bool:
    """ADBC opens its own connection: it cannot see an in-memory SQLite database or uncommitted rows."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and (name == ":memory:" or "mode=memory" in name):
        return False
    return not connection.in_atomic_block


def registry_tables(
    year: int, scope: Scope | None = None, *, purpose: str = "engine", own_process: bool = False
) -> RegistryTables:
    adbc = adbc_usable() and not (scope and scope.household_ids_sql)
    if adbc and (own_process or connection.vendor == "postgresql"):
        return read_adbc(connection.settings_dict, year, scope, purpose)
    return read_django(connection, year, scope, purpose)


@dataclass(frozen=True)
class Source:
    """Where the facts of an evaluation came from: a locked snapshot, or the live registry."""

    snapshot_id: int | None = None
    kind: str = ""
    year: int | None = None
    created_at: str = ""

    @property
    def live(self) -> bool:
        return self.snapshot_id is None


LIVE = Source()


@dataclass
class Evaluation:
    policy: Policy
    year: int
    verdicts: pa.Table
    households: pa.Table
    villages: pa.Table
    source: Source


def closed_snapshot(year: int, scope: Scope | None):
    """The locked year-close snapshot that holds the scope for `year`, if the year is closed."""
    from fupin.policy.models import Snapshot

    if scope and scope.household_ids_sql:
        return None
    area = scope.area if scope else None
    candidates = Snapshot.objects.filter(kind="year_close", year=year, locked=True).order_by("-created_at")
    return next((s for s in candidates if s.covers(area)), None)


def _source(record) -> Source:
    created = timezone.localtime(record.created_at).strftime("%Y-%m-%d %H:%M")
    return Source(record.pk, record.kind, record.year, created)


def source_for(year: int, scope: Scope | None) -> Source:
    """Where an evaluation of `year` over `scope` takes its facts from, without evaluating."""
    record = closed_snapshot(year, scope)
    return LIVE if record is None else _source(record)


def _connect_source(year: int, scope: Scope | None, *, own_process: bool, live: bool):
    con = engine.connect()
    record = None if live else closed_snapshot(year, scope)
    if record is not None:
        snapshot.open_verified(record.path, expected_digest=record.manifest_sha256)
        engine.register_snapshot(con, record.path, year, scope.area if scope else None)
        return con, _source(record)
    engine.register(con, registry_tables(year, scope, own_process=own_process), year)
    return con, LIVE


def evaluate(
    policy: Policy, year: int, scope: Scope | None = None, *, own_process: bool = False, live: bool = False
) -> Evaluation:
    con, source = _connect_source(year, scope, own_process=own_process, live=live)
    try:
        verdicts = engine.evaluate(con, policy, year)
        households = engine.display(con)
        villages = engine.evaluate_villages(con, policy, year)
    finally:
        con.close()
    return Evaluation(policy, year, verdicts, households, villages, source)


@dataclass
class Comparison:
    by_village: pa.Table
    villages: pa.Table
    households: pa.Table  # the households whose verdicts differ (engine.differences)
    source: Source


def simulate(
    base: Policy, changed: Policy, year: int, scope: Scope | None = None, *, own_process: bool = False
) -> Comparison:
    con, source = _connect_source(year, scope, own_process=own_process, live=False)
    try:
        by_village, villages = engine.simulate(con, base, changed, year)
        households = engine.differences(con)
    finally:
        con.close()
    return Comparison(by_village, villages, households, source)


def save(evaluation: Evaluation) -> int:
    return save_assessments(
        connection.settings_dict, evaluation.policy.name, evaluation.year, evaluation.households
    )
