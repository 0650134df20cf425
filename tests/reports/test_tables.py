"""The standard report tables to the upper level: the figures equal a count of the registry, within the
user's area, on the page, in the workbook and from the command."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import python_calamine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from fupin.core.models import AuditEvent
from fupin.registry.models import Household, Member, StatusChange
from fupin.reports import tables

from ..conftest import VILLAGE_A, VILLAGE_B

pytestmark = pytest.mark.django_db


def set_status(household, status: str, year: int, when: dt.datetime | None = None) -> None:
    Household.objects.filter(pk=household.pk).update(
        status=status, exit_year=year if status == "exited" else None
    )
    change = StatusChange.objects.create(
        household=household, from_status="registered", to_status=status, year=year, reason="测试"
    )
    if when:
        StatusChange.objects.filter(pk=change.pk).update(changed_at=when)


@pytest.fixture
def registry(make_household):
    a1 = make_household(VILLAGE_A, members=3)
    a2 = make_household(VILLAGE_A, members=2, attribute="低保贫困户", main_cause="因学")
    a3 = make_household(VILLAGE_A, members=1, identified_year="2017")
    b1 = make_household(VILLAGE_B, members=4)
    set_status(a2, "exited", 2017, timezone.make_aware(dt.datetime(2017, 11, 20, 10)))
    set_status(b1, "exited", 2017, timezone.make_aware(dt.datetime(2018, 1, 5, 10)))
    left = a1.members.exclude(relation="head").first()
    Member.objects.filter(pk=left.pk).update(left_on=dt.date(2017, 3, 1), left_reason="death")
    return {"a1": a1, "a2": a2, "a3": a3, "b1": b1}


def rows_by_code(sheet) -> dict[str, list]:
    return {row[0] or "total": row[2:] for row in sheet.rows}


def test_by_status_counts_households_and_persons_on_the_register(users, registry):
    sheet = tables.by_status(users["town"])
    got = rows_by_code(sheet)
    # columns: registered h/p, exited h/p, returned h/p, removed h/p
    assert got[VILLAGE_A] == [2, 3, 1, 2, 0, 0, 0, 0]  # a1 has 2 on the register (one died), a3 has 1
    assert got[VILLAGE_B] == [0, 0, 1, 4, 0, 0, 0, 0]
    assert got["total"] == [2, 3, 2, 6, 0, 0, 0, 0]


def test_attribute_and_cause_count_households_still_in_poverty(users, registry):
    by_attribute = rows_by_code(tables.sheets(users["town"], 2017)[1])
    assert sum(by_attribute[VILLAGE_A]) == 2 and sum(by_attribute[VILLAGE_B]) == 0


def test_the_adjustment_of_the_year(users, registry):
    got = rows_by_code(tables.adjustment(users["town"], 2017))
    # new, exited, returned, removed, then members who left: death first
    assert got[VILLAGE_A][:5] == [1, 1, 0, 0, 1]
    assert got[VILLAGE_B][:5] == [0, 1, 0, 0, 0]


def test_exits_by_month_put_late_entries_under_unknown_month(users, registry):
    got = rows_by_code(tables.exits_by_month(users["town"], 2017))
    assert got[VILLAGE_A][10] == 1 and sum(got[VILLAGE_A]) == 1  # November
    assert got[VILLAGE_B][12] == 1 and sum(got[VILLAGE_B]) == 1  # recorded in 2018: month unknown


def test_a_cadre_gets_its_own_village_only(users, registry):
    got = rows_by_code(tables.by_status(users["cadre"]))
    assert set(got) == {VILLAGE_A, "total"} and got["total"] == got[VILLAGE_A]


def test_the_page_and_the_workbook_show_the_same_figures_and_the_download_is_audited(client, users, registry):
    client.force_login(users["leader"])
    page = client.get(reverse("reports:tables"), {"year": 2017})
    assert page.status_code == 200 and "年度动态调整" in page.content.decode()
    response = client.get(reverse("reports:tables_download"), {"year": 2017})
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheet_names == ["按状态", "按贫困户属性", "按主要致贫原因", "年度动态调整", "按月脱贫户数"]
    status = book.get_sheet_by_name("按状态").to_python()
    assert status[1][:4] == ["村代码", "村", "在册户数", "在册人数"]
    total = status[-1]
    assert total[1] == "合计" and [int(v) for v in total[2:6]] == [2, 3, 2, 6]
    assert AuditEvent.objects.filter(
        action="export", object_type="reports.tables", actor_name="leader"
    ).exists()


def test_the_command_writes_the_workbook(users, registry, tmp_path):
    out = tmp_path / "tables.xlsx"
    call_command(
        "report", "tables", "--year", "2017", "--out", str(out), "--user", "cadre", stdout=io.StringIO()
    )
    book = python_calamine.CalamineWorkbook.from_path(str(out))
    rows = book.get_sheet_by_name("年度动态调整").to_python()
    assert [r[0] for r in rows[2:]] == [VILLAGE_A, ""]
