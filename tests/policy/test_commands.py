"""The CSV contracts of `fupin assess`, `villages`, `targets` and `simulate`."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from fupin.core.models import AuditEvent
from fupin.registry.models import Household

from ..conftest import VILLAGE_A, VILLAGE_B


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
    assert lines == [
        "village_code,name,registered_population,poor_persons,poor_share,per_capita_income,relatively_poor,exit_eligible",
        f"{VILLAGE_A},昌黎村,40,2,0.0500,7000.00,true,false",
        f"{VILLAGE_B},四方村,100,0,0.0000,8707.32,false,true",
    ]


def test_targets_csv(town):
    lines = run("targets", "--format", "csv").splitlines()
    # 5 registered persons: 30 % → 1, 30 % → 1, the rest 3; H-EXIT's one person exited in 2016.
    assert lines == [
        "year,planned,planned_cumulative,actual,actual_cumulative",
        "2016,1,1,1,1",
        "2017,1,2,0,1",
        "2018,3,5,0,1",
    ]


def test_targets_for_the_notice_base(town):
    lines = run("targets", "--format", "csv", "--persons", "3608").splitlines()
    assert [line.split(",")[:3] for line in lines[1:]] == [
        ["2016", "1082", "1082"],
        ["2017", "1082", "2164"],
        ["2018", "1444", "3608"],
    ]


def test_simulate_a_higher_line(town):
    text = run(
        "simulate", "--year", "2016", "--set", "poverty_line=5000", "--format", "csv", "--area", "441882101"
    )
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(text))}
    # 5000 (2014 prices) → 5191.50 in 2016: H-RICH at 5000.00 per capita falls below it.
    assert rows["昌黎村"]["households_in"] == "1"
    assert rows["昌黎村"]["persons_in"] == "2"
    assert rows["昌黎村"]["persons_out"] == "0"
    assert rows["昌黎村"]["relatively_poor_before"] == "true"
    assert rows["合计"]["fiscal_cost_change"] == "40000.00"


def test_simulate_a_lower_exit_ratio(town):
    text = run("simulate", "--year", "2016", "--set", "household_exit_ratio=30%", "--format", "csv")
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["昌黎村"]["exit_persons_gained"] == "2"  # H-RICH: 5000.00 ≥ 4353.66
    assert rows["合计"]["fiscal_cost_change"] == "0.00"


def test_simulate_refuses_unknown_numbers(town):
    with pytest.raises(CommandError, match="price"):
        run("simulate", "--year", "2016", "--set", "price=1")


def test_household_status_is_not_changed_by_assess(town):
    run("assess", "--year", "2016", "--format", "csv")
    assert Household.objects.get(household_no="H-POOR").status == "registered"
