"""Coverage, leadership visit compliance (with the quarter boundaries), the one-year visit warning, the
notice's checks and the accountability counts, on built data; and the two commands' exact columns."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from fupin.assistance import selectors, services
from fupin.assistance.models import HelperAssignment, LeaderDuty, Visit
from fupin.registry import services as registry_services

from ..conftest import VILLAGE_A, VILLAGE_B


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_coverage_counts_registered_poor_persons_with_and_without_a_helper(users, mine, make_household):
    make_household(VILLAGE_A, members=2)  # no helper
    exited = make_household(VILLAGE_B, members=4)
    registry_services.change_status(
        actor=users["town"],
        household=exited,
        to_status="exited",
        year=2017,
        reason="达标",
        expected_version=exited.version,
    )
    rows = {r["village_code"]: r for r in selectors.coverage_rows(village="441882101")}
    assert rows[VILLAGE_A] == {
        "village_code": VILLAGE_A,
        "name": "昌黎村",
        "registered_poor_persons": 5,
        "persons_with_helper": 3,
        "persons_without_helper": 2,
    }
    assert rows[VILLAGE_B]["registered_poor_persons"] == 0  # exited households are not counted


def test_an_ended_assignment_no_longer_covers(users, mine):
    assignment = HelperAssignment.objects.get(household=mine)
    services.end_assignment(actor=users["town"], assignment=assignment, end_date=dt.date(2017, 1, 1))
    row = selectors.coverage_rows(village=VILLAGE_A)[0]
    assert (row["persons_with_helper"], row["persons_without_helper"]) == (0, 3)


def test_coverage_command_has_exactly_the_contract_columns(users, mine):
    text = run("coverage", "--village", VILLAGE_A, "--format", "csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "village_code",
        "name",
        "registered_poor_persons",
        "persons_with_helper",
        "persons_without_helper",
    ]
    assert rows[1] == [VILLAGE_A, "昌黎村", "3", "3", "0"]
    data = json.loads(run("coverage", "--village", VILLAGE_A, "--format", "json"))
    assert data == [
        {
            "village_code": VILLAGE_A,
            "name": "昌黎村",
            "registered_poor_persons": 3,
            "persons_with_helper": 3,
            "persons_without_helper": 0,
        }
    ]


@pytest.fixture
def leaders(users, django_user_model):
    team = django_user_model.objects.create_user(
        username="secretary", password="x", role="leader", area_id="441882101", full_name="镇党委书记"
    )
    responsible = django_user_model.objects.create_user(
        username="deputy", password="x", role="leader", area_id="441882101", full_name="分管副镇长"
    )
    services.set_leader_duty(actor=users["town"], user=team, duty="team", start_date=dt.date(2016, 1, 1))
    services.set_leader_duty(
        actor=users["town"], user=responsible, duty="responsible", start_date=dt.date(2016, 1, 1)
    )
    return team, responsible


def visit(user, household, day):
    return services.record_visit(
        actor=user, household=household, data={"visited_on": day, "found": "了解生产情况"}
    )[0]


def test_visit_compliance_counts_visits_inside_the_quarter_only(users, mine, leaders):
    team, responsible = leaders
    visit(team, mine, dt.date(2017, 1, 5))
    visit(team, mine, dt.date(2017, 3, 31))  # the last day of Q1
    visit(responsible, mine, dt.date(2017, 4, 1))  # the first day of Q2
    q1 = {r["username"]: r for r in selectors.compliance_rows(year=2017, quarter=1)}
    assert (q1["secretary"]["visits"], q1["secretary"]["required"], q1["secretary"]["behind"]) == (
        2,
        2,
        False,
    )
    assert (q1["deputy"]["visits"], q1["deputy"]["required"], q1["deputy"]["behind"]) == (0, 1, True)
    q2 = {r["username"]: r for r in selectors.compliance_rows(year=2017, quarter=2)}
    assert (q2["secretary"]["visits"], q2["secretary"]["behind"]) == (0, True)
    assert (q2["deputy"]["visits"], q2["deputy"]["behind"]) == (1, False)


def test_one_visit_short_of_two_is_behind(users, mine, leaders):
    team, _responsible = leaders
    visit(team, mine, dt.date(2017, 3, 31))
    row = next(r for r in selectors.compliance_rows(year=2017, quarter=1) if r["username"] == "secretary")
    assert (row["visits"], row["behind"]) == (1, True)


def test_a_leader_whose_duty_ended_before_the_quarter_is_not_listed(users, leaders):
    team, _ = leaders
    LeaderDuty.objects.filter(user=team).update(end_date=dt.date(2016, 12, 31))
    assert [r["username"] for r in selectors.compliance_rows(year=2017, quarter=1)] == ["deputy"]


def test_compliance_command_has_exactly_the_contract_columns(users, mine, leaders):
    team, _ = leaders
    visit(team, mine, dt.date(2017, 3, 31))
    text = run("visits", "compliance", "--year", "2017", "--quarter", "1", "--format", "csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["username", "name", "role", "visits", "required", "behind"],
        ["deputy", "分管副镇长", "responsible", "0", "1", "true"],
        ["secretary", "镇党委书记", "team", "1", "2", "true"],
    ]
    data = json.loads(run("visits", "compliance", "--year", "2017", "--quarter", "1", "--format", "json"))
    assert data[1]["behind"] is True and data[1]["visits"] == 1


def test_the_policy_gives_the_visit_numbers():
    assert selectors.visit_rules(2017) == {"team": 2, "responsible": 1, "unvisited_warning_days": 365}


def test_a_household_not_visited_within_a_year_is_flagged(users, mine, make_household):
    other = make_household(VILLAGE_A)
    visit(users["helper"], mine, dt.date(2017, 3, 1))
    on = dt.date(2018, 2, 28)  # 364 days after the visit
    assert set(selectors.unvisited_households(on=on)) == {other}
    assert set(selectors.unvisited_households(on=dt.date(2018, 3, 1))) == {mine, other}  # 365 days


def test_the_notices_checks_list_what_is_missing(users, mine, make_household):
    other = make_household(VILLAGE_A, members=1, main_cause="因残")
    head = mine.members.get(relation="head")
    services.record_measure(
        actor=users["helper"],
        household=mine,
        data={
            "kind": "employment",
            "member": head.pk,
            "start_date": "2017-03-01",
            "details": {
                "job": "采摘",
                "employer": "玉竹合作社",
                "employer_type": "cooperative",
                "months": 6,
                "monthly_wage": "1800",
            },
        },
    )
    services.record_measure(
        actor=users["helper"],
        household=mine,
        data={
            "kind": "training",
            "member": head.pk,
            "start_date": "2017-03-01",
            "details": {"course": "种植", "provider": "农技站"},
        },
    )
    services.add_plan_item(
        actor=users["helper"], household=mine, data={"year": "2017", "kind": "industry", "content": "种姜"}
    )
    assert list(selectors.households_without_agricultural_job(year=2017)) == [other]
    assert list(selectors.households_without_agricultural_job(year=2016)) == [mine, other]
    untrained = list(selectors.members_without_training())
    assert head not in untrained and len(untrained) == 3  # 2 of mine + 1 of other
    assert list(selectors.households_without_plan(year=2017)) == [other]
    assert selectors.counts_by_village(selectors.households_without_plan(year=2017)) == {VILLAGE_A: 1}


def test_accountability_counts_by_village(users, mine, leaders):
    team, _ = leaders
    visit(team, mine, dt.date(2017, 2, 1))
    visit(users["helper"], mine, dt.date(2017, 2, 2))
    rows = {r["village_code"]: r for r in selectors.accountability_rows(year=2017, quarter=1)}
    assert rows[VILLAGE_A]["units"] == 1
    assert rows[VILLAGE_A]["helpers"] == 1
    assert rows[VILLAGE_A]["households"] == 1
    assert rows[VILLAGE_A]["households_per_helper"] == 1.0
    assert rows[VILLAGE_A]["visits"] == 2
    assert Visit.objects.count() == 2
