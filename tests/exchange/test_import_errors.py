"""Bad input: every error code of the report, at the right sheet/row/column, and nothing committed."""

from __future__ import annotations

import datetime as dt

import pytest
from stdnum.cn import ric

from fupin.areas.models import Area, VillageYear
from fupin.core.models import AuditEvent
from fupin.exchange.pipeline import import_registry
from fupin.registry.models import Household, Income, Member, StatusChange

from ..conftest import OTHER_TOWN_VILLAGE, VILLAGE_B, make_id_number
from .helpers import income_row, member_row, registry_sheets, write_workbook

# REGISTRY-TEMPLATE.md's codes, and the ones docs/registry-template.md adds.
CONTRACT_CODES = {
    "required",
    "not_a_number",
    "negative",
    "bad_year",
    "unknown_code",
    "too_many_causes",
    "id_format",
    "id_checksum",
    "id_birthdate",
    "id_duplicate",
    "id_registered_elsewhere",
    "duplicate_household_no",
    "unknown_village",
    "unknown_town",
    "unknown_household",
    "head_missing",
    "head_multiple",
    "head_mismatch",
    "duplicate_income_year",
}
EXTENSION_CODES = {
    "out_of_scope",
    "duplicate_village_year",
    "not_a_workbook",
    "empty_file",
    "sheet_missing",
    "unknown_sheet",
    "missing_column",
    "unknown_column",
    "duplicate_cause",
    "out_of_range",
    "too_long",
}


