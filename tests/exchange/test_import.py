"""Valid imports: what is created, re-imports that update with history, the CSV and .xls variants,
the command's exit codes and report, and the audit trail."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import zipfile
from decimal import Decimal

import pytest
import xlwt
from django.core.management import call_command
from django.core.management.base import CommandError

from fupin.areas.models import Area, VillageYear
from fupin.core import audit
from fupin.core.models import AuditEvent
from fupin.exchange.pipeline import import_registry
from fupin.registry.models import Household, Income, Member, StatusChange

from ..conftest import TOWN, VILLAGE_A, make_id_number
from .helpers import household_row, income_row, member_row, registry_sheets, write_workbook
from .test_import_errors import db_state


def test_valid_workbook_creates_households_members_incomes_with_history(users, tmp_path):
    sheets = registry_sheets(3)
    sheets["村"].append(
        {
            "行政区划代码": "441882101230",
            "村名": "新建村",
            "年度": 2016,
            "户籍人口": 1200,
            "村人均可支配收入": 7123.4,
        }
    )
    sheets["户"][2]["行政区划代码"] = "441882101230"
    path = write_workbook(tmp_path / "ok.xlsx", sheets)
    report = import_registry(path, actor=users["admin"])
    assert report.ok and report.committed, report.errors
    assert report.counts == {"村": 1, "户": 3, "成员": 5, "收入": 3}
    village = Area.objects.get(code="441882101230")
    assert (village.name, village.level, village.parent_id) == ("新建村", "village", TOWN)
    assert VillageYear.objects.get(village=village, year=2016).per_capita_income == Decimal("7123.40")
    household = Household.objects.get(household_no="T0001")
    assert household.village_id == VILLAGE_A and household.group.name == "一组"
    assert (household.attribute, household.main_cause, household.other_causes) == (
        "general",
        "illness",
        ["capital"],
    )
    assert (household.housing_safe, household.water_safe, household.status) == (True, False, "registered")
    assert household.bank_account == "6228480000000000017"
    head = household.members.get(relation="head")
    assert head.name == "户主1" and head.ethnicity == "13" and head.work_months == 6 and head.tekun is None
    assert head.sex == "M" and head.birth_date == dt.date(
        int(head.id_number[6:10]), int(head.id_number[10:12]), int(head.id_number[12:14])
    )
    assert household.members.get(relation="spouse").sex == "F"
    income = household.incomes.get(year=2016)
    assert (income.wages, income.business_cost, income.transfer_cost) == (
        Decimal("6000.50"),
        Decimal("1000.25"),
        Decimal("0.00"),
    )
    assert income.per_capita(2) == Decimal("5000.13")
    assert Household.objects.get(household_no="T0003").village_id == "441882101230"
    # History like the single-record path: one '+' per record, by the actor.
    assert household.history.get().history_type == "+"
    assert household.history.get().history_user == users["admin"]
    assert Member.history.filter(history_type="+").count() == 5
    assert Income.history.filter(history_type="+").count() == 3
    assert StatusChange.objects.filter(to_status="registered").count() == 3
    assert StatusChange.objects.get(household=household).changed_by == users["admin"]


def test_import_leaves_audit_entries_and_a_valid_chain(areas, tmp_path):
    path = write_workbook(tmp_path / "ok.xlsx", registry_sheets(2))
    before = AuditEvent.objects.count()
    report = import_registry(path, audit_households=True)
    entries = AuditEvent.objects.filter(id__gt=0).order_by("id")[before:]
    actions = [e.action for e in entries]
    assert actions == ["import_create", "import_create", "import"]
    summary = entries[2]
    assert summary.detail["file_sha256"] == report.sha256 and len(report.sha256) == 64
    assert summary.detail["counts"] == {"村": 0, "户": 2, "成员": 3, "收入": 2}
    assert summary.detail["changes"]["households_created"] == 2
    assert summary.detail["households_sha256"] == hashlib.sha256(b"T0001\nT0002\n").hexdigest()
    assert audit.verify().ok


def test_one_audit_entry_per_import_by_default(areas, tmp_path):
    path = write_workbook(tmp_path / "ok.xlsx", registry_sheets(2))
    before = AuditEvent.objects.count()
    import_registry(path)
    entries = list(AuditEvent.objects.order_by("id"))[before:]
    assert [e.action for e in entries] == ["import"]
    assert set(entries[0].detail) == {"file_sha256", "counts", "changes"}


def test_dry_run_validates_and_commits_nothing(areas, tmp_path):
    path = write_workbook(tmp_path / "ok.xlsx", registry_sheets(3))
    before = db_state()
    report = import_registry(path, dry_run=True)
    assert report.ok and not report.committed and not report.errors
    assert report.counts["成员"] == 5
    assert db_state() == before


def test_reimport_updates_by_household_number_with_history(areas, tmp_path):
    sheets = registry_sheets(2)
    import_registry(write_workbook(tmp_path / "first.xlsx", sheets))
    household = Household.objects.get(household_no="T0001")
    spouse = household.members.get(relation="spouse")
    head = household.members.get(relation="head")
    # Second version: a changed household field, a changed member, the spouse leaves, a child is
    # born, the income of 2016 corrected and 2017 added; T0002 is not in the file at all.
    second = registry_sheets(0)
    second["户"] = [
        household_row("T0001", head.id_number, 户主姓名="户主1", 贫困户属性="低保户", 联系电话="")
    ]
    child = make_id_number(born=dt.date(2015, 6, 1))
    second["成员"] = [
        member_row("T0001", head.id_number, name="户主1", 健康状况="大病"),
        member_row("T0001", child, "之子", name="小明", 在校生情况="学前教育", 劳动能力="无劳动力"),
    ]
    second["收入"] = [income_row("T0001", 2016, 工资性收入=7000), income_row("T0001", 2017)]
    before_history = Member.history.count()
    report = import_registry(write_workbook(tmp_path / "second.xlsx", second))
    assert report.ok, report.errors
    assert report.changes["households_created"] == 0 and report.changes["households_updated"] == 1
    assert report.changes["members_updated"] == 1 and report.changes["members_created"] == 1
    assert report.changes["members_left"] == 1
    assert report.changes["incomes_updated"] == 1 and report.changes["incomes_created"] == 1
    household.refresh_from_db()
    assert household.attribute == "dibao_hh" and household.phone == "" and household.version == 2
    assert [h.history_type for h in household.history.order_by("history_id")] == ["+", "~"]
    head.refresh_from_db()
    assert head.pk == head.pk and head.health == "serious" and head.version == 2
    spouse.refresh_from_db()
    assert spouse.left_on == dt.date.today() and spouse.left_reason == "other"
    assert (
        spouse.history.order_by("-history_id").first().history_change_reason == "导入时不在该户的成员名单中"
    )
    assert Member.history.count() == before_history + 3  # head changed, spouse left, child added
    assert household.incomes.get(year=2016).wages == Decimal("7000.00")
    assert household.incomes.count() == 2
    assert Household.objects.get(household_no="T0002").members.filter(left_on__isnull=True).count() == 1
    assert Household.objects.count() == 2


def test_reimport_of_the_same_file_changes_nothing(areas, tmp_path):
    path = write_workbook(tmp_path / "same.xlsx", registry_sheets(3))
    import_registry(path)
    state = db_state()
    report = import_registry(path)
    assert report.ok and report.committed
    assert sum(v for k, v in report.changes.items()) == 0
    after = db_state()
    assert after.pop("audit") == state.pop("audit") + 1  # the import itself is recorded
    assert after == state


def test_head_change_and_member_moving_between_households(areas, tmp_path):
    sheets = registry_sheets(3)
    import_registry(write_workbook(tmp_path / "first.xlsx", sheets))
    one, two, three = sheets["成员"][0:2], sheets["成员"][2:4], sheets["成员"][4:]
    # In T0001 the spouse becomes head and the former head spouse; T0002's spouse moves to T0001.
    one[0]["与户主关系"], one[1]["与户主关系"] = "配偶", "户主"
    sheets["户"][0].update(户主证件号码=one[1]["证件号码"], 户主姓名=one[1]["姓名"])
    mover = dict(two[1], 户编号="T0001", 与户主关系="其他")
    sheets["成员"] = [*one, mover, two[0], *three]
    report = import_registry(write_workbook(tmp_path / "second.xlsx", sheets))
    assert report.ok, report.errors
    t1 = Household.objects.get(household_no="T0001")
    assert t1.members.get(relation="head", left_on__isnull=True).id_number == one[1]["证件号码"]
    assert t1.members.filter(left_on__isnull=True).count() == 3
    moved = Member.objects.filter(id_number=mover["证件号码"])
    assert {(m.household.household_no, m.left_on is None) for m in moved} == {
        ("T0001", True),
        ("T0002", False),
    }


def test_member_who_left_returns_with_the_same_identity(areas, tmp_path):
    sheets = registry_sheets(1)
    sheets["成员"].append(member_row("T0001", make_id_number(male=False), "配偶", name="配偶"))
    import_registry(write_workbook(tmp_path / "a.xlsx", sheets))
    spouse = Member.objects.get(relation="spouse")
    without = {**sheets, "成员": sheets["成员"][:1]}
    import_registry(write_workbook(tmp_path / "b.xlsx", without))
    spouse.refresh_from_db()
    assert spouse.left_on is not None
    import_registry(write_workbook(tmp_path / "c.xlsx", sheets))
    spouse.refresh_from_db()
    assert spouse.left_on is None and spouse.left_reason == "" and Member.objects.count() == 2


def test_members_of_an_existing_household_without_its_row(areas, make_household, tmp_path):
    existing = make_household(members=2)
    head = existing.members.get(relation="head")
    sheets = {
        "户": [],
        "成员": [member_row(existing.household_no, head.id_number, name=head.name, 健康状况="残疾")],
        "收入": [income_row(existing.household_no, 2018)],
    }
    report = import_registry(write_workbook(tmp_path / "m.xlsx", sheets))
    assert report.ok, report.errors
    head.refresh_from_db()
    assert head.health == "disabled"
    assert existing.members.filter(left_on__isnull=True).count() == 1
    assert existing.incomes.filter(year=2018).exists() and existing.incomes.filter(year=2016).exists()


def _write_csv(folder, sheets, *, bom=True):
    folder.mkdir(exist_ok=True)
    from fupin.exchange.schema import SHEET_BY_NAME

    for name, rows in sheets.items():
        with open(
            folder / f"{name}.csv", "w", encoding="utf-8-sig" if bom else "utf-8", newline=""
        ) as handle:
            writer = csv.writer(handle)
            headers = SHEET_BY_NAME[name].headers
            writer.writerow(headers)
            for row in rows:
                writer.writerow(["" if row.get(h) is None else row.get(h) for h in headers])
    return folder


def test_csv_folder_with_bom(areas, tmp_path):
    folder = _write_csv(tmp_path / "csv", registry_sheets(3))
    report = import_registry(folder)
    assert report.ok, report.errors
    assert Member.objects.count() == 5


def test_csv_zip_without_bom_reports_worksheet_rows(areas, tmp_path):
    sheets = registry_sheets(2)
    sheets["成员"][1]["证件号码"] = "4.41882E+17"  # what Excel makes of an ID typed as a number
    folder = _write_csv(tmp_path / "csv", sheets, bom=False)
    archive = tmp_path / "registry.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for file in folder.iterdir():
            handle.write(file, f"导出/{file.name}")
    report = import_registry(archive)
    assert [(e.sheet, e.row, e.column, e.code) for e in report.errors] == [
        ("成员", 3, "证件号码", "id_format")
    ]
    ok = _write_csv(tmp_path / "ok", registry_sheets(2), bom=False)
    with zipfile.ZipFile(tmp_path / "ok.zip", "w") as handle:
        for file in ok.iterdir():
            handle.write(file, file.name)
    assert import_registry(tmp_path / "ok.zip").committed


def _write_xls(path, sheets):
    from fupin.exchange.schema import SHEET_BY_NAME

    book = xlwt.Workbook(encoding="utf-8")
    for name, rows in sheets.items():
        ws = book.add_sheet(name)
        headers = SHEET_BY_NAME[name].headers
        for c, header in enumerate(headers):
            ws.write(0, c, header)
        for r, row in enumerate(rows, start=1):
            for c, header in enumerate(headers):
                if row.get(header) not in (None, ""):
                    ws.write(r, c, row[header])
    book.save(str(path))
    return path


def test_xls_workbook(areas, tmp_path):
    sheets = registry_sheets(2)
    good = _write_xls(tmp_path / "good.xls", sheets)
    sheets["成员"][1]["证件号码"] = 441882198001010000.0
    report = import_registry(_write_xls(tmp_path / "bad.xls", sheets))
    assert [(e.sheet, e.row, e.column, e.code) for e in report.errors] == [
        ("成员", 3, "证件号码", "id_format")
    ]
    assert Household.objects.count() == 0
    assert import_registry(good).committed
    assert Member.objects.count() == 3


def test_blank_rows_are_skipped_and_row_numbers_stay_the_worksheet_rows(areas, tmp_path):
    sheets = registry_sheets(2)
    sheets["成员"].insert(1, {})
    sheets["成员"].insert(1, {})
    sheets["成员"][4]["健康状况"] = "不详"  # worksheet row 6: header, 2 rows, 2 blank rows…
    report = import_registry(write_workbook(tmp_path / "gaps.xlsx", sheets))
    assert [(e.sheet, e.row, e.column, e.code) for e in report.errors] == [
        ("成员", 6, "健康状况", "unknown_code")
    ]
    assert report.counts["成员"] == 3


class TestCommand:
    def test_valid_file_exits_zero_and_writes_the_report(self, areas, tmp_path, capsys):
        path = write_workbook(tmp_path / "ok.xlsx", registry_sheets(2))
        out = tmp_path / "report.json"
        call_command("import", "registry", str(path), "--report", str(out), verbosity=0)
        report = json.loads(out.read_text(encoding="utf-8"))
        assert report["ok"] is True and report["committed"] is True and report["errors"] == []
        assert report["counts"] == {"村": 0, "户": 2, "成员": 3, "收入": 2}
        assert Household.objects.count() == 2

    def test_invalid_file_exits_one_commits_nothing_and_reports_every_error(self, areas, tmp_path):
        sheets = registry_sheets(2)
        sheets["成员"][0]["与户主关系"] = "老板"
        sheets["收入"][1]["转移性收入"] = -1
        path = write_workbook(tmp_path / "bad.xlsx", sheets)
        out = tmp_path / "report.json"
        before = db_state()
        with pytest.raises(CommandError) as failure:
            call_command("import", "registry", str(path), "--report", str(out), verbosity=0)
        assert failure.value.returncode == 1
        report = json.loads(out.read_text(encoding="utf-8"))
        assert report["ok"] is False and report["committed"] is False
        assert [(e["sheet"], e["row"], e["column"], e["code"]) for e in report["errors"]] == [
            ("成员", 2, "与户主关系", "unknown_code"),
            ("收入", 3, "转移性收入", "negative"),
        ]
        assert "老板" in report["errors"][0]["message"]
        assert db_state() == before

    def test_dry_run_exits_zero_and_commits_nothing(self, areas, tmp_path):
        path = write_workbook(tmp_path / "ok.xlsx", registry_sheets(2))
        before = db_state()
        call_command("import", "registry", str(path), "--dry-run", verbosity=0)
        assert db_state() == before

    def test_import_as_a_user_applies_the_scope(self, users, tmp_path):
        sheets = registry_sheets(1)
        sheets["户"][0]["行政区划代码"] = "441882101202"
        path = write_workbook(tmp_path / "b.xlsx", sheets)
        with pytest.raises(CommandError):
            call_command("import", "registry", str(path), "--user", "cadre", verbosity=0)
        call_command("import", "registry", str(path), "--user", "cadre_b", verbosity=0)
        assert Household.objects.get().history.get().history_user == users["cadre_b"]
