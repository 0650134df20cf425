from decimal import Decimal

import pytest

from fupin.core import audit
from fupin.registry import services
from fupin.registry.models import Household, Member

from .conftest import VILLAGE_A, household_data, member_data


def test_create_household_writes_members_income_history_and_audit(make_household):
    household = make_household(members=3)
    assert household.members.count() == 3
    assert household.incomes.get(year=2016).per_capita(3) == Decimal("3333.33")
    assert household.history.count() == 1
    assert household.status_changes.get().to_status == "registered"
    assert audit.verify().ok


def test_second_head_is_refused_and_nothing_saved(users, areas):
    with pytest.raises(services.ValidationFailed) as failure:
        services.create_household(
            actor=users["admin"],
            household=household_data(VILLAGE_A),
            members=[member_data("head"), member_data("户主")],
        )
    assert [p.code for p in failure.value.problems] == ["head_multiple"]
    assert Household.objects.count() == 0 and Member.objects.count() == 0
