"""The role × URL matrix of the reports pages (tests/scope.py): the audit trail is for the
administrator and 审计/纪检 only; village indicators are read by whoever reads aggregates and written by
the town office and the village's cadres."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ..conftest import VILLAGE_A
from ..scope import AGGREGATES, MANAGERS, ROLES, client_for, expect

AUDITORS = {"admin", "auditor"}
OBJECTS = {"": {}, "village_year": {"code": VILLAGE_A, "year": 2017}}

EXPECTED = {
    "reports:audit_list": ("GET", "", expect(AUDITORS)),
    "reports:audit_export": ("GET", "", expect(AUDITORS)),
    "reports:audit_verify": ("POST", "", expect(AUDITORS)),
    # A user without an area sees the page with no village on it.
    "reports:indicator_list": ("GET", "", expect(AGGREGATES, noarea=200)),
    "reports:indicator_export": ("GET", "", expect(AGGREGATES, noarea=200)),
    # An empty upload: the page answers with the form's error (400) to those who may import.
    "reports:indicator_import": ("POST", "", expect(MANAGERS, ok_status=400, noarea=400)),
    "reports:indicator_edit": ("GET", "village_year", expect(MANAGERS, noarea=404)),
    "reports:tables": ("GET", "", expect(AGGREGATES, noarea=200)),
    "reports:dashboard": ("GET", "", expect(AGGREGATES)),  # no area: refused, as the targets page
    "reports:tables_download": ("GET", "", expect(AGGREGATES, noarea=200)),
}


@pytest.mark.parametrize("role", ROLES)
def test_role_gets_what_the_matrix_says(client, users, role):
    client = client_for(client, users, role)
    wrong = []
    for name, (method, key, table) in EXPECTED.items():
        url = reverse(name, kwargs=OBJECTS[key])
        response = client.get(url) if method == "GET" else client.post(url)
        if response.status_code != table[role]:
            wrong.append(f"{method} {name} → {response.status_code}, expected {table[role]}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)
