"""The national system's 贫困人口明细 in and out: a file as real exports write it imports; a file with a
household that disagrees with itself or an unknown village is refused whole with row-level errors;
export national → import national into an empty registry gives back the same households, members and
codes; the registry export's 状态 and 脱贫年度 columns are ignored on import."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import python_calamine
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from fupin.core.models import AuditEvent
from fupin.exchange.exporter import export_registry
from fupin.exchange.models import ImportJob
from fupin.exchange.national_export import export_national
from fupin.exchange.national_import import import_national
from fupin.exchange.pipeline import import_registry
from fupin.registry.models import (
    Household,
    Income,
    LivingConditions,
    Member,
    ReportedIncome,
    StatusChange,
)

from ..conftest import VILLAGE_A, VILLAGE_B, make_id_number
from .helpers import household_row, income_row, job_download, member_row, write_workbook
from .test_import_errors import db_state

# Headers as a real export writes them: a 序号 column first, the long county header, 乡镇 without
# brackets, half-width brackets in 务工时间(月).
HEADER = [
    "序号",
    "县(市、区、旗)",
    "乡镇",
    "行政村",
    "自然村",
    "户编号",
    "人编号",
    "姓名",
    "证件号码",
    "人数",
    "与户主关系",
    "民族",
    "文化程度",
    "在校生状况",
    "健康状况",
    "劳动技能",
    "务工状况",
    "务工时间(月)",
    "参加大病医疗",
    "脱贫属性",
    "脱贫年度",
    "贫困户属性",
    "主要致贫原因",
    "危房户",
    "饮水安全",
    "饮水困难",
    "人均纯收入",
    "联系电话",
]


def person(number, name, id_number, relation, size, **overrides) -> dict:
    row = {
        "县(市、区、旗)": "连州市",
        "乡镇": "星子镇",
        "行政村": "昌黎村",
        "自然村": "上坪",
        "户编号": number,
        "人编号": "",
        "姓名": name,
        "证件号码": id_number,
        "人数": size,
        "与户主关系": relation,
        "民族": "瑶族",
        "文化程度": "小学",
        "在校生状况": "非在校生",
        "健康状况": "健康",
        "劳动技能": "普通劳动力",
        "务工状况": "乡（镇）内务工",
        "务工时间(月)": 6,
        "参加大病医疗": "是",
        "脱贫属性": "未脱贫",
        "脱贫年度": "",
        "贫困户属性": "一般贫困户",
        "主要致贫原因": "因病",
        "危房户": "否",
        "饮水安全": "是",
        "饮水困难": "否",
        "人均纯收入": 3650.5,
        "联系电话": "13800138000",
    }
    row.update(overrides)
    return row


def write_national(path, rows, *, title="2018年贫困人口明细（星子镇）", header=HEADER):
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    ws = book.add_worksheet("Sheet1")
    start = 0
    if title:
        ws.write_string(0, 0, title)
        start = 1
    ws.write_row(start, 0, header)
    for r, row in enumerate(rows, start=start + 1):
        for c, column in enumerate(header):
            value = r - start if column == "序号" else row.get(column)
            if value is None or value == "":
                continue
            if isinstance(value, int | float):
                ws.write_number(r, c, value)
            else:
                ws.write_string(r, c, str(value))
    book.close()
    return path


def two_households() -> list[dict]:
    head1, child, head2 = make_id_number(), make_id_number(born=dt.date(2004, 3, 1)), make_id_number()
    return [
        person("N001", "李四", head1, "户主", 2, 健康状况="患有大病"),
        person(
            "N001",
            "李小",
            child,
            "之子",
            2,
            在校生状况="七年级",
            劳动技能="无劳动力",
            务工状况="",
            **{"务工时间(月)": ""},
        ),
        person(
            "N002",
            "王五",
            head2,
            "户主",
            1,
            行政村="四方村",
            自然村="下坪",
            健康状况="体弱多病",
            贫困户属性="五保户",
            脱贫属性="已脱贫",
            脱贫年度=2017,
            危房户="是",
            饮水困难="是",
            人均纯收入=7400,
        ),
    ]


def test_a_national_export_with_header_variants_and_a_title_row_imports(users, tmp_path):
    rows = two_households()
    report = import_national(write_national(tmp_path / "n.xlsx", rows), actor=users["town"])
    assert report.ok and report.committed, report.errors
    assert report.counts == {"贫困人口明细": 3, "户": 2}
    first = Household.objects.get(household_no="N001")
    assert (first.village_id, first.group.name, first.attribute, first.main_cause) == (
        VILLAGE_A,
        "上坪",
        "general",
        "illness",
    )
    assert (first.status, first.identified_year, first.housing_safe, first.water_safe) == (
        "registered",
        2018,
        True,
        True,
    )
    head = first.members.get(relation="head")
    child = first.members.get(relation="son")
    assert (head.health, head.migrant_work, head.work_months, head.medical_insurance) == (
        "serious",
        "in_town",
        6,
        True,
    )
    assert (child.school_status, child.labour, child.work_months) == ("junior_1", "none", None)
    assert (head.dibao, head.tekun, head.pension_insurance) == (False, False, None)
    assert ReportedIncome.objects.get(household=first, year=2018).per_capita == Decimal("3650.50")
    second = Household.objects.get(household_no="N002")
    assert (second.village_id, second.attribute, second.status, second.exit_year) == (
        VILLAGE_B,
        "wubao",
        "exited",
        2017,
    )
    assert second.identified_year == 2017 and second.housing_safe is False
    assert second.members.get().health == "frail" and second.members.get().tekun is True
    assert LivingConditions.objects.get(household=second).water_difficulty is True
    exit_change = StatusChange.objects.get(household=second, to_status="exited")
    assert (exit_change.year, exit_change.changed_by) == (2017, users["town"])
    assert second.history.first().status == "exited"
    assert AuditEvent.objects.filter(action="import", object_type="national").exists()


def test_csv_in_gbk_and_the_year_option(areas, tmp_path):
    rows = two_households()
    path = tmp_path / "n.csv"
    lines = [",".join(HEADER)] + [
        ",".join(str(i + 1) if h == "序号" else str(row.get(h, "")) for h in HEADER)
        for i, row in enumerate(rows)
    ]
    path.write_bytes("\n".join(lines).encode("gb18030"))
    report = import_national(path, year=2017)
    assert report.ok, report.errors
    assert ReportedIncome.objects.get(household__household_no="N001").year == 2017


def test_without_a_year_anywhere_the_file_is_refused(areas, tmp_path):
    report = import_national(write_national(tmp_path / "n.xlsx", two_households(), title=None))
    assert not report.ok and [e.code for e in report.errors] == ["year_missing"]


def test_a_household_that_disagrees_with_itself_is_refused_naming_both_rows(areas, tmp_path):
    rows = two_households()
    rows[1]["贫困户属性"] = "低保贫困户"  # the head's row (3) says 一般贫困户
    before = db_state()
    report = import_national(write_national(tmp_path / "n.xlsx", rows))
    assert not report.committed
    assert [(e.row, e.column, e.code) for e in report.errors] == [(4, "贫困户属性", "household_mismatch")]
    assert "第3行为“一般贫困户”，在第4行为“低保贫困户”" in report.errors[0].message
    assert db_state() == before


def test_an_unknown_village_is_refused_whole(areas, tmp_path):
    rows = two_households()
    for row in rows[:2]:
        row["行政村"] = "不存在村"
    rows[2]["健康状况"] = "很好"
    before = db_state()
    report = import_national(write_national(tmp_path / "n.xlsx", rows))
    assert not report.committed
    assert [(e.sheet, e.row, e.column, e.code) for e in report.errors] == [
        ("Sheet1", 3, "行政村", "unknown_village"),
        ("Sheet1", 5, "健康状况", "unknown_code"),
    ]
    assert "行政村“不存在村”不是系统中星子镇的村" in report.errors[0].message
    assert db_state() == before and not Household.objects.exists()


def test_the_registry_import_takes_a_national_file_too(areas, tmp_path):
    report = import_registry(write_national(tmp_path / "n.xlsx", two_households()))
    assert report.ok and report.counts == {"贫困人口明细": 3, "户": 2}


def test_the_command(areas, tmp_path, capsys):
    path = write_national(tmp_path / "n.xlsx", two_households())
    call_command("import", "national", str(path), "--dry-run", "--year", "2018")
    assert "检查通过" in capsys.readouterr().out and not Household.objects.exists()
    bad = two_households()
    bad[0]["证件号码"] = "123"
    with pytest.raises(CommandError) as failure:
        call_command("import", "national", str(write_national(tmp_path / "bad.xlsx", bad)))
    assert failure.value.returncode == 1


def _snapshot() -> tuple:
    households = sorted(
        Household.objects.values_list(
            "household_no",
            "village_id",
            "group__name",
            "attribute",
            "main_cause",
            "housing_safe",
            "water_safe",
            "phone",
            "status",
            "exit_year",
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
        )
    )
    water = sorted(LivingConditions.objects.values_list("household__household_no", "water_difficulty"))
    return households, members, water


def test_round_trip_export_national_then_import_into_an_empty_registry(users, tmp_path):
    rows = two_households()
    assert import_national(write_national(tmp_path / "n.xlsx", rows)).ok
    # A household registered the registry's way, with its income items instead of a reported figure.
    sheets = {
        "户": [
            household_row("R001", (head := make_id_number()), VILLAGE_B, 户主姓名="赵六", 贫困户属性="低保户")
        ],
        "成员": [
            member_row("R001", head, name="赵六", 在校生情况="高中二年级", 务工状况="省外务工"),
            member_row("R001", make_id_number(male=False), "配偶", name="钱七", 健康状况="残疾"),
        ],
        "收入": [income_row("R001", 2018)],
    }
    assert import_registry(write_workbook(tmp_path / "r.xlsx", sheets)).ok
    before = _snapshot()
    per_capita = {
        "N001": Decimal("3650.50"),
        "N002": Decimal("7400.00"),
        "R001": Income.objects.get(household__household_no="R001").per_capita(2),
    }

    out = tmp_path / "out.xlsx"
    result = export_national(out, actor=users["admin"], unmask=True)
    assert result.counts == {"贫困人口明细": 5, "户": 3} and result.unmasked
    entry = AuditEvent.objects.filter(action="export", object_type="national").get()
    assert entry.detail["unmasked"] is True and entry.detail["year"] == 2018

    for model in (StatusChange, ReportedIncome, LivingConditions, Income, Member, Household):
        model.objects.all().delete()
    report = import_national(out)
    assert report.ok and report.committed, report.errors
    assert _snapshot() == before
    assert {
        r.household.household_no: r.per_capita for r in ReportedIncome.objects.filter(year=2018)
    } == per_capita


def test_the_export_is_masked_unless_asked(users, tmp_path):
    assert import_national(write_national(tmp_path / "n.xlsx", two_households())).ok
    out = tmp_path / "masked.xlsx"
    export_national(out, actor=users["town"])
    rows = python_calamine.CalamineWorkbook.from_path(str(out)).get_sheet_by_name("贫困人口明细").to_python()
    assert rows[0][0] == "2018年贫困人口明细" and rows[1][7] == "证件号码"
    assert all("*" in row[7] and "*" in row[26] for row in rows[2:])
    with pytest.raises(PermissionError):
        export_national(tmp_path / "x.xlsx", actor=users["leader"], unmask=True)


def test_registry_export_has_status_and_exit_year_which_import_ignores(users, tmp_path):
    assert import_national(write_national(tmp_path / "n.xlsx", two_households())).ok
    out = tmp_path / "registry.xlsx"
    export_registry(out, actor=users["admin"], unmask=True)
    sheet = python_calamine.CalamineWorkbook.from_path(str(out)).get_sheet_by_name("户").to_python()
    assert sheet[0][-2:] == ["状态", "脱贫年度"]
    exited = next(row for row in sheet if row[0] == "N002")
    assert exited[-2:] == ["已脱贫", 2017.0]
    Household.objects.filter(household_no="N002").update(status="registered", exit_year=None)
    report = import_registry(out)
    assert report.ok, report.errors
    assert Household.objects.get(household_no="N002").status == "registered"


@pytest.fixture
def web(client, users, settings, tmp_path):
    settings.EXCHANGE_RUN_INLINE = True
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(users["town"])
    return client


def test_the_import_page_takes_a_national_file(web, tmp_path):

    rows = two_households()
    lines = [",".join(HEADER)] + [",".join(str(row.get(h, "")) for h in HEADER) for row in rows]
    lines.insert(0, "2018年贫困人口明细")
    upload = SimpleUploadedFile("星子镇明细.csv", "\n".join(lines).encode("gb18030"), "text/csv")
    web.post(reverse("exchange:import"), {"files": [upload]})
    job = ImportJob.objects.get()
    assert job.status == "succeeded", (job.message, job.errors)
    assert job.counts == {"贫困人口明细": 3, "户": 2} and Household.objects.count() == 2


def test_a_refused_national_file_shows_its_errors_on_the_job_page(web, tmp_path):

    rows = two_households()
    rows[0]["行政村"] = rows[1]["行政村"] = "不存在村"
    path = write_national(tmp_path / "bad.xlsx", rows)

    web.post(reverse("exchange:import"), {"files": SimpleUploadedFile(path.name, path.read_bytes())})
    job = ImportJob.objects.get()
    assert job.status == "invalid"
    page = web.get(reverse("exchange:import_job", args=[job.pk])).content.decode()
    assert "“Sheet1”表" in page and "不存在村" in page


def test_the_export_page_writes_the_national_layout(web, tmp_path):
    assert import_national(write_national(tmp_path / "n.xlsx", two_households())).ok
    response = web.post(reverse("exchange:export"), {"layout": "national", "village": ""})
    out = tmp_path / "page.xlsx"
    out.write_bytes(job_download(web, response))
    rows = python_calamine.CalamineWorkbook.from_path(str(out)).get_sheet_by_name("贫困人口明细").to_python()
    assert rows[1][:5] == ["县", "乡(镇)", "行政村", "自然村", "户编号"] and len(rows) == 5
    assert AuditEvent.objects.filter(action="export", object_type="national").exists()
