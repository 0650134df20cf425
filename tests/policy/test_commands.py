"""The CSV contracts of `fupin assess`, `villages`, `targets` and `simulate`."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from fupin.areas.models import VillageDesignation, VillageYear
from fupin.core.models import AuditEvent
from fupin.registry import services
from fupin.registry.models import Household

from ..conftest import VILLAGE_A, VILLAGE_B, income_data


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_assess_csv(town):
    text = run("assess", "--year", "2016", "--format", "csv")
    assert text.splitlines() == [
        "household_no,village_code,members,per_capita_income,below_line,exit_eligible,unmet",
        f"H-EXIT,{VILLAGE_B},1,10000.00,false,true,",
        f"H-POOR,{VILLAGE_A},2,1500.00,true,false,income",
        f"H-RICH,{VILLAGE_A},2,5000.00,false,false,income",
    ]


def test_assess_only_households_with_income_for_the_year(town):
    rows = list(csv.DictReader(io.StringIO(run("assess", "--year", "2017", "--format", "csv"))))
    assert rows == []


def test_assess_json_and_export_is_audited(town, tmp_path):
    out = tmp_path / "assess.json"
    run("assess", "--year", "2016", "--format", "json", "--out", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data[1] == {
        "household_no": "H-POOR",
        "village_code": VILLAGE_A,
        "members": 2,
        "per_capita_income": "1500.00",
        "below_line": True,
        "exit_eligible": False,
        "unmet": "income",
    }
    assert AuditEvent.objects.filter(action="policy.assess_export").count() == 1


def test_assess_unknown_policy_is_an_error(town):
    with pytest.raises(CommandError, match="nope"):
        run("assess", "--year", "2016", "--policy", "nope")


def test_assess_year_without_policy_is_an_error(town):
    with pytest.raises(CommandError, match="2030"):
        run("assess", "--year", "2030")


def test_villages_csv(town):
    lines = run("villages", "--year", "2016", "--format", "csv", "--area", "441882101").splitlines()
    # Below the line by 2016 income: H-POOR's 2 persons in 昌黎村, nobody in 四方村. Registered poor at
    # the start of 2016: H-POOR and H-RICH (4 persons) in 昌黎村, H-EXIT (1, exited during 2016) in 四方村.
    assert lines == [
        "village_code,name,registered_population,poor_persons,poor_share,per_capita_income,relatively_poor,"
        "exit_eligible,registered_poor_persons,incidence,designated",
        f"{VILLAGE_A},昌黎村,40,2,0.0500,7000.00,true,false,4,0.1000,false",
        f"{VILLAGE_B},四方村,100,0,0.0000,8707.32,false,true,1,0.0100,false",
    ]


def test_villages_registered_poor_and_designation_in_a_later_year(town, users):
    VillageDesignation.objects.create(village_id=VILLAGE_A, designated_year=2016, exited_year=2017)
    VillageYear.objects.create(village_id=VILLAGE_B, year=2017, registered_population=100)
    rows = {
        r["village_code"]: r
        for r in csv.DictReader(io.StringIO(run("villages", "--year", "2017", "--format", "csv")))
    }
    # H-EXIT exited in 2016: no longer registered poor at the start of 2017; no 2017 income, no one below.
    assert (rows[VILLAGE_B]["poor_persons"], rows[VILLAGE_B]["registered_poor_persons"]) == ("0", "0")
    assert rows[VILLAGE_A]["registered_poor_persons"] == "4" and rows[VILLAGE_A]["incidence"] == ""
    assert (rows[VILLAGE_A]["designated"], rows[VILLAGE_B]["designated"]) == ("true", "false")
    later = {
        r["village_code"]: r
        for r in csv.DictReader(io.StringIO(run("villages", "--year", "2018", "--format", "csv")))
    }
    assert later[VILLAGE_A]["designated"] == "false"  # exited (出列) in 2017


@pytest.mark.parametrize("year", [2014, 2015])
def test_assess_a_year_before_the_policy_without_naming_it(town, users, year):
    poor = town["poor"]
    services.set_income(
        actor=users["admin"],
        household=poor,
        data=income_data(year, wages="3000", business_income="0", business_cost="0", transfer_income="0"),
        expected_version=None,
    )
    rows = list(csv.DictReader(io.StringIO(run("assess", "--year", str(year), "--format", "csv"))))
    assert rows == [
        {
            "household_no": "H-POOR",
            "village_code": VILLAGE_A,
            "members": "2",
            "per_capita_income": "1500.00",
            "below_line": "true",
            "exit_eligible": "",
            "unmet": "",
        }
    ]


def test_targets_need_a_baseline(town):
    with pytest.raises(CommandError, match="基线快照"):
        run("targets", "--format", "csv")


def test_targets_csv(town, baseline):
    lines = run("targets", "--format", "csv").splitlines()
    # 5 registered persons: 30 % → 1, 30 % → 1, the rest 3; H-EXIT's one person exited in 2016.
    assert lines == [
        "year,planned,planned_cumulative,actual,actual_cumulative",
        "2016,1,1,1,1",
        "2017,1,2,0,1",
        "2018,3,5,0,1",
    ]


def test_targets_for_the_notice_base(town):
    # --persons replaces the baseline's total: no baseline needed.
    lines = run("targets", "--format", "csv", "--persons", "3608").splitlines()
    assert [line.split(",")[:3] for line in lines[1:]] == [
        ["2016", "1082", "1082"],
        ["2017", "1082", "2164"],
        ["2018", "1444", "3608"],
    ]


def test_simulate_a_higher_line(town):
    text = run(
        "simulate",
        "--year",
        "2016",
        "--set",
        "poverty_line=5000.01",
        "--format",
        "csv",
        "--area",
        "441882101",
    )
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(text))}
    # The line is used flat: H-RICH at 5000.00 per capita falls below 5000.01.
    assert rows["昌黎村"]["households_in"] == "1"
    assert rows["昌黎村"]["persons_in"] == "2"
    assert rows["昌黎村"]["persons_out"] == "0"
    assert rows["昌黎村"]["relatively_poor_before"] == "true"
    assert rows["合计"]["fiscal_cost_change"] == "40000.00"


def test_simulate_a_lower_exit_ratio_in_the_notice_reading(town):
    text = run(
        "simulate",
        "--year",
        "2016",
        "--policy",
        "guangdong-2016-notice",
        "--set",
        "household_exit_ratio=30%",
        "--format",
        "csv",
    )
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["昌黎村"]["exit_persons_gained"] == "2"  # H-RICH: 5000.00 ≥ 4353.66
    assert rows["合计"]["fiscal_cost_change"] == "0.00"


def test_simulate_a_lower_yearly_standard(town):
    text = run("simulate", "--year", "2016", "--set", "household_exit_standard=5000", "--format", "csv")
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["昌黎村"]["exit_persons_gained"] == "2"  # H-RICH: 5000.00 ≥ 5000.00


def test_simulate_against_the_notice_reading_household_by_household(town, users, make_household):
    # 6,500.00 per capita: above the platform's 2016 standard (6,433), below 45 % of 14,512.20 (6,530.49).
    household = make_household(VILLAGE_B, members=1, household_no="H-MID", incomes=())
    services.set_income(
        actor=users["admin"],
        household=household,
        data=income_data(2016, wages="6500", business_income="0", business_cost="0", transfer_income="0"),
        expected_version=None,
    )
    text = run(
        "simulate", "--year", "2016", "--against", "guangdong-2016-notice", "--households", "--format", "csv"
    )
    assert text.splitlines() == [
        "household_no,village_code,members,per_capita_income,below_line_before,below_line_after,"
        "exit_eligible_before,exit_eligible_after,unmet_before,unmet_after",
        f"H-MID,{VILLAGE_B},1,6500.00,false,false,true,false,,income",
    ]
    totals = {
        r["name"]: r
        for r in csv.DictReader(
            io.StringIO(
                run("simulate", "--year", "2016", "--against", "guangdong-2016-notice", "--format", "csv")
            )
        )
    }
    assert totals["合计"]["exit_persons_lost"] == "1"


def test_simulate_refuses_unknown_numbers(town):
    with pytest.raises(CommandError, match="price"):
        run("simulate", "--year", "2016", "--set", "price=1")


def test_household_status_is_not_changed_by_assess(town):
    run("assess", "--year", "2016", "--format", "csv")
    assert Household.objects.get(household_no="H-POOR").status == "registered"