def db_state() -> dict[str, int]:
    return {
        "households": Household.objects.count(),
        "members": Member.objects.count(),
        "left": Member.objects.filter(left_on__isnull=False).count(),
        "incomes": Income.objects.count(),
        "status_changes": StatusChange.objects.count(),
        "household_history": Household.history.count(),
        "member_history": Member.history.count(),
        "income_history": Income.history.count(),
        "areas": Area.objects.count(),
        "village_years": VillageYear.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def wrong_check_digit(number: str) -> str:
    right = number[-1]
    return number[:-1] + ("1" if right != "1" else "2")


def id_with_birth(birth: str) -> str:
    base = f"441882{birth}011"
    return base + ric.calc_check_digit(base + "0")


# Each scenario changes a valid three-household registry (户 rows 2–4; 成员 rows 2–6: T0001 head,
# spouse, T0002 head, spouse, T0003 head; 收入 rows 2–4) and names the errors it must cause.
def s_checksum(s, ctx):
    s["成员"][1]["证件号码"] = wrong_check_digit(s["成员"][1]["证件号码"])
    return [("成员", 3, "证件号码", "id_checksum")]


def s_fifteen_digits(s, ctx):
    s["成员"][1]["证件号码"] = "441882500101001"
    return [("成员", 3, "证件号码", "id_format")]


def s_numeric_id(s, ctx):
    s["成员"][1]["证件号码"] = float(s["成员"][1]["证件号码"][:17] + "0")
    return [("成员", 3, "证件号码", "id_format")]


def s_numeric_head_id(s, ctx):
    s["户"][0]["户主证件号码"] = float(s["户"][0]["户主证件号码"][:17] + "0")
    return [("户", 2, "户主证件号码", "id_format")]


def s_numeric_account(s, ctx):
    s["户"][0]["一卡通账号"] = 6228480000000000017.0
    return [("户", 2, "一卡通账号", "id_format")]


def s_impossible_birth(s, ctx):
    s["成员"][1]["证件号码"] = id_with_birth("19500230")
    s["成员"][3]["证件号码"] = id_with_birth(f"{dt.date.today().year + 1}0101")
    return [("成员", 3, "证件号码", "id_birthdate"), ("成员", 5, "证件号码", "id_birthdate")]


def s_id_twice(s, ctx):
    s["成员"][3]["证件号码"] = s["成员"][1]["证件号码"]
    return [("成员", 5, "证件号码", "id_duplicate")]


def s_id_elsewhere(s, ctx):
    s["成员"][1]["证件号码"] = ctx["existing"].members.get(relation="spouse").id_number
    return [("成员", 3, "证件号码", "id_registered_elsewhere")]


def s_no_head(s, ctx):
    s["成员"][4]["与户主关系"] = "配偶"
    return [("成员", 6, "与户主关系", "head_missing")]


def s_no_members(s, ctx):
    del s["成员"][4]
    return [("户", 4, "户编号", "head_missing")]


def s_two_heads(s, ctx):
    s["成员"][1]["与户主关系"] = "户主"
    return [("成员", 3, "与户主关系", "head_multiple")]


def s_head_id_mismatch(s, ctx):
    s["户"][0]["户主证件号码"] = s["成员"][1]["证件号码"]
    return [("户", 2, "户主证件号码", "head_mismatch")]


def s_head_name_mismatch(s, ctx):
    s["户"][1]["户主姓名"] = "李四"
    return [("户", 3, "户主姓名", "head_mismatch")]


def s_unknown_village(s, ctx):
    s["户"][0]["行政区划代码"] = "441882101299"
    return [("户", 2, "行政区划代码", "unknown_village")]


def s_village_not_twelve_digits(s, ctx):
    s["户"][0]["行政区划代码"] = "4418821012"
    return [("户", 2, "行政区划代码", "unknown_village")]


def s_unknown_town(s, ctx):
    s["户"][0]["行政区划代码"] = "441882199201"
    s["村"].append({"行政区划代码": "441882198201", "村名": "无此镇村", "年度": 2016, "户籍人口": 100})
    return [("村", 2, "行政区划代码", "unknown_town"), ("户", 2, "行政区划代码", "unknown_town")]


def s_code_outside_list(s, ctx):
    s["成员"][0]["健康状况"] = "很好"
    s["户"][2]["贫困户属性"] = "富裕户"
    return [("户", 4, "贫困户属性", "unknown_code"), ("成员", 2, "健康状况", "unknown_code")]


def s_yes_no_outside_list(s, ctx):
    s["成员"][0]["是否享受低保"] = "也许"
    return [("成员", 2, "是否享受低保", "unknown_code")]


def s_three_other_causes(s, ctx):
    s["户"][0]["其他致贫原因"] = "缺技术、缺水;缺劳力"
    return [("户", 2, "其他致贫原因", "too_many_causes")]


def s_negative_amount(s, ctx):
    s["收入"][0]["工资性收入"] = -5
    return [("收入", 2, "工资性收入", "negative")]


def s_non_numeric_amount(s, ctx):
    s["收入"][1]["财产性收入"] = "三千"
    s["收入"][2]["转移性支出"] = "12.345"
    return [("收入", 3, "财产性收入", "not_a_number"), ("收入", 4, "转移性支出", "not_a_number")]


def s_second_income_same_year(s, ctx):
    s["收入"].append(income_row("T0001", 2016))
    return [("收入", 5, "年度", "duplicate_income_year")]


def s_required(s, ctx):
    s["成员"][1]["姓名"] = ""
    s["户"][2]["主要致贫原因"] = " "
    return [("户", 4, "主要致贫原因", "required"), ("成员", 3, "姓名", "required")]


def s_bad_year(s, ctx):
    s["户"][0]["识别年度"] = 1999
    s["收入"][0]["年度"] = "二〇一六"
    return [("户", 2, "识别年度", "bad_year"), ("收入", 2, "年度", "bad_year")]


def s_duplicate_household_no(s, ctx):
    s["户"].append(dict(s["户"][0]))
    return [("户", 5, "户编号", "duplicate_household_no")]


def s_unknown_household(s, ctx):
    s["成员"].append(member_row("T9999", make_id_number()))
    s["收入"].append(income_row("T9999"))
    return [("成员", 7, "户编号", "unknown_household"), ("收入", 5, "户编号", "unknown_household")]


def s_duplicate_village_year(s, ctx):
    village = {"行政区划代码": "441882101209", "村名": "新村", "年度": 2016, "户籍人口": 800}
    s["村"] += [village, dict(village)]
    return [("村", 3, "年度", "duplicate_village_year")]


def s_work_months_out_of_range(s, ctx):
    s["成员"][0]["务工时间(月)"] = 13
    return [("成员", 2, "务工时间(月)", "out_of_range")]


SCENARIOS = [
    s_checksum,
    s_fifteen_digits,
    s_numeric_id,
    s_numeric_head_id,
    s_numeric_account,
    s_impossible_birth,
    s_id_twice,
    s_id_elsewhere,
    s_no_head,
    s_no_members,
    s_two_heads,
    s_head_id_mismatch,
    s_head_name_mismatch,
    s_unknown_village,
    s_village_not_twelve_digits,
    s_unknown_town,
    s_code_outside_list,
    s_yes_no_outside_list,
    s_three_other_causes,
    s_negative_amount,
    s_non_numeric_amount,
    s_second_income_same_year,
    s_required,
    s_bad_year,
    s_duplicate_household_no,
    s_unknown_household,
    s_duplicate_village_year,
    s_work_months_out_of_range,
]


def found(report) -> list[tuple]:
    return [(e.sheet, e.row, e.column, e.code) for e in report.errors]


@pytest.fixture
def context(areas, make_household):
    return {"existing": make_household(village=VILLAGE_B)}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__[2:])
