"""The demo town's funds: allocations 2016–2018, projects in every lifecycle state, and one planted
case per abuse check — found by the checks, and nothing else found. One test: loading takes a while."""

from __future__ import annotations

import datetime as dt
import io
import time
from collections import Counter
from decimal import Decimal

from django.core.management import call_command

from fupin.batch import demo_town
from fupin.core.models import User
from fupin.funds import codes
from fupin.funds.checks import evidence
from fupin.funds.demo import RETAINED_DOCUMENT
from fupin.funds.models import Allocation, Expense, LoanFigure, Project
from fupin.funds.selectors import loan_indicators, per_person_rows, village_funds

TOWN = demo_town.TOWN_CODE


def test_the_demo_town_has_funds_projects_and_one_case_per_check(db):
    started = time.monotonic()
    call_command("loaddemo", stdout=io.StringIO())
    print(f"loaddemo with funds: {time.monotonic() - started:.1f} s")
    town = User.objects.get(role="town_office", area_id=TOWN)

    assert set(Allocation.objects.values_list("year", flat=True)) == {2016, 2017, 2018}
    assert set(Expense.objects.values_list("paid_on__year", flat=True)) == {2016, 2017, 2018}
    states = Counter(Project.objects.values_list("status", flat=True))
    assert set(states) == set(codes.PROJECT_STATUS.codes)
    for project in Project.objects.exclude(approved_by=None):
        assert project.approved_by_id != project.proposed_by_id

    # The per-person fund recorded equals the split of the registered persons of each year.
    for year in (2016, 2017, 2018):
        expected = sum(r["total"] for r in per_person_rows(year=year))
        recorded = sum(
            Allocation.objects.filter(year=year, source__in=codes.PER_PERSON_SOURCES).values_list(
                "amount", flat=True
            )
        )
        assert recorded == expected > 0

    marks = {v.assistance: v.meets_mark for v in village_funds(user=town, year=2018)}
    assert marks[Decimal("300000.00")] is True
    assert False in marks.values() and True in marks.values()

    today = dt.date(2026, 1, 1)
    for year, expected in ((2016, []), (2017, ["diverted", "retained"]), (2018, ["wasteful"])):
        found = evidence(year, today=today)
        assert sorted(f["check"] for f in found) == expected, found
    [retained] = [f for f in evidence(2017, today=today) if f["check"] == "retained"]
    assert RETAINED_DOCUMENT in retained["detail"]

    assert LoanFigure.objects.filter(kind="village").count() == 11 * 3
    rows = loan_indicators(user=town)
    assert [r.year for r in rows] == [2016, 2017, 2018]
    assert rows[1].villages_ok is True and rows[1].households_ok is True
