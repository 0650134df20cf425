"""The bulk path end to end: read the registry of a year, evaluate a policy, return or save verdicts."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
from django.db import connection

from fupin.policy.definition import Policy

from . import engine
from .sources import Scope, read_adbc, read_django
from .writeback import save_assessments


def adbc_usable() -> bool:
    """ADBC opens its own connection: it cannot see an in-memory SQLite database or uncommitted rows."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and (name == ":memory:" or "mode=memory" in name):
        return False
    return not connection.in_atomic_block


def registry_tables(year: int, scope: Scope | None = None, via: str = "auto") -> engine.RegistryTables:
    if via == "auto":
        via = "adbc" if adbc_usable() and not (scope and scope.household_ids_sql) else "django"
    if via == "adbc":
        return read_adbc(connection.settings_dict, year, scope)
    return read_django(connection, year, scope)


@dataclass
class Evaluation:
    policy: Policy
    year: int
    households: pa.Table
    villages: pa.Table


def evaluate(policy: Policy, year: int, scope: Scope | None = None, via: str = "auto") -> Evaluation:
    tables = registry_tables(year, scope, via)
    con = engine.connect()
    try:
        engine.register(con, tables)
        households = engine.evaluate(con, policy, year)
        villages = engine.evaluate_villages(con, policy, year)
    finally:
        con.close()
    return Evaluation(policy, year, households, villages)


def simulate(base: Policy, changed: Policy, year: int, scope: Scope | None = None, via: str = "auto"):
    tables = registry_tables(year, scope, via)
    con = engine.connect()
    try:
        engine.register(con, tables)
        return engine.simulate(con, base, changed, year)
    finally:
        con.close()


def save(evaluation: Evaluation) -> int:
    return save_assessments(
        connection.settings_dict, evaluation.policy.name, evaluation.year, evaluation.households
    )
