"""The policy's village table from stored rows equals a fresh evaluation after registry changes."""

from __future__ import annotations

import pytest

from fupin.batch import runner
from fupin.batch.sources import Scope
from fupin.figures import verdicts
from fupin.figures.models import VillageVerdict
from fupin.policy import definition
from fupin.policy.selectors import village_rows
from fupin.registry import services
from tests.conftest import TOWN, VILLAGE_A, VILLAGE_B

YEAR = 2016


def fresh(policy, area):
    return village_rows(runner.evaluate(policy, YEAR, Scope(area=area) if area else None))


def evaluated_areas(policy):
    calls = []

    def compute(area):
        calls.append(area)
        return fresh(policy, area)

    return calls, compute


@pytest.mark.django_db
def test_stored_village_rows_follow_registry_changes(users, make_household):
    policy = definition.load("guangdong-2016")
    a = make_household(VILLAGE_A, members=3)
    make_household(VILLAGE_B, members=2)

    calls, compute = evaluated_areas(policy)
    first = verdicts.village_rows(policy, YEAR, TOWN, compute)
    assert first == fresh(policy, TOWN) and calls  # computed once...
    calls.clear()
    assert verdicts.village_rows(policy, YEAR, TOWN, compute) == first
    assert calls == []  # ...then read from the stored rows

    income = a.incomes.get(year=YEAR)
    services.set_income(
        actor=users["admin"],
        household=a,
        data={
            "year": str(YEAR),
            "wages": "90000",
            "business_income": "0",
            "business_cost": "0",
            "property_income": "0",
            "transfer_income": "0",
            "transfer_cost": "0",
        },
        expected_version=income.version,
    )
    assert not VillageVerdict.objects.filter(village_id=VILLAGE_A).exists()
    assert VillageVerdict.objects.filter(village_id=VILLAGE_B).exists()
    after = verdicts.village_rows(policy, YEAR, TOWN, compute)
    assert calls == [VILLAGE_A]  # only the changed village is evaluated again
    assert after == fresh(policy, TOWN)
    assert after != first

    a.refresh_from_db()
    services.change_status(
        actor=users["admin"],
        household=a,
        to_status="exited",
        year=YEAR,
        reason="达标",
        expected_version=a.version,
    )
    assert not VillageVerdict.objects.filter(village_id=VILLAGE_A).exists()
    assert verdicts.village_rows(policy, YEAR, TOWN, compute) == fresh(policy, TOWN)


@pytest.mark.django_db
def test_the_village_table_page_reads_stored_rows(client, users, make_household):
    make_household(VILLAGE_A, members=2)
    client.force_login(users["town"])
    assert client.get("/policy/villages/", {"year": YEAR}).status_code == 200
    stored = VillageVerdict.objects.filter(village__code__startswith=TOWN).count()
    assert stored >= 2
    assert client.get("/policy/villages/", {"year": YEAR}).status_code == 200
    assert VillageVerdict.objects.filter(village__code__startswith=TOWN).count() == stored
