"""The role × URL matrix of monitoring (tests/scope.py): pages, the decision form, the interchange API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fupin.areas.models import Area
from fupin.monitoring import services
from fupin.monitoring.models import Finding

from ..scope import READERS, ROLES, WRITERS, client_for, expect
from .conftest import write_csv

EVERYONE = set(ROLES) - {"anon"}
FINDING_READERS = READERS | {"civil", "noarea"}
CIVIL = {"civil", "admin"}
# Without an interchange key, everyone — signed in or not — is asked for one.
NO_KEY = {role: 401 for role in ROLES}

EXPECTED = {
    "monitoring:dashboard": ("GET", "", expect(EVERYONE)),
    "monitoring:run": ("POST", "", expect({"admin", "town"}, ok_status=302)),
    "monitoring:findings": ("GET", "", expect(FINDING_READERS)),
    "monitoring:finding_detail": ("GET", "finding", expect(READERS | {"civil"}, noarea=404)),
    "monitoring:finding_decide": (
        "POST",
        "finding",
        expect({"admin", "town", "cadre"}, ok_status=302, noarea=404),
    ),
    "monitoring:lists": ("GET", "", expect(FINDING_READERS)),
    "monitoring:list_detail": ("GET", "list", expect(READERS | {"civil"}, noarea=404)),
    "monitoring:risks": ("GET", "", expect(READERS | {"noarea"})),
    "monitoring:risk_event_add": ("POST", "", expect(WRITERS | {"noarea"}, ok_status=302)),
    "monitoring:exchanges": ("GET", "", expect(CIVIL)),
    "monitoring:covered": ("GET", "", expect(CIVIL)),
    "monitoring:systems": ("GET", "", expect({"admin"})),
    "monitoring:system_revoke": ("POST", "interchange", expect({"admin"}, ok_status=302)),
    "api-interchange-civil-list": ("POST", "system", NO_KEY),
    "api-interchange-status": ("POST", "system", NO_KEY),
}


@pytest.fixture
def objects(people, tmp_path):
    path = write_csv(
        tmp_path / "civil.csv",
        ["姓名", "证件号码", "类别", "开始日期"],
        [["王大明", people["ids"]["wang"], "低保", "2016-01-01"]],
    )
    external = services.load_file(actor=None, kind="civil", path=path).external_list
    services.run(actor=None)
    finding = Finding.objects.get(rule="dibao_mismatch", household_no="H-WANG")  # village A
    system, _key = services.create_system(
        actor=None, code="lz-minzheng", name="民政局", area=Area.objects.get(code="441882101")
    )
    return {
        "": {},
        "finding": {"pk": finding.pk},
        "list": {"pk": external.pk},
        "system": {"system": "lz-minzheng"},
        "interchange": {"pk": system.pk},
    }


@pytest.mark.parametrize("role", ROLES)
def test_role_gets_what_the_matrix_says(client, users, objects, role):
    client = client_for(client, users, role)
    wrong = []
    for name, (method, key, table) in EXPECTED.items():
        url = reverse(name, kwargs=objects[key])
        response = client.get(url) if method == "GET" else client.post(url, {"decision": "confirm"})
        if response.status_code != table[role]:
            wrong.append(f"{method} {name} → {response.status_code}, expected {table[role]}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


def test_a_finding_outside_the_village_is_not_found(client, users, objects, people):
    finding = Finding.objects.get(rule="no_labour_not_dibao")  # 陈老汉, village B
    client.force_login(users["cadre"])
    assert client.get(reverse("monitoring:finding_detail", args=[finding.pk])).status_code == 404
    assert (
        client.post(
            reverse("monitoring:finding_decide", args=[finding.pk]), {"decision": "confirm"}
        ).status_code
        == 404
    )
    client.force_login(users["cadre_b"])
    assert client.get(reverse("monitoring:finding_detail", args=[finding.pk])).status_code == 200


def test_civil_affairs_sees_only_the_dibao_findings(client, users, objects, people, tmp_path):
    path = write_csv(
        tmp_path / "payroll.csv",
        ["姓名", "证件号码", "工作单位"],
        [["李建国", people["ids"]["li"], "镇政府"]],
    )
    services.load_file(actor=None, kind="payroll", path=path)
    services.run(actor=None)
    payroll = Finding.objects.get(rule="public_payroll")
    client.force_login(users["civil"])
    page = client.get(reverse("monitoring:findings")).content.decode()
    assert "H-WANG" in page and "李建国" not in page
    assert client.get(reverse("monitoring:finding_detail", args=[payroll.pk])).status_code == 404
