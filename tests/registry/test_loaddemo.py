"""`fupin loaddemo` writes the demo town through the registry's write paths (`registry.bulk`,
`registry.services`), once.

One test on purpose: loading the town takes several seconds, and every step (load, cross-check,
second run, reset) needs the loaded database.
"""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from fupin.areas.models import Area, VillageYear
from fupin.assistance.models import HelperAssignment
from fupin.batch import demo_town
from fupin.core import audit
from fupin.core.models import AuditEvent, User
from fupin.registry.models import Household, Income, LivingConditions, Member, StatusChange

TOWN = demo_town.TOWN_CODE


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("loaddemo", *args, stdout=out)
    return out.getvalue()


def town_counts() -> dict[str, int]:
    households = Household.objects.filter(village__code__startswith=TOWN)
    return {
        "villages": Area.objects.filter(code__startswith=TOWN, level="village").count(),
        "households": households.count(),
        "members": Member.objects.filter(household__in=households, left_on__isnull=True).count(),
        "incomes": Income.objects.filter(household__in=households).count(),
        "conditions": LivingConditions.objects.filter(household__in=households).count(),
        "village_years": VillageYear.objects.filter(village__code__startswith=TOWN).count(),
    }


def exited_persons() -> dict[int, int]:
    members = Member.objects.filter(
        household__village__code__startswith=TOWN, household__exit_year__isnull=False
    )
    return dict(Counter(members.values_list("household__exit_year", flat=True)))


def check_loaded(town: demo_town.DemoTown, loads: int = 1) -> None:
    assert town_counts() == {
        "villages": 21,
        "households": 1466,
        "members": 3608,
        "incomes": 1466 * 5,
        "conditions": 1466,
        "village_years": 21 * 5,
    }
    assert exited_persons() == town.exits_by_year()
    town_user = User.objects.get(username="demo_town")
    exits = StatusChange.objects.filter(household__village__code__startswith=TOWN, to_status="exited")
    assert exits.count() == sum(1 for h in town.households if h.exit_year)
    assert set(exits.values_list("changed_by", flat=True)) == {town_user.pk}
    assert sorted(exits.values_list("household__household_no", "year", "reason")) == sorted(
        (h.household_no, e.year, e.reason)
        for h in town.households
        for e in h.events
        if e.to_status == "exited"
    )
    registered = StatusChange.objects.filter(
        household__village__code__startswith=TOWN, to_status="registered"
    )
    assert registered.count() == 1466
    returned = Household.objects.filter(village__code__startswith=TOWN, status="returned")
    assert returned.count() == sum(1 for h in town.households if h.status == "returned")
    # History and audit trail were written for the batch like for single saves (and stay after a reset).
    changes = exits.count() + returned.count()
    assert Household.history.filter(history_type="+", history_user=town_user).count() == 1466 * loads
    assert Household.history.filter(history_type="~", history_user=town_user).count() == changes * loads
    assert Member.history.filter(history_type="+", history_user=town_user).count() == 3608 * loads
    assert Income.history.filter(history_type="+").count() == 1466 * 5 * loads
    assert LivingConditions.history.filter(history_type="+", history_user=town_user).count() == 1466 * loads
    assert (
        AuditEvent.objects.filter(object_type="registry.Income", action="create").count() == 1466 * 5 * loads
    )
    assert AuditEvent.objects.filter(object_type="registry.Member", action="create").count() == 3608 * loads
    assert (
        AuditEvent.objects.filter(object_type="registry.Household", action="update").count()
        == changes * loads
    )
    assert audit.verify().ok
    helper = User.objects.get(username="demo_helper")
    assigned = HelperAssignment.objects.filter(helper=helper, end_date__isnull=True)
    assert assigned.count() == 10
    assert set(assigned.values_list("household__village_id", flat=True)) == {demo_town.CADRE_VILLAGE}


@pytest.mark.slow
@pytest.mark.django_db
def test_loaddemo_loads_once_and_reset_reloads():
    town = demo_town.generate()
    out = run()
    check_loaded(town)
    assert "http://127.0.0.1:8000" in out and demo_town.DEMO_PASSWORD in out
    for user in town.users:
        assert user.username in out
        stored = User.objects.get(username=user.username)
        assert (stored.role, stored.area_id, stored.is_active) == (user.role, user.area, True)
    passwords = set(User.objects.filter(username__startswith="demo_").values_list("password", flat=True))
    assert len(passwords) == 1
    assert User.objects.get(username="demo_cadre").check_password(demo_town.DEMO_PASSWORD)

    try:
        from fupin.policy import definition, selectors
    except ImportError:  # the policy engine is optional here
        pass
    else:
        policy = definition.load("guangdong-2016")
        for year in demo_town.EXIT_YEARS:
            # The test database holds only the demo town, so the whole registry is the town.
            assert selectors.recorded_exits_not_eligible(policy, year) == [], year

    events, history = AuditEvent.objects.count(), Household.history.count()
    again = run()
    assert "已经加载" in again and "http://127.0.0.1:8000" in again
    assert (AuditEvent.objects.count(), Household.history.count()) == (events, history)
    check_loaded(town)

    reloaded = run("--reset")
    assert "已清除星子镇原有的 1466 户" in reloaded
    check_loaded(town, loads=2)
    assert Household.history.filter(history_type="-").count() == 1466
    assert AuditEvent.objects.filter(object_type="registry.Household", action="delete").count() == 1466


@pytest.mark.django_db
def test_loaddemo_refuses_a_town_with_other_households(make_household):
    make_household()  # a household of 昌黎村 that is not part of the demo
    with pytest.raises(CommandError, match="--reset"):
        run()
    assert Household.objects.count() == 1