def test_bad_cell_is_reported_exactly_and_nothing_is_committed(scenario, context, tmp_path):
    sheets = registry_sheets(3)
    expected = scenario(sheets, context)
    path = write_workbook(tmp_path / "bad.xlsx", sheets)
    before = db_state()
    report = import_registry(path)
    assert found(report) == expected
    assert all(e.message for e in report.errors)
    assert not report.ok and not report.committed
    assert db_state() == before


def test_every_contract_code_has_a_scenario(context, tmp_path):
    """The scenarios above, the structural ones below and the scope test cover every code."""
    produced = set()
    for scenario in SCENARIOS:
        produced |= {code for *_where, code in scenario(registry_sheets(3), context)}
    produced |= {"out_of_scope", "not_a_workbook", "empty_file", "sheet_missing", "unknown_sheet"}
    produced |= {"missing_column", "unknown_column", "duplicate_cause", "too_long"}
    assert CONTRACT_CODES <= produced
    assert produced <= CONTRACT_CODES | EXTENSION_CODES


def test_workbook_with_n_known_errors_yields_exactly_those(context, tmp_path):
    sheets = registry_sheets(4)
    sheets["成员"][1]["证件号码"] = wrong_check_digit(sheets["成员"][1]["证件号码"])  # row 3
    sheets["成员"][2]["健康状况"] = "良好"  # row 4
    sheets["成员"][3]["证件号码"] = 441882198001010000.0  # row 5, a number
    sheets["户"][1]["其他致贫原因"] = "缺水、缺电、缺路"  # row 3: 缺电 and 缺路 unknown, and three causes
    sheets["户"][2]["识别年度"] = "2016年"  # row 4
    sheets["收入"][2]["工资性收入"] = -100  # row 4
    sheets["收入"].append(income_row("T0004", 2016))  # row 6
    sheets["户"][3]["住房是否安全"] = ""  # row 5
    path = write_workbook(tmp_path / "many.xlsx", sheets)
    before = db_state()
    report = import_registry(path)
    assert found(report) == [
        ("户", 3, "其他致贫原因", "unknown_code"),
        ("户", 3, "其他致贫原因", "unknown_code"),
        ("户", 3, "其他致贫原因", "too_many_causes"),
        ("户", 4, "识别年度", "bad_year"),
        ("户", 5, "住房是否安全", "required"),
        ("成员", 3, "证件号码", "id_checksum"),
        ("成员", 4, "健康状况", "unknown_code"),
        ("成员", 5, "证件号码", "id_format"),
        ("收入", 4, "工资性收入", "negative"),
        ("收入", 6, "年度", "duplicate_income_year"),
    ]
    assert report.counts == {"村": 0, "户": 4, "成员": 7, "收入": 5}
    assert db_state() == before


def test_duplicate_cause_and_too_long(context, tmp_path):
    sheets = registry_sheets(2)
    sheets["户"][0]["其他致贫原因"] = "因病"  # the main cause again
    sheets["成员"][0]["姓名"] = sheets["户"][0]["户主姓名"] = "很" * 51
    path = write_workbook(tmp_path / "x.xlsx", sheets)
    report = import_registry(path)
    assert found(report) == [
        ("户", 2, "户主姓名", "too_long"),
        ("户", 2, "其他致贫原因", "duplicate_cause"),
        ("成员", 2, "姓名", "too_long"),
    ]


