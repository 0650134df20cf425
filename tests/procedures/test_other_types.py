"""Return (返贫) and removal (销号): further types as data, run by the same engine."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.procedures import services
from fupin.registry.models import Household
from fupin.registry.services import change_status


def _run(procedure, users, clock, data):
    for spec in procedure.definition.steps[1:]:
        actor = users["cadre"] if spec.level == "village" else users["town"]
        if spec.is_notice:
            start = clock()
            step_data = {
                "start_date": start.isoformat(),
                "end_date": (start + dt.timedelta(days=7)).isoformat(),
                "office": "昌黎村村民委员会",
            }
        else:
            step_data = {**data[spec.code], "date": clock().isoformat()}
        services.act(actor=actor, procedure=procedure, step=spec.code, data=step_data)
        procedure.refresh_from_db()
        if spec.is_notice:
            clock.advance(8)
    return procedure


APPROVE = {"approved": "1", "opinion": "同意"}


def test_a_return_to_poverty_marks_the_household_returned(make_household, users, clock):
    household = make_household(members=4, household_no="H-RET")  # 2500 per person in 2016: below the line
    change_status(
        actor=users["admin"],
        household=household,
        to_status="exited",
        year=2016,
        reason="x",
        expected_version=1,
    )
    with pytest.raises(services.Refused, match="请填写“返贫原因”"):
        services.start(
            actor=users["cadre"],
            household=household,
            kind="return",
            year=2016,
            data={"date": clock().isoformat()},
        )
    procedure = services.start(
        actor=users["cadre"],
        household=household,
        kind="return",
        year=2016,
        data={"date": clock().isoformat(), "note": "户主重病"},
    )
    assert procedure.verdict["ok"] is True  # the engine finds it below the line
    data = {"verification": {"participants": "村委会", "findings": "属实"}, "town_approval": APPROVE}
    procedure = _run(procedure, users, clock, data)
    household = Household.objects.get(pk=household.pk)
    assert procedure.state == "completed" and household.status == "returned"


def test_a_removal_needs_a_cause_from_the_list_and_removes(make_household, users, clock):
    household = make_household(members=1, household_no="H-REM")
    with pytest.raises(services.Refused, match="“销号原因”请从列表中选择"):
        services.start(
            actor=users["cadre"],
            household=household,
            kind="removal",
            year=2016,
            data={"date": clock().isoformat(), "cause": "不想要了", "evidence": "x"},
        )
    procedure = services.start(
        actor=users["cadre"],
        household=household,
        kind="removal",
        year=2016,
        data={"date": clock().isoformat(), "cause": "迁出", "evidence": "户口迁出证明"},
    )
    procedure = _run(procedure, users, clock, {"town_approval": APPROVE})
    assert procedure.state == "completed" and Household.objects.get(pk=household.pk).status == "removed"
