"""The small town the command and page tests share."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fupin.areas.models import VillageYear
from fupin.registry import services

from ..conftest import VILLAGE_A, VILLAGE_B, income_data


@pytest.fixture
def town(users, make_household):
    admin = users["admin"]
    poor = make_household(VILLAGE_A, members=2, household_no="H-POOR")
    services.set_income(
        actor=admin,
        household=poor,
        data=income_data(2016, wages="3000", business_income="0", business_cost="0", transfer_income="0"),
        expected_version=1,
    )
    rich = make_household(VILLAGE_A, members=2, household_no="H-RICH")  # 10000 / 2 = 5000.00
    exited = make_household(
        VILLAGE_B, members=1, household_no="H-EXIT", incomes=(2016,)
    )  # 10000 per capita, one labour-capable member
    services.change_status(
        actor=admin,
        household=exited,
        to_status="exited",
        year=2016,
        reason="达标",
        expected_version=exited.version,
    )
    VillageYear.objects.create(
        village_id=VILLAGE_A, year=2016, registered_population=40, per_capita_income=Decimal("7000.00")
    )
    VillageYear.objects.create(
        village_id=VILLAGE_B, year=2016, registered_population=100, per_capita_income=Decimal("8707.32")
    )
    return {"poor": poor, "rich": rich, "exited": exited}


@pytest.fixture
def baseline(town, users):
    """The locked baseline snapshot of the town (its households were identified in 2016)."""
    from fupin.policy.services import create_snapshot

    return create_snapshot(actor=users["admin"], year=2016, kind="baseline", lock=True)