def test_empty_file(areas, tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    before = db_state()
    report = import_registry(path)
    assert found(report) == [("", None, "", "empty_file")]
    assert db_state() == before


def test_workbook_with_headers_only_is_empty(areas, tmp_path):
    path = write_workbook(tmp_path / "headers.xlsx", {"村": [], "户": [], "成员": [], "收入": []})
    before = db_state()
    report = import_registry(path)
    assert found(report) == [("", None, "", "empty_file")]
    assert db_state() == before


@pytest.mark.parametrize(
    "content",
    [b"this is a text file, not a workbook", b"PK\x03\x04 broken zip", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1xx"],
)
def test_file_that_is_not_a_workbook(areas, tmp_path, content):
    path = tmp_path / "registry.xlsx"
    path.write_bytes(content)
    before = db_state()
    report = import_registry(path)
    assert [(e.sheet, e.row, e.code) for e in report.errors] == [("", None, "not_a_workbook")]
    assert db_state() == before


def test_sheet_renamed(areas, tmp_path):
    sheets = registry_sheets(2)
    sheets["成员表"] = sheets.pop("成员")
    path = write_workbook(tmp_path / "renamed.xlsx", sheets, headers={"成员表": list(sheets["成员表"][0])})
    before = db_state()
    report = import_registry(path)
    assert sorted(found(report), key=str) == sorted(
        [("成员", None, "", "sheet_missing"), ("成员表", None, "", "unknown_sheet")], key=str
    )
    assert "成员表" in report.errors[0].message or "成员表" in report.errors[1].message
    assert db_state() == before


def test_column_renamed_or_missing(areas, tmp_path):
    sheets = registry_sheets(2)
    for row in sheets["成员"]:
        row["名字"] = row.pop("姓名")
    headers = list(sheets["成员"][0])
    path = write_workbook(tmp_path / "columns.xlsx", sheets, headers={"成员": headers})
    report = import_registry(path)
    assert found(report) == [("成员", 1, "名字", "unknown_column"), ("成员", 1, "姓名", "missing_column")]


def test_cadre_imports_only_its_own_village(users, tmp_path):
    sheets = registry_sheets(2)
    sheets["户"][1]["行政区划代码"] = VILLAGE_B
    sheets["村"].append({"行政区划代码": "441882102209", "村名": "外镇村", "年度": 2016, "户籍人口": 10})
    path = write_workbook(tmp_path / "scope.xlsx", sheets)
    before = db_state()
    report = import_registry(path, actor=users["cadre"])
    assert found(report) == [
        ("村", 2, "行政区划代码", "out_of_scope"),
        ("户", 3, "行政区划代码", "out_of_scope"),
    ]
    assert db_state() == before


def test_cadre_cannot_take_over_a_household_number_of_another_village(users, make_household, tmp_path):
    other = make_household(village=OTHER_TOWN_VILLAGE)
    sheets = registry_sheets(1)
    sheets["户"][0]["户编号"] = sheets["成员"][0]["户编号"] = sheets["收入"][0]["户编号"] = other.household_no
    path = write_workbook(tmp_path / "takeover.xlsx", sheets)
    report = import_registry(path, actor=users["cadre"])
    assert found(report) == [
        ("户", 2, "户编号", "out_of_scope"),
        ("成员", 2, "户编号", "out_of_scope"),
        ("收入", 2, "户编号", "out_of_scope"),
    ]


def test_roles_that_do_not_manage_households_cannot_import(users, tmp_path):
    path = write_workbook(tmp_path / "ok.xlsx", registry_sheets(1))
    for name in ("helper", "leader", "auditor", "upper", "noarea"):
        with pytest.raises(PermissionError):
            import_registry(path, actor=users[name])
    assert Household.objects.count() == 0


def test_csv_in_gbk_is_read_and_an_unknown_encoding_is_refused(areas, tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "户.csv").write_bytes("户编号,行政区划代码\nT1,昌黎村\n".encode("gbk"))
    (folder / "成员.csv").write_bytes("户编号\n".encode())
    before = db_state()
    report = import_registry(folder)
    # The GBK header is understood: what is reported are the cells, not the encoding.
    assert report.errors and "not_a_workbook" not in {e.code for e in report.errors}
    assert not any("编码" in e.message for e in report.errors)
    (folder / "户.csv").write_bytes(b"\xff\x80\xff\x80,\x80\n")
    report = import_registry(folder)
    assert [(e.code) for e in report.errors] == ["not_a_workbook"]
    assert "编码" in report.errors[0].message and "CSV UTF-8" in report.errors[0].message
    assert db_state() == before
