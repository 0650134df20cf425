"""The template, exports (scope, masking, audit) and the round trip template → import → export → import."""

from __future__ import annotations

import re
import zipfile

import pytest
import python_calamine
from django.core.management import call_command

from fupin.core import codes
from fupin.core.models import AuditEvent
from fupin.exchange.exporter import export_registry
from fupin.exchange.pipeline import import_registry
from fupin.exchange.schema import CODES_SHEET, INSTRUCTIONS_SHEET, SHEETS
from fupin.registry.models import Household, Income, Member, StatusChange

from ..conftest import VILLAGE_A, VILLAGE_B
from .helpers import registry_sheets, write_workbook
from .test_import_errors import db_state


def _read(path) -> dict[str, list[list]]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return {name: list(book.get_sheet_by_name(name).iter_rows()) for name in book.sheet_names}


def _sheet_xml(path, index: int) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(f"xl/worksheets/sheet{index}.xml").decode()


def test_template_has_exact_headers_dropdowns_text_columns_and_instructions(tmp_path):
    path = tmp_path / "template.xlsx"
    call_command("template", "registry", str(path), verbosity=0)
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == [INSTRUCTIONS_SHEET, CODES_SHEET, "村", "户", "成员", "收入"]
    rows = _read(path)
    assert rows["户"][0] == [
        "户编号",
        "行政区划代码",
        "村民小组",
        "户主姓名",
        "户主证件号码",
        "贫困户属性",
        "主要致贫原因",
        "其他致贫原因",
        "识别年度",
        "住房是否安全",
        "饮水是否安全",
        "联系电话",
        "开户银行",
        "一卡通账号",
    ]
    for sheet in SHEETS:
        assert rows[sheet.name] == [sheet.headers]
    assert any("填写说明" in str(cell) for row in rows[INSTRUCTIONS_SHEET] for cell in row)
    # The hidden code lists hold every label of every coded column.
    lists = {
        column[0]: [r[i] for r in rows[CODES_SHEET][1:] if r[i]]
        for i, column in enumerate(zip(*rows[CODES_SHEET], strict=False))
    }
    assert lists["民族"] == codes.ETHNICITY.labels and lists["与户主关系"] == codes.RELATION.labels
    with zipfile.ZipFile(path) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
        styles = archive.read("xl/styles.xml").decode()
    assert re.search(r'name="代码表"[^>]*state="hidden"', workbook)
    members = _sheet_xml(path, 5)  # 说明, 代码表, 村, 户, 成员
    coded = [c for c in SHEETS[2].columns if c.code_list is not None or c.yes_no]
    assert members.count("<dataValidation ") == len(coded)
    relation = next(i for i, c in enumerate(SHEETS[2].columns) if c.field == "relation")
    letter = chr(65 + relation)
    assert re.search(
        rf'sqref="{letter}2:{letter}1048576"><formula1>\'代码表\'!\$\w+\$2:\$\w+\$22</formula1>', members
    )
    assert '"是,否"' in members
    # ID and account columns carry Excel's text number format "@" (built-in format 49).
    text_styles = {
        i
        for i, xf in enumerate(re.findall(r"<xf [^>]*>", styles.split("<cellXfs")[1]))
        if 'numFmtId="49"' in xf
    }
    column_styles = {
        int(a): int(s) for a, s in re.findall(r'<col min="(\d+)" max="\1"[^>]*style="(\d+)"', members)
    }
    for i, column in enumerate(SHEETS[2].columns, start=1):
        assert (column_styles.get(i) in text_styles) == column.text, column.header
    assert {c.header for c in SHEETS[2].columns if c.text} == {"户编号", "证件号码"}
    assert {c.header for c in SHEETS[1].columns if c.text} >= {"户主证件号码", "一卡通账号"}


def _registry() -> list[tuple]:
    """Everything the workbook carries, independent of ids and versions."""
    households = sorted(
        Household.objects.values_list(
            "household_no",
            "village_id",
            "group__name",
            "attribute",
            "main_cause",
            "other_cause_1",
            "other_cause_2",
            "identified_year",
            "housing_safe",
            "water_safe",
            "phone",
            "bank_name",
            "bank_account",
            "status",
        )
    )
    members = sorted(
        Member.objects.filter(left_on__isnull=True).values_list(
            "household__household_no",
            "name",
            "id_number",
            "sex",
            "birth_date",
            "relation",
            "ethnicity",
            "education",
            "school_status",
            "health",
            "labour",
            "migrant_work",
            "work_months",
            "medical_insurance",
            "pension_insurance",
            "dibao",
            "tekun",
        )
    )
    incomes = sorted(
        Income.objects.values_list(
            "household__household_no",
            "year",
            "wages",
            "business_income",
            "business_cost",
            "property_income",
            "transfer_income",
            "transfer_cost",
        )
    )
    return [households, members, incomes]


