"""The role × URL matrix of the reports pages (tests/scope.py): the audit trail is for the
administrator and 审计/纪检 only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ..scope import ROLES, client_for, expect

AUDITORS = {"admin", "auditor"}

EXPECTED = {
    "reports:audit_list": ("GET", "", expect(AUDITORS)),
    "reports:audit_export": ("GET", "", expect(AUDITORS)),
    "reports:audit_verify": ("POST", "", expect(AUDITORS)),
}


@pytest.mark.parametrize("role", ROLES)
def test_role_gets_what_the_matrix_says(client, users, role):
    client = client_for(client, users, role)
    wrong = []
    for name, (method, _key, table) in EXPECTED.items():
        url = reverse(name)
        response = client.get(url) if method == "GET" else client.post(url)
        if response.status_code != table[role]:
            wrong.append(f"{method} {name} → {response.status_code}, expected {table[role]}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)
