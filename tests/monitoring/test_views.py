"""The monitoring pages as a town office and a village cadre use them."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fupin.core.models import AuditEvent
from fupin.monitoring import services
from fupin.monitoring.models import ExternalList, Finding

from .conftest import write_csv


@pytest.fixture
def with_findings(people, tmp_path):
    path = write_csv(
        tmp_path / "vehicles.csv",
        ["姓名", "证件号码", "号牌号码", "车辆类型", "车辆价值"],
        [["王大明", people["ids"]["wang"], "粤R12345", "小型轿车", "85000"]],
    )
    services.load_file(actor=None, kind="vehicles", path=path)
    services.run(actor=None)
    return Finding.objects.get(rule="owns_vehicle")


def test_the_town_office_uploads_a_gbk_list_from_the_page(client, users, people):
    data = "姓名,证件号码,死亡日期\r\n王大明,{},2017-01-02\r\n".format(people["ids"]["wang"]).encode("gbk")
    client.force_login(users["town"])
    response = client.post(
        reverse("monitoring:lists"),
        {
            "kind": "deaths",
            "list_date": "2017-06-30",
            "file": SimpleUploadedFile("死亡.csv", data, "text/csv"),
        },
        follow=True,
    )
    assert "已导入 1 行" in response.content.decode()
    external = ExternalList.objects.get()
    assert external.loaded_by == users["town"] and external.area_code == "441882101"
    client.post(reverse("monitoring:run"))
    assert Finding.objects.filter(rule="deceased", household_no="H-WANG").exists()


def test_a_list_without_its_required_column_is_refused_on_the_page(client, users):
    client.force_login(users["town"])
    data = "姓名,死亡日期\r\n王大明,2017-01-02\r\n".encode()
    response = client.post(
        reverse("monitoring:lists"),
        {"kind": "deaths", "file": SimpleUploadedFile("x.csv", data, "text/csv")},
        follow=True,
    )
    assert "缺少必需的列：证件号码" in response.content.decode()
    assert not ExternalList.objects.exists()


def test_civil_affairs_may_upload_only_its_own_list(client, users):
    client.force_login(users["civil"])
    data = SimpleUploadedFile("x.csv", "姓名,证件号码,死亡日期\r\n".encode(), "text/csv")
    assert client.post(reverse("monitoring:lists"), {"kind": "deaths", "file": data}).status_code == 403


def test_the_evidence_is_shown_side_by_side_masked(client, users, with_findings, people):
    client.force_login(users["cadre"])
    page = client.get(reverse("monitoring:finding_detail", args=[with_findings.pk])).content.decode()
    assert "名下有车" in page and "粤R12345" in page
    assert people["ids"]["wang"] not in page
    assert page.count("441882***********") >= 2  # the registry's and the list's number, both masked


def test_a_cadre_dismisses_with_a_reason(client, users, with_findings):
    client.force_login(users["cadre"])
    url = reverse("monitoring:finding_decide", args=[with_findings.pk])
    page = client.post(url, {"decision": "dismiss", "reason": ""}, follow=True).content.decode()
    assert "排除时请写明理由" in page
    client.post(url, {"decision": "dismiss", "reason": "车辆已于2016年卖出"})
    with_findings.refresh_from_db()
    assert with_findings.status == "dismissed" and with_findings.decided_by == users["cadre"]
    assert AuditEvent.objects.filter(action="monitoring_dismiss").exists()


def test_the_work_list_exports_csv_with_masked_numbers(client, users, with_findings, people):
    client.force_login(users["town"])
    response = client.get(reverse("monitoring:findings"), {"format": "csv"})
    text = response.content.decode("utf-8-sig")
    assert "owns_vehicle" in text and "H-WANG" in text and people["ids"]["wang"] not in text
    assert AuditEvent.objects.filter(action="export", object_type="monitoring.Finding").exists()


def test_the_dashboard_household_and_village_pages_show_findings(client, users, with_findings, people):
    client.force_login(users["town"])
    page = client.get(reverse("monitoring:dashboard")).content.decode()
    assert "名下有车" in page and "monitoring-data" in page and "echarts" in page
    household = client.get(reverse("registry:household_detail", args=[people["wang"].pk])).content.decode()
    assert "monitoring-panel" in household and "名下有车" in household


def test_the_civil_affairs_menu_and_pages(client, users, with_findings):
    client.force_login(users["civil"])
    home = client.get("/").content.decode()
    assert reverse("monitoring:covered") in home and reverse("monitoring:exchanges") in home
    assert client.get(reverse("monitoring:covered")).status_code == 200
    assert client.get(reverse("monitoring:exchanges")).status_code == 200


def test_bad_filters_are_400(client, users):
    client.force_login(users["town"])
    assert client.get(reverse("monitoring:findings"), {"rule": "nope"}).status_code == 400
    assert client.get(reverse("monitoring:findings"), {"village": "x' or 1"}).status_code == 400


def test_the_village_page_counts_its_open_findings(client, users, with_findings):
    client.force_login(users["cadre"])
    page = client.get(reverse("areas:village_detail", args=["441882101201"])).content.decode()
    assert "monitoring-panel" in page and "名下有车" in page
    client.force_login(users["cadre_b"])
    page = client.get(reverse("areas:village_detail", args=["441882101202"])).content.decode()
    assert "名下有车" not in page


def test_the_administrator_creates_and_revokes_a_system_key_on_the_page(client, users):
    from fupin.monitoring.models import InterchangeSystem

    client.force_login(users["admin"])
    page = client.post(
        reverse("monitoring:systems"), {"code": "lz-mz", "name": "连州市民政局", "area": "441882"}
    ).content.decode()
    system = InterchangeSystem.objects.get(code="lz-mz")
    key = page.split('<code id="new-key">')[1].split("</code>")[0]
    assert key.startswith(system.key_prefix) and system.key_hash != key
    assert key not in client.get(reverse("monitoring:systems")).content.decode()  # shown once
    client.post(reverse("monitoring:system_revoke", args=[system.pk]))
    system.refresh_from_db()
    assert system.revoked_at is not None


def test_a_helper_records_a_large_medical_bill_and_the_next_run_warns(client, users, people):
    from fupin.assistance.models import HelperAssignment
    from fupin.monitoring import risk
    from fupin.monitoring.models import RiskEvent, RiskWarning

    HelperAssignment.objects.create(helper=users["helper"], household=people["li"], start_date="2016-06-01")
    client.force_login(users["helper"])
    url = reverse("monitoring:risk_event_add")
    client.post(
        url, {"household_no": "H-WANG", "kind": "medical", "occurred_on": "2017-05-01", "amount": "50000"}
    )
    assert not RiskEvent.objects.exists()  # not the helper's household
    client.post(
        url, {"household_no": "H-LI", "kind": "medical", "occurred_on": "2017-05-01", "amount": "1e400"}
    )
    assert not RiskEvent.objects.exists()
    client.post(
        url, {"household_no": "H-LI", "kind": "medical", "occurred_on": "2017-05-01", "amount": "50000"}
    )
    assert RiskEvent.objects.get().recorded_by == users["helper"]
    import datetime as dt

    risk.assess(actor=None, today=dt.date(2017, 6, 30))
    page = client.get(reverse("monitoring:risks")).content.decode()
    assert RiskWarning.objects.get().category == "sudden" and "H-LI" in page
