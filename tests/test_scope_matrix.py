"""Role × URL matrix: every URL the project defines, asked for by every role, in scope and out of scope.

This file declares the URLs of the first slice (registry, villages, policy, exchange, API); every later
app declares its own in `tests/<app>/test_scope.py` (an `EXPECTED` of the same shape, checked there
against that app's objects), and `test_every_url_is_in_the_matrix` requires each URL to be declared in
one of them.

`EXPECTED` declares, for every named URL, what each role gets for an object inside its scope. The
test enumerating the URL resolver fails when a URL is added without being declared here, so the
matrix always covers every URL. A second pass asks for objects *outside* each role's scope and
expects 403/404 — never the data — and a third posts as every role that may not write and checks
the household is unchanged.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from fupin.areas.models import VillageYear
from fupin.assistance.models import HelperAssignment
from fupin.exchange.models import ImportJob

from .conftest import OTHER_TOWN_VILLAGE, VILLAGE_A, VILLAGE_B
from .scope import (
    AGGREGATES,
    MANAGERS,
    READERS,
    ROLES,
    UNMASKERS,
    WRITERS,
    api,
    app_matrices,
    client_for,
    expect,
)

# name → (method, kwargs key, expected status per role). Kwargs keys are resolved by `objects`.
EXPECTED: dict[str, tuple[str, str, dict[str, int]]] = {
    "home": ("GET", "", expect(set(ROLES) - {"anon"}, ok_status=302, civil=200, evaluator=200)),
    "login": ("GET", "", {role: 200 for role in ROLES}),
    "logout": ("POST", "", {role: 302 for role in ROLES}),
    "set_language": ("POST", "", {role: 302 for role in ROLES}),
    "admin:index": ("GET", "", expect({"admin"}, denied=302)),
    "favicon": ("GET", "", {role: 200 for role in ROLES}),
    # Registry pages
    "registry:household_list": ("GET", "", expect(READERS, noarea=200)),
    "registry:household_create": ("GET", "", expect(MANAGERS)),
    "registry:member_row": ("GET", "", expect(MANAGERS)),
    "registry:household_detail": ("GET", "household", expect(READERS, denied=404)),
    "registry:household_unmask": (
        "POST",
        "household",
        expect(UNMASKERS, leader=403, civil=404, evaluator=404, upper=404, noarea=404),
    ),
    "registry:household_edit": ("GET", "household", expect(WRITERS, leader=403, auditor=403, denied=404)),
    "registry:conditions_edit": ("GET", "household", expect(WRITERS, leader=403, auditor=403, denied=404)),
    "registry:change_head": ("GET", "household", expect(WRITERS, leader=403, auditor=403, denied=404)),
    "registry:member_add": ("GET", "household", expect(WRITERS, leader=403, auditor=403, denied=404)),
    "registry:member_edit": ("GET", "member", expect(WRITERS, leader=403, auditor=403, denied=404)),
    "registry:member_remove": ("GET", "member", expect(WRITERS, leader=403, auditor=403, denied=404)),
    "registry:income_add": ("GET", "household", expect(WRITERS, leader=403, auditor=403, denied=404)),
    "registry:income_edit": ("GET", "income", expect(WRITERS, leader=403, auditor=403, denied=404)),
    # Villages
    "areas:village_list": ("GET", "", expect(AGGREGATES, noarea=200)),
    "areas:village_create": ("GET", "", expect({"admin", "town"})),
    "areas:village_detail": ("GET", "village", expect(AGGREGATES, noarea=404)),
    "areas:village_year_add": ("GET", "village", expect(MANAGERS, civil=404, evaluator=404, noarea=404)),
    "areas:village_year_edit": (
        "GET",
        "village_year",
        expect(MANAGERS, civil=404, evaluator=404, noarea=404),
    ),
    # Policy pages
    "policy:village_table": ("GET", "", expect(AGGREGATES)),
    "policy:targets": ("GET", "", expect(AGGREGATES)),
    "policy:whatif": ("GET", "", expect(AGGREGATES)),
    "policy:whatif_result": ("GET", "", expect(AGGREGATES)),
    "policy:household_explain": ("GET", "household", expect(READERS, denied=404)),
    "policy:household_explain_api": ("GET", "household", expect(READERS, denied=404)),
    # Exchange
    "exchange:import": ("GET", "", expect({"admin", "town", "cadre"})),
    "exchange:import_job": ("GET", "job", expect({"admin", "town"}, denied=404)),
    "exchange:import_progress": ("GET", "job", expect({"admin", "town"}, ok_status=204, denied=404)),
    "exchange:import_report": ("GET", "job", expect(set(), denied=404)),
    "exchange:import_marked": ("GET", "job", expect(set(), denied=404)),
    "exchange:template": ("GET", "", expect(set(ROLES) - {"anon"})),
    "exchange:export": ("GET", "", expect(READERS, noarea=200)),
    # API
    "api-schema": ("GET", "", api(set(ROLES) - {"anon"})),
    "api-village-list": ("GET", "", api(AGGREGATES, noarea=200)),
    "api-village-detail": ("GET", "village", api(AGGREGATES, noarea=404)),
    "api-household-list": ("GET", "", api(READERS, noarea=200)),
    "api-household-detail": ("GET", "household", api(READERS, noarea=404)),
    "api-member-list": ("GET", "", api(READERS, noarea=200)),
    "api-member-detail": ("GET", "member", api(READERS, noarea=404)),
    "api-income-list": ("GET", "", api(READERS, noarea=200)),
    "api-income-detail": ("GET", "income", api(READERS, noarea=404)),
}

# Request data some URLs need to be well-formed (the matrix checks permissions, not validation).
PARAMS = {"registry:member_row": {"index": "1"}, "registry:household_unmask": {"field": "phone"}}


def ask(client, name: str, method: str, url: str):
    if method == "GET":
        return client.get(url, PARAMS.get(name, {}))
    if name.startswith("api-"):
        return client.post(url, "{}", content_type="application/json")
    return client.post(url, PARAMS.get(name, {}))


# URL names that exist only as machinery of a declared page (Django admin's model pages are covered by
# admin:index and tests/core/test_audit.py; the API root lists the declared endpoints).
NOT_PAGES = {"api-root"}


def all_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}{pattern.name}")

    walk(get_resolver().url_patterns, "")
    return {n for n in names if not n.startswith("admin:")} | {"admin:index"}


def test_every_url_is_in_the_matrix():
    declared = set(EXPECTED) | set(app_matrices())
    undeclared = sorted(all_url_names() - declared - NOT_PAGES)
    assert not undeclared, f"URLs missing from the scope matrix: {undeclared}"
    stale = sorted(declared - all_url_names())
    assert not stale, f"matrix entries for URLs that no longer exist: {stale}"


@pytest.fixture
def world(users, make_household, areas):
    """Households in village A (assigned to the helper), village B and another town; one import job."""
    mine = make_household(VILLAGE_A)
    HelperAssignment.objects.create(helper=users["helper"], household=mine, start_date=dt.date(2016, 6, 1))
    neighbour = make_household(VILLAGE_B)
    far = make_household(OTHER_TOWN_VILLAGE)
    for code in (VILLAGE_A, VILLAGE_B, OTHER_TOWN_VILLAGE):
        VillageYear.objects.create(village_id=code, year=2016, registered_population=2000)
    job = ImportJob.objects.create(
        user=users["town"],
        filename="x.xlsx",
        directory="none",
        source="none",
        status="invalid",
        finished_at=dt.datetime(2016, 12, 1, tzinfo=dt.UTC),
    )
    return {"mine": mine, "neighbour": neighbour, "far": far, "job": job}


def kwargs_for(key: str, household, job) -> dict:
    member = household.members.get(relation="head")
    return {
        "": {},
        "household": {"pk": household.pk},
        "member": {"pk": household.pk, "member_pk": member.pk},
        "income": {"pk": household.pk, "year": 2016},
        "village": {"code": household.village_id},
        "village_year": {"code": household.village_id, "year": 2016},
        "job": {"pk": job.pk},
    }[key]


def url_for(name: str, key: str, household, job) -> str:
    kwargs = kwargs_for(key, household, job)
    if name.startswith("api-member-detail"):
        kwargs = {"pk": kwargs["member_pk"]} if "member_pk" in kwargs else kwargs
    if name.startswith("api-income-detail"):
        kwargs = {"pk": household.incomes.get(year=2016).pk}
    if name.startswith("api-village-detail"):
        kwargs = {"code": household.village_id}
    return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize("role", ROLES)
def test_role_gets_what_the_matrix_says(client, users, world, role):
    client = client_for(client, users, role)
    wrong = []
    # Logging out ends the session the other requests need: it goes last.
    for name, (method, key, table) in sorted(EXPECTED.items(), key=lambda item: item[0] == "logout"):
        url = url_for(name, key, world["mine"], world["job"])
        response = ask(client, name, method, url)
        if response.status_code != table[role]:
            wrong.append(f"{method} {name} → {response.status_code}, expected {table[role]}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


# For each role, a household it must not reach: the neighbour village for village-level roles, another
# town for town-level roles. The administrator reaches everything.
OUT_OF_SCOPE = {"cadre": "neighbour", "helper": "neighbour", "town": "far", "leader": "far", "auditor": "far"}


@pytest.mark.parametrize("role", sorted(OUT_OF_SCOPE))
def test_records_outside_the_scope_are_not_found(client, users, world, role):
    client = client_for(client, users, role)
    target = world[OUT_OF_SCOPE[role]]
    head = target.members.get(relation="head")
    leaked = []
    for name, (method, key, _table) in EXPECTED.items():
        if key not in {"household", "member", "income", "village", "village_year"}:
            continue
        url = url_for(name, key, target, world["job"])
        response = ask(client, name, method, url)
        body = response.content.decode("utf-8", "replace")
        if response.status_code not in (403, 404) or target.household_no in body or head.name in body:
            leaked.append(f"{method} {name} → {response.status_code}")
    assert not leaked, f"{role} reached records outside its scope:\n" + "\n".join(leaked)


READING_URLS = {"registry:household_detail", "registry:household_unmask"}
WRITE_URLS = [
    n for n in EXPECTED if n.startswith("registry:") and EXPECTED[n][1] != "" and n not in READING_URLS
]


@pytest.mark.parametrize("role", ["leader", "auditor", "upper", "civil", "evaluator", "noarea", "cadre_b"])
def test_read_only_and_outside_roles_cannot_write(client, users, world, role):
    client = client_for(client, users, role)
    household = world["mine"]
    before = (household.version, household.members.count(), household.incomes.count(), household.status)
    for name in WRITE_URLS:
        url = url_for(name, EXPECTED[name][1], household, world["job"])
        response = client.post(
            url, {"version": household.version, "reason": "x", "to_status": "exited", "year": "2016"}
        )
        assert response.status_code in (403, 404), f"{role} POST {name} → {response.status_code}"
    household.refresh_from_db()
    after = (household.version, household.members.count(), household.incomes.count(), household.status)
    assert after == before
