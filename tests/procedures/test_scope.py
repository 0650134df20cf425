"""The role × URL matrix of procedures (tests/scope.py): a procedure of village A waiting for its
village review, another in its 公示 with an open objection. Whoever cannot read the household gets 404;
readers who may not act get 403; those who may act but send nothing get the service's 400."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from fupin.procedures import services

from ..scope import ROLES, client_for, expect
from .conftest import propose, walk_to

EVERYONE = set(ROLES) - {"anon"}
STARTERS = {"admin", "town", "cadre"}
IN_SCOPE = {
    "admin",
    "town",
    "cadre",
    "leader",
    "auditor",
}  # readers of village A (the helper has no assignment)

EXPECTED = {
    "procedures:work_list": ("GET", "", expect(EVERYONE)),
    "procedures:exit_candidates": ("GET", "", expect(STARTERS, noarea=403)),
    "procedures:start": ("GET", "household", expect(STARTERS, leader=403, auditor=403, denied=404)),
    "procedures:detail": ("GET", "procedure", expect(IN_SCOPE, denied=404)),
    "procedures:act": (
        "POST",
        "procedure",
        expect(IN_SCOPE, ok_status=400, town=403, leader=403, auditor=403, denied=404),
    ),
    "procedures:objection_add": (
        "POST",
        "noticed",
        expect(IN_SCOPE, ok_status=400, leader=403, auditor=403, denied=404),
    ),
    "procedures:objection_resolve": (
        "POST",
        "objection",
        expect(IN_SCOPE, ok_status=400, leader=403, auditor=403, denied=404),
    ),
    "procedures:notice_pdf": ("GET", "notice", expect(IN_SCOPE, denied=404)),
}


@pytest.fixture
def objects(users, make_household, clock):
    first = propose(make_household(members=1, household_no="H-S1"), users, clock)
    second = walk_to(
        propose(make_household(members=1, household_no="H-S2"), users, clock), "notice", users, clock
    )
    start = clock()
    services.act(
        actor=users["cadre"],
        procedure=second,
        step="notice",
        data={
            "start_date": start.isoformat(),
            "end_date": (start + dt.timedelta(days=7)).isoformat(),
            "office": "村委会",
        },
    )
    objection = services.record_objection(
        actor=users["cadre"], procedure=second, text="有异议", received=start
    )
    notice = second.steps.get(code="notice").notice
    return {
        "": {},
        "household": {"household": first.household_id, "kind": "exit"},
        "procedure": {"pk": first.pk},
        "noticed": {"pk": second.pk},
        "objection": {"pk": objection.pk},
        "notice": {"pk": notice.pk},
    }


@pytest.mark.parametrize("role", ROLES)
def test_role_gets_what_the_matrix_says(client, users, objects, role):
    client = client_for(client, users, role)
    wrong = []
    for name, (method, key, table) in EXPECTED.items():
        url = reverse(name, kwargs=objects[key])
        response = client.get(url) if method == "GET" else client.post(url)
        if response.status_code != table[role]:
            wrong.append(f"{method} {name} → {response.status_code}, expected {table[role]}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)
