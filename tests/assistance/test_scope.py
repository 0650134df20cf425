"""The role × URL matrix of the assistance pages (tests/scope.py), inside and outside each role's scope.

Households: `mine` in village A, assigned to the helper; `neighbour` in village B; `far` in another town.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from fupin.assistance import services

from ..conftest import OTHER_TOWN_VILLAGE, VILLAGE_A, VILLAGE_B
from ..scope import AGGREGATES, MANAGERS, READERS, ROLES, client_for, expect
from .conftest import png

WORKERS = {"admin", "town", "cadre", "helper"}
LEADERS_PAGE = {"admin", "town", "leader", "auditor"}

EXPECTED = {
    "assistance:home": ("GET", "", expect({"helper"})),
    "assistance:coverage": ("GET", "", expect(AGGREGATES, noarea=200)),
    "assistance:helpers": ("GET", "", expect(MANAGERS, noarea=200)),
    "assistance:helper_create": ("GET", "", expect(MANAGERS, noarea=200)),
    "assistance:unit_create": ("GET", "", expect(MANAGERS, noarea=200)),
    "assistance:assign": ("GET", "household", expect(MANAGERS, noarea=404)),
    "assistance:assign_village": ("GET", "village", expect(MANAGERS, noarea=404)),
    "assistance:plan": ("GET", "household", expect(WORKERS, leader=403, auditor=403, denied=404)),
    "assistance:item_state": (
        "POST",
        "item",
        expect(WORKERS, ok_status=302, leader=403, auditor=403, denied=404),
    ),
    "assistance:measure_add": ("GET", "household", expect(WORKERS, leader=403, auditor=403, denied=404)),
    "assistance:visit_add": ("GET", "household", expect(WORKERS | {"leader"}, auditor=403, denied=404)),
    "assistance:photo": ("GET", "photo", expect(READERS, denied=404)),
    "assistance:thumbnail": ("GET", "photo", expect(READERS, denied=404)),
    "assistance:compliance": ("GET", "", expect(LEADERS_PAGE, noarea=200)),
    "assistance:checks": ("GET", "", expect(READERS, noarea=200)),
    "assistance:handbook": ("GET", "household", expect(READERS, noarea=404)),
    "assistance:village_handbook": ("GET", "village", expect(READERS, noarea=404)),
    "assistance:left_behind": ("GET", "", expect(READERS, noarea=200)),
    "assistance:left_behind_refresh": ("POST", "", expect(MANAGERS, ok_status=302, noarea=403)),
}


@pytest.fixture
def world(users, make_household, person, media):
    def build(village):
        household = make_household(village)
        if village == VILLAGE_A:
            services.assign(
                actor=users["admin"], person=person, household=household, start_date=dt.date(2016, 6, 1)
            )
        item = services.add_plan_item(
            actor=users["admin"],
            household=household,
            data={"year": "2017", "kind": "industry", "content": "种姜"},
        )
        measure = services.record_measure(
            actor=users["admin"],
            household=household,
            data={"kind": "consolation", "details": {"items": "大米"}, "start_date": "2017-01-20"},
            photos=[png()],
        )
        return {"household": household, "item": item, "photo": measure.photos.get()}

    return {"mine": build(VILLAGE_A), "neighbour": build(VILLAGE_B), "far": build(OTHER_TOWN_VILLAGE)}


def url_for(name: str, key: str, target: dict) -> str:
    household = target["household"]
    kwargs = {
        "": {},
        "household": {"pk": household.pk},
        "village": {"code": household.village_id},
        "item": {"pk": target["item"].pk},
        "photo": {"pk": target["photo"].pk},
    }[key]
    return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize("role", ROLES)
def test_role_gets_what_the_matrix_says(client, users, world, role):
    client = client_for(client, users, role)
    wrong = []
    for name, (method, key, table) in EXPECTED.items():
        url = url_for(name, key, world["mine"])
        response = client.get(url) if method == "GET" else client.post(url, {"state": "in_progress"})
        if response.status_code != table[role]:
            wrong.append(f"{method} {name} → {response.status_code}, expected {table[role]}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


OUT_OF_SCOPE = {"cadre": "neighbour", "helper": "neighbour", "town": "far", "leader": "far", "auditor": "far"}


@pytest.mark.parametrize("role", sorted(OUT_OF_SCOPE))
def test_records_outside_the_scope_are_not_found(client, users, world, role):
    client = client_for(client, users, role)
    target = world[OUT_OF_SCOPE[role]]
    leaked = []
    for name, (method, key, _table) in EXPECTED.items():
        if key == "":
            continue
        url = url_for(name, key, target)
        response = client.get(url) if method == "GET" else client.post(url, {"state": "completed"})
        body = response.content.decode("utf-8", "replace")
        if response.status_code not in (403, 404) or target["household"].household_no in body:
            leaked.append(f"{method} {name} → {response.status_code}")
    assert not leaked, f"{role} reached records outside its scope:\n" + "\n".join(leaked)
    target["item"].refresh_from_db()
    assert target["item"].state == "planned"
