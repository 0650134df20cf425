"""Village indicators (R13): entered by the town or the village, imported from Excel (all or nothing,
row-level report), with history; progress against the notice's town targets."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
import python_calamine
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fupin.core.models import AuditEvent
from fupin.reports import services
from fupin.reports.models import VillageIndicators

from ..conftest import OTHER_TOWN_VILLAGE, VILLAGE_A, VILLAGE_B

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(rows: list[list]) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, services.template_headers())
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            sheet.write(number, column, value)
    book.close()
    return SimpleUploadedFile("指标.xlsx", buffer.getvalue(), content_type=XLSX)


def row(code, name, year, km=0, *flags, income=""):
    # road_km, roads_reach_all, road_widened, safe_water, electricity, radio_tv, broadband, health, irrigation
    values = list(flags) + ["否"] * (8 - len(flags))
    return [code, name, year, km, *values, income, ""]


def test_the_town_records_a_village_year_and_a_change_keeps_history(client, users, areas):
    client.force_login(users["town"])
    url = reverse("reports:indicator_edit", args=[VILLAGE_A, 2017])
    assert client.get(url).status_code == 200
    data = {
        "road_km_hardened": "3.5",
        "health_station": "on",
        "irrigation": "on",
        "collective_income": "52000",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    saved = VillageIndicators.objects.get(village_id=VILLAGE_A, year=2017)
    assert (saved.road_km_hardened, saved.health_station, saved.irrigation, saved.safe_water) == (
        Decimal("3.50"),
        True,
        True,
        False,
    )
    response = client.post(url, {**data, "road_km_hardened": "4", "version": saved.version})
    assert response.status_code == 302
    saved.refresh_from_db()
    assert saved.road_km_hardened == Decimal("4.00") and saved.history.count() == 2
    assert AuditEvent.objects.filter(object_type="reports.VillageIndicators", action="update").exists()


def test_a_stale_form_is_refused_not_overwritten(client, users, areas):
    client.force_login(users["town"])
    url = reverse("reports:indicator_edit", args=[VILLAGE_A, 2017])
    client.post(url, {"road_km_hardened": "1"})
    first = VillageIndicators.objects.get(village_id=VILLAGE_A, year=2017)
    client.post(url, {"road_km_hardened": "2", "version": first.version})
    stale = client.post(url, {"road_km_hardened": "9", "version": first.version})
    assert stale.status_code == 200 and "已被他人修改" in stale.content.decode()
    assert VillageIndicators.objects.get(village_id=VILLAGE_A, year=2017).road_km_hardened == Decimal("2.00")


@pytest.mark.parametrize(
    "km, message", [("-1", "不能为负数"), ("abc", "应为数字"), ("1.234", "最多两位小数"), ("NaN", "应为数字")]
)
def test_bad_kilometres_are_refused_on_the_form(client, users, areas, km, message):
    client.force_login(users["town"])
    response = client.post(
        reverse("reports:indicator_edit", args=[VILLAGE_A, 2017]), {"road_km_hardened": km}
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not VillageIndicators.objects.exists()


def test_a_cadre_records_only_its_own_village(client, users, areas):
    client.force_login(users["cadre"])
    assert client.get(reverse("reports:indicator_edit", args=[VILLAGE_A, 2017])).status_code == 200
    assert client.get(reverse("reports:indicator_edit", args=[VILLAGE_B, 2017])).status_code == 404
    with pytest.raises(services.NotPermitted):
        services.record(
            actor=users["cadre"],
            village=areas["b"],
            year=2017,
            data={"road_km_hardened": "1"},
            seen_version=None,
        )


def test_an_import_with_an_unknown_village_or_negative_km_is_refused_whole(client, users, areas):
    client.force_login(users["town"])
    upload = workbook(
        [
            row(VILLAGE_A, "昌黎村", 2017, 2.5, "是"),
            row("441882101299", "不存在村", 2017, 1),
            row(VILLAGE_B, "四方村", 2017, -3),
            row(OTHER_TOWN_VILLAGE, "大路边村", 2017, 1),
        ]
    )
    response = client.post(reverse("reports:indicator_import"), {"file": upload})
    body = response.content.decode()
    assert response.status_code == 400 and "整表未导入" in body
    assert "441882101299" in body and "不能为负数" in body and OTHER_TOWN_VILLAGE in body
    assert not VillageIndicators.objects.exists()


def test_an_import_creates_and_updates_by_code_or_name(client, users, areas):
    client.force_login(users["town"])
    services.record(actor=users["town"], village=areas["a"], year=2017, data={}, seen_version=None)
    upload = workbook(
        [row(VILLAGE_A, "", 2017, 2.5, "是", "否", "是"), row("", "四方村", 2018, 1, income=30000)]
    )
    response = client.post(reverse("reports:indicator_import"), {"file": upload})
    assert response.status_code == 200 and "新增 1 条，更新 1 条" in response.content.decode()
    a = VillageIndicators.objects.get(village_id=VILLAGE_A, year=2017)
    assert (a.road_km_hardened, a.roads_reach_all, a.road_widened, a.safe_water) == (
        Decimal("2.50"),
        True,
        False,
        True,
    )
    assert VillageIndicators.objects.get(village_id=VILLAGE_B, year=2018).collective_income == Decimal(
        "30000"
    )


def test_the_same_village_and_year_twice_in_one_file_is_an_error(users, areas):
    rows = [services.template_headers(), row(VILLAGE_A, "", 2017, 1), row(VILLAGE_A, "", 2017, 2)]
    report = services.import_rows(actor=users["town"], rows=rows)
    assert not report.ok and "与第2行是同一个村的同一年度" in report.errors[0]["message"]


def test_a_file_that_is_not_a_workbook_is_refused(client, users, areas):
    client.force_login(users["town"])
    fake = SimpleUploadedFile("指标.xlsx", b"MZ\x90\x00 not a workbook", content_type=XLSX)
    response = client.post(reverse("reports:indicator_import"), {"file": fake})
    assert response.status_code == 400 and "文件类型不符" in response.content.decode()


def test_the_export_round_trips_through_the_import(client, users, areas):
    client.force_login(users["town"])
    services.record(
        actor=users["town"],
        village=areas["a"],
        year=2017,
        data={"road_km_hardened": "2.25", "health_station": True, "collective_income": "1234.5"},
        seen_version=None,
    )
    exported = b"".join(client.get(reverse("reports:indicator_export"), {"year": 2017}).streaming_content)
    rows = (
        python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(exported)).get_sheet_by_index(0).to_python()
    )
    assert rows[0] == services.template_headers()
    VillageIndicators.objects.all().delete()
    report = services.import_rows(actor=users["town"], rows=rows)
    assert report.ok, report.errors
    again = VillageIndicators.objects.get(village_id=VILLAGE_A, year=2017)
    assert (again.road_km_hardened, again.health_station, again.collective_income) == (
        Decimal("2.25"),
        True,
        Decimal("1234.50"),
    )


def test_progress_counts_the_latest_record_and_accumulates_kilometres(client, users, areas):
    town = users["town"]
    services.record(
        actor=town,
        village=areas["a"],
        year=2016,
        data={"road_km_hardened": "10", "health_station": True, "irrigation": True},
        seen_version=None,
    )
    services.record(
        actor=town, village=areas["a"], year=2017, data={"road_km_hardened": "5.5"}, seen_version=None
    )
    services.record(
        actor=town,
        village=areas["b"],
        year=2016,
        data={"health_station": True, "irrigation": True},
        seen_version=None,
    )
    client.force_login(users["leader"])
    body = client.get(reverse("reports:indicator_list"), {"year": 2017}).content.decode()
    # 2017: 昌黎村 has no health station any more (its 2017 record), 四方村 carries its 2016 record forward.
    assert "1 / 21" in body and "15.50 / 40" in body
    # Of this town's two canal villages, 昌黎村's 2017 record no longer says irrigated.
    assert "1 / 2" in body and "尚未完成：昌黎村" in body
    body_2016 = client.get(reverse("reports:indicator_list"), {"year": 2016}).content.decode()
    assert "2 / 21" in body_2016 and "10.00 / 40" in body_2016


def test_a_bad_year_is_a_400(client, users, areas):
    client.force_login(users["leader"])
    assert client.get(reverse("reports:indicator_list"), {"year": "NaN"}).status_code == 400
    assert client.get(reverse("reports:indicator_list"), {"year": "1999"}).status_code == 400
