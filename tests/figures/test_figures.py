"""Stored area figures equal a recount of the registry after every kind of registry change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count

from fupin.figures import selectors as figure_selectors
from fupin.figures import services as figure_services
from fupin.figures.models import ExitFigure, VillageFigure
from fupin.registry import services
from fupin.registry.models import Household, Member, StatusChange
from tests.conftest import OTHER_TOWN_VILLAGE, TOWN, VILLAGE_A, VILLAGE_B, member_data


def stored() -> tuple[set, set]:
    return (
        set(VillageFigure.objects.values_list("village_id", "status", "households", "persons")),
        set(ExitFigure.objects.values_list("village_id", "year", "households", "persons")),
    )


def recount() -> tuple[set, set]:
    """The figures counted from scratch, straight from the registry tables (not through the service)."""
    figures = {}
    for h in Household.objects.all():
        key = (h.village_id, h.status)
        households, persons = figures.get(key, (0, 0))
        figures[key] = (households + 1, persons + h.members.filter(left_on__isnull=True).count())
    exits = {}
    pairs = set(
        StatusChange.objects.filter(to_status="exited")
        .exclude(household__status="removed")
        .values_list("household_id", "year")
    )
    for household_id, year in pairs:
        household = Household.objects.get(pk=household_id)
        key = (household.village_id, year)
        households, persons = exits.get(key, (0, 0))
        exits[key] = (households + 1, persons + household.members.filter(left_on__isnull=True).count())
    return (
        {(v, s, h, p) for (v, s), (h, p) in figures.items()},
        {(v, y, h, p) for (v, y), (h, p) in exits.items()},
    )


def check():
    assert stored() == recount()


@pytest.mark.django_db
def test_figures_follow_every_kind_of_registry_change(users, make_household):
    admin = users["admin"]
    check()
    a = make_household(VILLAGE_A, members=3)  # create household
    b = make_household(VILLAGE_B, members=2)
    make_household(OTHER_TOWN_VILLAGE, members=1)
    check()
    assert VillageFigure.objects.get(village_id=VILLAGE_A, status="registered").persons == 3

    new = services.add_member(actor=admin, household=a, data=member_data("之子", name="新生儿"))  # add member
    check()
    new.refresh_from_db()
    services.remove_member(  # remove member
        actor=admin, member=new, on_date=dt.date(2018, 3, 1), reason="death", expected_version=new.version
    )
    check()

    a.refresh_from_db()
    services.set_income(  # income change: no count changes, figures stay equal
        actor=admin,
        household=a,
        data={
            "year": "2017",
            "wages": "9000",
            "business_income": "0",
            "business_cost": "0",
            "property_income": "0",
            "transfer_income": "0",
            "transfer_cost": "0",
        },
    )
    check()

    services.change_status(  # status change: exit
        actor=admin, household=a, to_status="exited", year=2017, reason="达标", expected_version=a.version
    )
    check()
    assert ExitFigure.objects.get(village_id=VILLAGE_A, year=2017).households == 1
    a.refresh_from_db()
    services.change_status(  # and back
        actor=admin, household=a, to_status="returned", year=2018, reason="返贫", expected_version=a.version
    )
    check()

    b.refresh_from_db()
    services.update_household(  # the household's own fields
        actor=admin, household=b, data={**_fields(b), "phone": "13900139000"}, expected_version=b.version
    )
    check()

    Member.objects.get(household=b, relation="spouse").delete()  # a delete outside the services (admin)
    check()
    for related in (b.incomes, b.status_changes, b.members):  # as the demo's reset deletes a town
        related.all().delete()
        check()
    b.delete()
    check()
    assert not VillageFigure.objects.filter(village_id=VILLAGE_B).exists()


def _fields(household: Household) -> dict:
    from tests.conftest import household_data

    data = household_data(household.village_id)
    data["household_no"] = household.household_no
    return data


@pytest.mark.django_db
def test_a_bulk_import_refreshes_the_figures(users, tmp_path):
    from fupin.exchange.pipeline import import_registry
    from tests.exchange.helpers import registry_sheets, write_workbook

    path = write_workbook(tmp_path / "ok.xlsx", registry_sheets(3))
    report = import_registry(path, actor=users["admin"])
    assert report.committed, report.errors
    check()
    assert sum(f.households for f in VillageFigure.objects.all()) == 3


@pytest.mark.django_db
def test_area_sums_equal_the_villages(users, make_household):
    make_household(VILLAGE_A, members=2)
    make_household(VILLAGE_B, members=4)
    other = make_household(OTHER_TOWN_VILLAGE, members=1)
    town = figure_selectors.area_figures(area=TOWN)
    assert town.households == {"registered": 2} and town.persons == {"registered": 6}
    everything = figure_selectors.area_figures(area=None)
    assert everything.total_households == 3 and everything.total_persons == 7
    assert figure_selectors.area_figures(area=OTHER_TOWN_VILLAGE).total_persons == 1
    del other


@pytest.mark.django_db
def test_refresh_repairs_figures_written_around_the_signals(users, make_household):
    a = make_household(VILLAGE_A, members=2)
    Member.objects.filter(household=a, relation="spouse").update(left_on="2019-01-01")  # no signal
    assert stored() != recount()
    figure_services.refresh(area=TOWN)
    check()
    counts = Member.objects.filter(left_on__isnull=True).aggregate(n=Count("pk"))["n"]
    assert figure_selectors.area_figures(area=None).total_persons == counts


@pytest.mark.django_db
def test_the_household_list_total_comes_from_the_figures_within_scope(client, users, make_household):
    from django.urls import reverse

    make_household(VILLAGE_A, members=2)
    make_household(VILLAGE_A, members=1)
    make_household(VILLAGE_B, members=1)
    make_household(OTHER_TOWN_VILLAGE, members=1)

    def total(user, **query):
        client.force_login(users[user])
        response = client.get(reverse("registry:household_list"), query)
        assert response.status_code == 200
        return response.context["total"]

    assert total("town") == 3  # a whole town, no count over the households
    assert total("town", village=VILLAGE_B) == 1
    assert total("town", status="exited") == 0
    assert total("admin") == 4
    assert total("cadre") == 2
    from fupin.registry.views import _list_total

    cadre = users["cadre"]
    assert _list_total(cadre, {"village": VILLAGE_B}, None) == 0  # outside the village: nothing leaks
    assert _list_total(cadre, {"village": TOWN}, None) == 2
    assert total("noarea") == 0
    assert total("town", q="张") is None  # other filters: not from the figures (and not counted)


@pytest.mark.django_db
def test_the_refresh_command_recounts_and_refuses_a_non_code(users, make_household):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    a = make_household(VILLAGE_A, members=2)
    VillageFigure.objects.all().delete()
    call_command("figures", "refresh", "--area", TOWN)
    check()
    with pytest.raises(CommandError):
        call_command("figures", "refresh", "--area", "44%")
    del a
