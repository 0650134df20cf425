"""Loading department lists: encodings, required columns, bad rows reported, the same file twice."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fupin.core.models import AuditEvent
from fupin.monitoring import services
from fupin.monitoring.lists import ListRefused
from fupin.monitoring.models import ExternalList, ExternalRecord

from ..conftest import make_id_number
from .conftest import write_csv

CIVIL = ["姓名", "证件号码", "类别", "开始日期"]


def test_a_gbk_csv_from_excel_loads(tmp_path, db):
    number = make_id_number()
    path = write_csv(
        tmp_path / "低保.csv", CIVIL + ["备注"], [["王大明", number, "低保", "2016-03-01", "新增"]], "gbk"
    )
    result = services.load_file(actor=None, kind="civil", path=path)
    assert result.created
    record = ExternalRecord.objects.get()
    assert (record.name, record.id_number, record.category) == ("王大明", number, "dibao")
    assert str(record.event_date) == "2016-03-01"


def test_a_missing_required_column_refuses_the_whole_list(tmp_path, db):
    path = write_csv(
        tmp_path / "低保.csv", ["姓名", "证件号码", "开始日期"], [["王大明", make_id_number(), "2016-03-01"]]
    )
    with pytest.raises(ListRefused) as refused:
        services.load_file(actor=None, kind="civil", path=path)
    assert "类别" in refused.value.message
    assert not ExternalList.objects.exists()
    with pytest.raises(CommandError) as error:
        call_command("monitoring", "load", "civil", str(path))
    assert error.value.returncode == 1
    assert not ExternalList.objects.exists()


def test_bad_rows_are_reported_not_silently_dropped(tmp_path, db):
    good = make_id_number()
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    rows = [
        ["王大明", good, "低保", "2016-03-01"],
        ["王大明", good, "低保", "2016-03-01"],  # the same person twice
        ["李四", wrong_check, "特困", "2016-04-01"],  # kept for name matching, noted
        ["", "12345", "低保", "2016-04-01"],  # no name, no usable number
        ["赵六", make_id_number(), "临时救助", "2016-04-01"],  # not 低保/特困
        ["", "", "", ""],
    ]
    path = write_csv(tmp_path / "civil.csv", CIVIL, rows)
    result = services.load_file(actor=None, kind="civil", path=path)
    codes = {item["row"]: item["code"] for item in result.skipped}
    assert codes == {3: "duplicate", 4: "id_checksum_kept", 5: "id_format", 6: "category", 7: "empty_row"}
    assert result.external_list.rows_read == 6
    assert result.external_list.rows_loaded == 2
    kept = ExternalRecord.objects.get(name="李四")
    assert kept.id_number == wrong_check and not kept.id_valid and kept.birth_date is not None


def test_full_width_lower_case_and_15_digit_numbers_are_normalised(tmp_path, db):
    import datetime as dt

    number = make_id_number(born=dt.date(1965, 4, 3))
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number[:17]) + number[17].lower()
    old = number[:6] + number[8:17]  # the first-generation number of the same person
    path = write_csv(
        tmp_path / "deaths.csv",
        ["姓名", "身份证号", "死亡日期"],
        [["甲", f" {full_width} ", "2017-01-02"], ["乙", old, "2017/1/3"]],
    )
    result = services.load_file(actor=None, kind="deaths", path=path)
    # Both rows name the same person: the 15-digit number upgrades to the 18-digit one.
    assert list(ExternalRecord.objects.values_list("id_number", "id_valid")) == [(number, True)]
    assert [(s["row"], s["code"]) for s in result.skipped] == [(3, "duplicate")]


def test_a_header_only_file_loads_empty_with_a_note(tmp_path, db):
    path = write_csv(tmp_path / "payroll.csv", ["姓名", "证件号码", "工作单位"], [])
    result = services.load_file(actor=None, kind="payroll", path=path)
    assert result.external_list.rows_loaded == 0
    assert [s["code"] for s in result.skipped] == ["no_rows"]


def test_the_same_list_sent_again_changes_nothing(tmp_path, db):
    path = write_csv(tmp_path / "civil.csv", CIVIL, [["王大明", make_id_number(), "低保", "2016-03-01"]])
    call_command("monitoring", "load", "civil", str(path), "--date", "2016-12-31")
    events = AuditEvent.objects.count()
    call_command("monitoring", "load", "civil", str(path), "--date", "2017-01-05")
    assert ExternalList.objects.count() == 1
    assert ExternalRecord.objects.count() == 1
    assert str(ExternalList.objects.get().list_date) == "2016-12-31"
    assert AuditEvent.objects.count() == events


def test_an_xlsx_list_loads(tmp_path, db):
    import xlsxwriter

    number = make_id_number()
    path = tmp_path / "vehicles.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for col, value in enumerate(["车主姓名", "证件号码", "号牌号码", "车辆类型", "车辆价值"]):
        sheet.write(0, col, value)
    for col, value in enumerate(["王大明", number, "粤R12345", "小型轿车", 85000]):
        sheet.write(1, col, value)
    book.close()
    services.load_file(actor=None, kind="vehicles", path=path)
    record = ExternalRecord.objects.get()
    assert (record.id_number, record.detail, str(record.amount)) == (number, "粤R12345", "85000.00")


def test_loading_does_not_touch_the_registry(tmp_path, people):
    from fupin.registry.models import Member

    before = list(Member.objects.order_by("id").values())
    path = write_csv(
        tmp_path / "deaths.csv",
        ["姓名", "证件号码", "死亡日期"],
        [["王大明", people["ids"]["wang"], "2017-01-02"]],
    )
    services.load_file(actor=None, kind="deaths", path=path)
    services.run(actor=None)
    assert list(Member.objects.order_by("id").values()) == before
