"""`fupin funds allocate`: the per-person fund by village from the registered poor persons of the year."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from fupin.funds import services
from fupin.funds.models import Allocation
from fupin.registry import services as registry

from ..conftest import VILLAGE_A, VILLAGE_B


def run(*args) -> str:
    out = io.StringIO()
    call_command("funds", "allocate", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def registry_2017(make_household, users):
    make_household(VILLAGE_A, members=3)
    make_household(VILLAGE_A, members=2)
    b = make_household(VILLAGE_B, members=4)
    exited = make_household(VILLAGE_B, members=5)
    later = make_household(VILLAGE_B, members=7, identified_year="2018")  # noqa: F841
    # Exited in 2016: not assisted in 2017, still in 2016.
    registry.change_status(
        actor=users["admin"],
        household=exited,
        to_status="exited",
        year=2016,
        reason="达标",
        expected_version=exited.version,
    )
    # A member who left in mid-2017 no longer counts at the year's end.
    member = b.members.exclude(relation="head").first()
    member.left_on, member.left_reason = dt.date(2017, 6, 1), "death"
    member.save()
    return b


def test_csv_has_the_exact_columns_and_the_registered_persons(registry_2017):
    rows = list(csv.reader(io.StringIO(run("--year", "2017", "--format", "csv"))))
    assert rows[0] == ["village_code", "persons", "total", "province", "guangzhou", "qingyuan"]
    assert rows[1:] == [
        [VILLAGE_A, "5", "100000.00", "60000.00", "30000.00", "10000.00"],
        [VILLAGE_B, "3", "60000.00", "36000.00", "18000.00", "6000.00"],
    ]


def test_2016_counts_the_household_that_exited_that_year(registry_2017):
    data = json.loads(run("--year", "2016", "--format", "json"))
    assert {r["village_code"]: r["persons"] for r in data} == {VILLAGE_A: 5, VILLAGE_B: 9}
    assert data[1]["total"] == "180000.00"


def test_every_row_sums_to_its_total(registry_2017):
    for r in json.loads(run("--year", "2017", "--format", "json")):
        assert Decimal(r["province"]) + Decimal(r["guangzhou"]) + Decimal(r["qingyuan"]) == Decimal(
            r["total"]
        )


def test_the_table_is_the_default(registry_2017):
    text = run("--year", "2017")
    assert text.splitlines()[0].split() == [
        "village_code",
        "persons",
        "total",
        "province",
        "guangzhou",
        "qingyuan",
    ]


def test_a_year_without_a_policy_exits_with_a_message(db):
    with pytest.raises(CommandError):
        call_command("funds", "allocate", "--year", "1990", stdout=io.StringIO())


def test_recording_the_fund_creates_three_shares_per_village_once(registry_2017, users, areas):
    made = services.allocate_per_person(
        actor=users["town"],
        year=2017,
        document_no="清财农〔2017〕8号",
        allocated_on=dt.date(2017, 2, 1),
        area=areas["town"],
    )
    assert len(made) == 6
    a = Allocation.objects.filter(area_id=VILLAGE_A, year=2017).order_by("source")
    assert {x.source: x.amount for x in a} == {
        "pp_province": Decimal("60000.00"),
        "pp_guangzhou": Decimal("30000.00"),
        "pp_qingyuan": Decimal("10000.00"),
    }
    again = services.allocate_per_person(
        actor=users["town"],
        year=2017,
        document_no="清财农〔2017〕8号",
        allocated_on=dt.date(2017, 2, 1),
        area=areas["town"],
    )
    assert again == []