def test_template_filled_import_export_import_gives_the_same_registry(users, tmp_path):
    template = tmp_path / "template.xlsx"
    call_command("template", "registry", str(template), verbosity=0)
    headers = {name: rows[0] for name, rows in _read(template).items() if name in {s.name for s in SHEETS}}
    # Filled in as a user would, under the template's own headers, with the awkward cases.
    data = registry_sheets(4)
    data["户"][1].update(
        其他致贫原因="缺技术，缺水", 贫困户属性="五保户", 村民小组="", 联系电话="0763-6661234"
    )
    data["成员"][0].update(
        {"是否参加养老保险": "", "务工时间(月)": "", "民族": "汉", "文化程度": "", "务工状况": ""}
    )
    data["收入"][2].update(工资性收入="12345.67", 转移性支出=10.5)
    data["村"].append(
        {
            "行政区划代码": VILLAGE_A,
            "村名": "昌黎村",
            "年度": 2016,
            "户籍人口": 1500,
            "村人均可支配收入": "8000",
        }
    )
    filled = write_workbook(tmp_path / "filled.xlsx", data, headers=headers)
    first = import_registry(filled, actor=users["town"])
    assert first.ok, first.errors
    registry = _registry()
    exported = tmp_path / "export.xlsx"
    export_registry(exported, actor=users["town"], unmask=True)
    history = (Household.history.count(), Member.history.count(), Income.history.count())
    again = import_registry(exported, actor=users["town"])
    assert again.ok, again.errors
    assert again.counts == {"村": 1, "户": 4, "成员": 7, "收入": 4}
    assert _registry() == registry
    assert set(again.changes.values()) == {0}
    assert (Household.history.count(), Member.history.count(), Income.history.count()) == history
    # And into an empty registry it gives the same registry too.
    Income.objects.all().delete()
    StatusChange.objects.all().delete()
    Member.objects.all().delete()
    Household.objects.all().delete()
    assert import_registry(exported, actor=users["town"]).ok
    assert _registry()[0] == [row[:-1] + ("registered",) for row in registry[0]]
    assert _registry()[1:] == registry[1:]


def test_export_is_masked_by_default_and_a_masked_export_cannot_be_imported(users, make_household, tmp_path):
    household = make_household()
    head = household.members.get(relation="head")
    path = tmp_path / "masked.xlsx"
    result = export_registry(path, actor=users["cadre"])
    assert not result.unmasked
    rows = _read(path)
    assert rows["成员"][1][2] == head.id_number[:6] + "*" * 11 + head.id_number[-1]
    assert rows["户"][1][4] == rows["成员"][1][2]
    assert rows["户"][1][11] == "138****8000"
    assert "*" in rows["户"][1][13]
    before = db_state()
    report = import_registry(path)
    codes_found = {(e.sheet, e.column, e.code) for e in report.errors}
    assert ("成员", "证件号码", "id_format") in codes_found and (
        "户",
        "户主证件号码",
        "id_format",
    ) in codes_found
    assert not report.committed and db_state() == before


def test_every_export_is_audited_with_counts_and_unmasking(users, make_household, tmp_path):
    make_household()
    export_registry(tmp_path / "a.xlsx", actor=users["cadre"], unmask=True)
    event = AuditEvent.objects.filter(action="export").latest("id")
    assert event.actor == users["cadre"]
    assert event.detail["unmasked"] is True and event.detail["counts"]["户"] == 1
    export_registry(tmp_path / "b.xlsx", actor=users["town"])
    assert AuditEvent.objects.filter(action="export").latest("id").detail["unmasked"] is False


def test_export_is_scoped_and_filtered(users, make_household, tmp_path):
    mine = make_household(village=VILLAGE_A)
    theirs = make_household(village=VILLAGE_B)
    export_registry(tmp_path / "cadre.xlsx", actor=users["cadre"])
    assert [r[0] for r in _read(tmp_path / "cadre.xlsx")["户"][1:]] == [mine.household_no]
    export_registry(tmp_path / "town.xlsx", actor=users["town"], village=VILLAGE_B)
    assert [r[0] for r in _read(tmp_path / "town.xlsx")["户"][1:]] == [theirs.household_no]
    export_registry(tmp_path / "all.xlsx", actor=users["town"])
    assert len(_read(tmp_path / "all.xlsx")["户"]) == 3


def test_unmasking_needs_the_right(users, make_household, tmp_path):
    make_household()
    with pytest.raises(PermissionError):
        export_registry(tmp_path / "x.xlsx", actor=users["leader"], unmask=True)
    with pytest.raises(PermissionError):
        export_registry(tmp_path / "x.xlsx", actor=users["upper"])


def test_export_command(users, make_household, tmp_path):
    household = make_household()
    call_command(
        "export", "registry", str(tmp_path / "e.xlsx"), "--village", VILLAGE_A, "--unmask", verbosity=0
    )
    rows = _read(tmp_path / "e.xlsx")
    assert rows["成员"][1][2] == household.members.get(relation="head").id_number
    assert AuditEvent.objects.filter(action="export").latest("id").detail["village"] == VILLAGE_A
