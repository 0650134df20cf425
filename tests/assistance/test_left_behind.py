"""The 三留守/残疾人 register is derived from the registry and keeps itself current: a parent coming
home ends a child's entry at once, a child turning 16 leaves it at the next check, and both show as
changes with their reason."""

from __future__ import annotations

import datetime as dt

from django.core.management import call_command
from django.urls import reverse

from fupin.assistance import leftbehind
from fupin.assistance.models import LeftBehindEntry
from fupin.registry import services as registry_services

from ..conftest import VILLAGE_A, household_data, make_id_number, member_data

CHILD_BORN = dt.date(2015, 5, 10)  # 16 on 10 May 2031


def family(users, *, mother_away=True):
    """A father and a mother working outside the county, their son (born 2015), a grandmother born 1948."""
    members = [
        member_data(
            "head",
            name="王父",
            migrant_work="省外务工",
            work_months="10",
            id_number=make_id_number(born=dt.date(1978, 1, 2)),
        ),
        member_data(
            "spouse",
            name="李母",
            id_number=make_id_number(male=False, born=dt.date(1980, 3, 4)),
            migrant_work="县外省内务工" if mother_away else "",
            work_months="10" if mother_away else "",
        ),
        member_data(
            "son",
            name="王仔",
            id_number=make_id_number(born=CHILD_BORN),
            labour="无劳动力",
            school_status="初中",
        ),
        member_data(
            "mother",
            name="王婆",
            id_number=make_id_number(male=False, born=dt.date(1948, 6, 1)),
            labour="无劳动力",
            health="残疾",
        ),
    ]
    return registry_services.create_household(
        actor=users["admin"], household=household_data(VILLAGE_A), members=members, incomes=[]
    )


def live(household):
    return sorted(
        (e.member.name, e.kind)
        for e in LeftBehindEntry.objects.filter(
            member__household=household, ended_on__isnull=True
        ).select_related("member")
    )


def test_the_register_is_derived_from_the_registry(users):
    household = family(users)
    assert live(household) == [("王仔", "child"), ("王婆", "disabled"), ("王婆", "elderly")]


def test_a_woman_at_home_whose_husband_works_away_is_left_behind(users):
    household = family(users, mother_away=False)
    # The child still has one parent at home: not a left-behind child; the mother is a left-behind woman.
    assert live(household) == [("李母", "woman"), ("王婆", "disabled")]


def test_a_parent_returning_home_takes_the_child_off_the_register(users):
    household = family(users)
    mother = household.members.get(name="李母")
    data = member_data("spouse", name="李母", id_number=mother.id_number, migrant_work="", work_months="")
    registry_services.update_member(
        actor=users["admin"], member=mother, data=data, expected_version=mother.version
    )
    assert ("王仔", "child") not in live(household)
    ended = LeftBehindEntry.objects.get(member__name="王仔", kind="child")
    assert ended.ended_on == dt.date.today() and "务工状况" in ended.end_reason
    # The elderly woman is no longer alone either (one of the labour-age members is home).
    assert ("王婆", "elderly") not in live(household)


def test_a_child_turning_sixteen_leaves_the_register_at_the_next_check(users):
    household = family(users)
    LeftBehindEntry.objects.all().delete()
    leftbehind.refresh(on=dt.date(2031, 5, 9))
    assert ("王仔", "child") in live(household)
    added, ended = leftbehind.refresh(on=dt.date(2031, 5, 10))
    # The boy is of labour age now: off the register, and his grandmother is no longer alone at home.
    assert (added, ended) == (0, 2)
    entry = LeftBehindEntry.objects.get(member__name="王仔")
    assert entry.ended_on == dt.date(2031, 5, 10) and entry.end_reason == "年满16周岁"
    assert live(household) == [("王婆", "disabled")]


def test_the_register_page_and_the_command(client, users):
    household = family(users)
    LeftBehindEntry.objects.all().delete()
    call_command("leftbehind", "refresh", "--village", VILLAGE_A, "--on", "2024-08-31")
    assert len(live(household)) == 3
    client.force_login(users["cadre"])
    page = client.get(reverse("assistance:left_behind") + "?kind=child").content.decode()
    assert "王仔" in page and "王婆" not in page.split("近90天的变动")[0]
    assert client.get(reverse("assistance:left_behind") + "?kind=x").status_code == 400
    assert client.post(reverse("assistance:left_behind_refresh")).status_code == 302
