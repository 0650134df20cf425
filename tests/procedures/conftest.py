"""A household of village A that the engine finds exit-eligible in 2016, the office clock in 2016,
and a helper that walks an exit procedure step by step through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fupin.procedures import services

# A tiny but real PDF (the signed 验收表 scanned): the upload check sniffs its header.
SIGNED_SHEET = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class Clock:
    def __init__(self, day: dt.date):
        self.day = day

    def __call__(self) -> dt.date:
        return self.day

    def advance(self, days: int) -> None:
        self.day += dt.timedelta(days=days)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    # uploaded sheets go to a temporary folder, never the working folder
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(dt.date(2016, 10, 10))
    monkeypatch.setattr(services, "today", clock)
    return clock


@pytest.fixture
def eligible(make_household):
    # one member, 10000 yuan disposable in 2016: above the 2016 exit line, housing and water safe
    return make_household(members=1, household_no="H-EXIT-A")


@pytest.fixture
def not_eligible(make_household):
    from fupin.registry import services as registry

    household = make_household(members=4, household_no="H-POOR-A")
    registry.set_income(
        actor=_admin(),
        household=household,
        data={
            "year": "2016",
            "wages": "1000",
            "business_income": "0",
            "business_cost": "0",
            "property_income": "0",
            "transfer_income": "0",
            "transfer_cost": "0",
        },
        expected_version=1,
    )
    return household


def _admin():
    from fupin.core.models import User

    return User.objects.get(username="admin")


def sheet() -> SimpleUploadedFile:
    return SimpleUploadedFile("验收表.pdf", SIGNED_SHEET, content_type="application/pdf")


STEP_DATA = {
    "village_review": {
        "date": "2016-10-11",
        "participants": "村民代表23人",
        "votes_for": "21",
        "votes_against": "2",
        "minutes": "经村民代表大会评议，同意该户脱贫。",
    },
    "verification": {
        "date": "2016-10-12",
        "participants": "村委会张某、驻村工作队李某",
        "findings": "收入达标，住房安全。",
    },
    "acceptance": {"date": "2016-10-13", "accepted": "1"},
    "town_approval": {"date": "2016-10-25", "approved": "1", "opinion": "同意退出"},
}


def walk_to(procedure, target: str, users, clock):
    """Record the steps of an exit procedure up to (not including) `target`, as the right users."""
    from fupin.procedures.models import Procedure

    for spec in procedure.definition.steps[procedure.current :]:
        if spec.code == target:
            break
        procedure = Procedure.objects.get(pk=procedure.pk)
        actor = users["cadre"] if spec.level == "village" else users["town"]
        if spec.is_notice:
            start = clock()
            data = {
                "start_date": start.isoformat(),
                "end_date": (start + dt.timedelta(days=7)).isoformat(),
                "office": "昌黎村村民委员会",
            }
            services.act(actor=actor, procedure=procedure, step=spec.code, data=data)
            if spec.notice == "公示":
                clock.advance(8)
        else:
            services.act(
                actor=actor,
                procedure=procedure,
                step=spec.code,
                data={**STEP_DATA[spec.code], "date": clock().isoformat()},
                upload=sheet() if spec.code == "acceptance" else None,
            )
    return Procedure.objects.get(pk=procedure.pk)


def propose(household, users, clock, *, actor="cadre", year=2016, reason=""):
    return services.start(
        actor=users[actor],
        household=household,
        kind="exit",
        year=year,
        data={"date": clock().isoformat(), "note": "收入稳定"},
        reason=reason,
    )
