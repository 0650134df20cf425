"""Shared pieces of the role × URL matrices (`tests/test_scope_matrix.py` and `tests/<app>/test_scope.py`).

An app's matrix is a module-level `EXPECTED: dict[url name, (method, object key, {role: status})]` in
`tests/<app>/test_scope.py`; `app_matrices()` gathers them so one test can require every URL of the
project to be declared somewhere.
"""

from __future__ import annotations

import pkgutil
from importlib import import_module
from pathlib import Path

ROLES = (
    "admin",
    "town",
    "cadre",
    "helper",
    "leader",
    "civil",
    "auditor",
    "evaluator",
    "upper",
    "noarea",
    "anon",
)
READERS = {"admin", "town", "cadre", "helper", "leader", "auditor"}
WRITERS = {"admin", "town", "cadre", "helper"}
MANAGERS = {"admin", "town", "cadre"}
AGGREGATES = READERS | {"upper"}
UNMASKERS = {"admin", "town", "cadre", "helper", "auditor"}


def expect(ok: set[str], *, ok_status: int = 200, denied: int = 403, **special: int) -> dict[str, int]:
    """ok roles get ok_status, anonymous users are sent to log in (302), everyone else gets `denied`."""
    table = {role: (ok_status if role in ok else denied) for role in ROLES}
    table["anon"] = 302
    table.update(special)
    return table


def api(ok: set[str], *, ok_status: int = 200, **special: int) -> dict[str, int]:
    table = expect(ok, ok_status=ok_status, **special)
    table["anon"] = 401  # asked for a token (WWW-Authenticate: Token)
    return table


def client_for(client, users, role: str):
    if role != "anon":
        client.force_login(users[role])
    return client


def app_matrices() -> dict[str, tuple]:
    """Every `EXPECTED` declared by a `tests/<app>/test_scope.py`."""
    declared: dict[str, tuple] = {}
    root = Path(__file__).resolve().parent
    for package in pkgutil.iter_modules([str(root)]):
        if package.ispkg and (root / package.name / "test_scope.py").exists():
            module = import_module(f"tests.{package.name}.test_scope")
            declared.update(getattr(module, "EXPECTED", {}))
    return declared
