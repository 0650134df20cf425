"""The role × URL matrix of the funds pages (tests/scope.py), and objects outside a user's area.

Funds are read by the administrator, the town office, village cadres (their village), leaders, auditors
and upper levels; helpers, civil affairs and evaluators have no funds pages. Allocations, expenses and
approvals are the town office's; a village cadre proposes projects, tenders and uploads documents."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fupin.funds import services

from ..conftest import VILLAGE_A
from ..scope import ROLES, api, client_for, expect

FUNDS = {"admin", "town", "cadre", "leader", "auditor", "upper"}
MANAGE = {"admin", "town"}
PROPOSE = {"admin", "town", "cadre"}


def _post_only(ok: set[str]) -> dict[str, int]:
    # A POST without its form goes back to the page (302) for those who may; others are refused.
    return expect(ok, ok_status=302)


EXPECTED = {
    "funds:index": ("GET", "", expect(FUNDS)),
    "funds:village": ("GET", "village", expect(FUNDS)),
    "funds:allocations": ("GET", "", expect(FUNDS)),
    "funds:allocate_per_person": ("POST", "", _post_only(MANAGE)),
    "funds:project_list": ("GET", "", expect(FUNDS)),
    "funds:project_create": ("GET", "", expect(PROPOSE)),
    "funds:project_detail": ("GET", "project", expect(FUNDS)),
    "funds:project_advance": ("POST", "project", _post_only(PROPOSE)),
    "funds:project_expense": ("POST", "project", _post_only(MANAGE)),
    "funds:project_document": ("POST", "project", _post_only(PROPOSE)),
    "funds:document_download": ("GET", "document", expect(FUNDS)),
    "funds:ledger": ("GET", "", expect(FUNDS)),
    "funds:ledger_export": ("GET", "", expect(FUNDS)),
    "funds:findings": ("GET", "", expect(FUNDS)),
    "funds:loans": ("GET", "", expect(FUNDS)),
    "api-fund-allocation-list": ("GET", "", api(FUNDS)),
    "api-fund-allocation-detail": ("GET", "allocation", api(FUNDS)),
    "api-fund-project-list": ("GET", "", api(FUNDS)),
    "api-fund-project-detail": ("GET", "project", api(FUNDS)),
}

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def objects(users, areas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    allocation = services.create_allocation(
        actor=users["town"],
        year=2017,
        document_no="清财〔2017〕1号",
        source="social",
        title="资金",
        area=areas["a"],
        amount="100000",
        allocated_on=dt.date(2017, 3, 1),
    )
    project = services.propose_project(
        actor=users["cadre"],
        name="村道",
        village=areas["a"],
        project_type="road",
        allocation=allocation,
        budget="50000",
        beneficiaries=100,
        proposed_on=dt.date(2017, 3, 2),
    )
    document = services.add_document(
        actor=users["cadre"], project=project, kind="proposal", upload=SimpleUploadedFile("申报书.pdf", PDF)
    )
    return {
        "": {},
        "village": {"code": VILLAGE_A},
        "project": {"pk": project.pk},
        "document": {"pk": document.pk},
        "allocation": {"pk": allocation.pk},
        "objects": (allocation, project),
    }


@pytest.mark.parametrize("role", ROLES)
def test_role_gets_what_the_matrix_says(client, users, objects, role):
    client = client_for(client, users, role)
    wrong = []
    for name, (method, key, table) in EXPECTED.items():
        url = reverse(name, kwargs=objects[key])
        response = client.get(url) if method == "GET" else client.post(url)
        if response.status_code != table[role]:
            wrong.append(f"{method} {name} → {response.status_code}, expected {table[role]}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


@pytest.fixture
def other_town(users, areas):
    allocation = services.create_allocation(
        actor=users["admin"],
        year=2017,
        document_no="外镇",
        source="social",
        title="外镇资金",
        area=areas["other"],
        amount="100000",
        allocated_on=dt.date(2017, 3, 1),
    )
    return services.propose_project(
        actor=users["admin"],
        name="外镇村道",
        village=areas["other"],
        project_type="road",
        allocation=allocation,
        budget="50000",
        beneficiaries=10,
        proposed_on=dt.date(2017, 3, 2),
    )


@pytest.mark.parametrize("role", ["town", "cadre", "leader", "auditor"])
def test_a_project_outside_the_area_is_not_found_and_not_listed(client, users, other_town, role):
    client.force_login(users[role])
    assert client.get(reverse("funds:project_detail", kwargs={"pk": other_town.pk})).status_code == 404
    assert client.post(reverse("funds:project_advance", kwargs={"pk": other_town.pk})).status_code == 404
    assert "外镇村道" not in client.get(reverse("funds:project_list")).content.decode()
    assert "外镇" not in client.get(reverse("funds:allocations") + "?year=2017").content.decode()
    assert client.get(reverse("funds:village", kwargs={"code": other_town.village_id})).status_code == 404
    assert client.get(reverse("api-fund-project-detail", kwargs={"pk": other_town.pk})).status_code == 404
    listed = client.get(reverse("api-fund-project-list")).json()["results"]
    assert other_town.pk not in [p["id"] for p in listed]


def test_a_cadre_of_village_b_does_not_see_village_a(client, users, objects):
    client.force_login(users["cadre_b"])
    assert client.get(reverse("funds:project_detail", kwargs=objects["project"])).status_code == 404
    assert client.get(reverse("funds:document_download", kwargs=objects["document"])).status_code == 404
