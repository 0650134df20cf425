"""Village pages: aggregates in the user's area, per-year facts, adding villages and years."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from fupin.areas.models import Area, VillageYear
from fupin.registry import services

from ..conftest import OTHER_TOWN_VILLAGE, TOWN, VILLAGE_A, VILLAGE_B

LIST = reverse("areas:village_list")


def text(response) -> str:
    return response.content.decode()


def detail(code: str) -> str:
    return reverse("areas:village_detail", args=[code])


@pytest.mark.parametrize(
    ("role", "seen"),
    [
        ("admin", {"昌黎村", "四方村", "大路边村"}),
        ("town", {"昌黎村", "四方村"}),
        ("cadre", {"昌黎村"}),
        ("leader", {"昌黎村", "四方村"}),
        ("auditor", {"昌黎村", "四方村"}),
        ("upper", {"昌黎村", "四方村", "大路边村"}),
    ],
)
def test_village_list_scope(client, users, role, seen):
    client.force_login(users[role])
    page = text(client.get(LIST))
    assert {name for name in ("昌黎村", "四方村", "大路边村") if name in page} == seen


@pytest.mark.parametrize("role", ["civil", "evaluator"])
def test_village_pages_refused_without_aggregate_access(client, users, role):
    client.force_login(users[role])
    assert client.get(LIST).status_code == 403
    assert client.get(detail(VILLAGE_A)).status_code == 403


def test_counts_by_status_and_latest_year(client, users, make_household):
    first = make_household(VILLAGE_A, members=3)
    make_household(VILLAGE_A, members=2)
    services.change_status(
        actor=users["admin"],
        household=first,
        to_status="exited",
        year=2017,
        reason="达标",
        expected_version=1,
    )
    VillageYear.objects.create(village_id=VILLAGE_A, year=2015, registered_population=900)
    VillageYear.objects.create(
        village_id=VILLAGE_A, year=2016, registered_population=1000, per_capita_income=Decimal("7654.32")
    )
    client.force_login(users["upper"])
    page = text(client.get(LIST))
    row = page.split("昌黎村")[1].split("</tr>")[0]
    assert ">1 / 2<" in row and ">1 / 3<" in row  # registered 1 household/2 persons, exited 1/3
    assert "1000" in row and "(2016)" in row and "7,654.32" in row
    assert "<td" in page.split("四方村")[1] and ">0 / 0<" in page.split("四方村")[1].split("</tr>")[0]
    village = text(client.get(detail(VILLAGE_A)))
    assert "7,654.32" in village and "900" in village
    assert "查看本村贫困户" not in village  # the upper level sees aggregates, not households
    assert first.household_no not in village


def test_village_detail_scope(client, users, areas):
    client.force_login(users["cadre"])
    assert client.get(detail(VILLAGE_A)).status_code == 200
    assert client.get(detail(VILLAGE_B)).status_code == 404
    assert client.get(detail(TOWN)).status_code == 404  # a town is not a village
    assert client.get(detail("nonsense")).status_code == 404


def test_search(client, users, areas):
    client.force_login(users["town"])
    page = text(client.get(LIST, {"q": "四方"}))
    assert "四方村" in page and "昌黎村" not in page
    assert "昌黎村" in text(client.get(LIST, {"q": VILLAGE_A}))


def test_town_office_adds_village(client, users, areas):
    client.force_login(users["town"])
    url = reverse("areas:village_create")
    assert client.get(url).status_code == 200
    response = client.post(url, {"town": TOWN, "code": "441882101203", "name": "水源村"})
    assert response.status_code == 302
    assert Area.objects.get(code="441882101203").parent_id == TOWN
    page = text(client.post(url, {"town": TOWN, "code": "441882102203", "name": "错村"}))
    assert "前9位应为所属乡镇的代码441882101" in page
    page = text(client.post(url, {"town": TOWN, "code": "441882101203", "name": "重复村"}))
    assert "已存在" in page
    assert (
        client.post(url, {"town": "441882102", "code": "441882102209", "name": "外镇村"}).status_code == 403
    )
    assert not Area.objects.filter(code__in=["441882102203", "441882102209"]).exists()


@pytest.mark.parametrize("role", ["cadre", "helper", "leader", "auditor", "upper"])
def test_village_create_refused(client, users, role, areas):
    client.force_login(users[role])
    url = reverse("areas:village_create")
    assert client.get(url).status_code == 403
    assert client.post(url, {"town": TOWN, "code": "441882101209", "name": "某村"}).status_code == 403
    assert not Area.objects.filter(code="441882101209").exists()


def test_cadre_records_and_edits_village_year(client, users, areas):
    client.force_login(users["cadre"])
    add = reverse("areas:village_year_add", args=[VILLAGE_A])
    assert (
        client.post(
            add, {"year": "2016", "registered_population": "1200", "per_capita_income": "7000"}
        ).status_code
        == 302
    )
    year = VillageYear.objects.get(village_id=VILLAGE_A, year=2016)
    assert year.per_capita_income == Decimal("7000.00")
    assert "已经登记" in text(client.post(add, {"year": "2016", "registered_population": "1"}))
    page = text(client.post(add, {"year": "16", "registered_population": "-3", "per_capita_income": "abc"}))
    assert "四位年份" in page and "不小于0的整数" in page and "金额数字" in page
    edit = reverse("areas:village_year_edit", args=[VILLAGE_A, 2016])
    seen = {"seen_population": "1200", "seen_income": "7000.00", "year": "2016"}
    assert (
        client.post(edit, {**seen, "registered_population": "1210", "per_capita_income": "7100"}).status_code
        == 302
    )
    # The same stale form again: someone changed the row meanwhile, so nothing is saved.
    stale = client.post(edit, {**seen, "registered_population": "5", "per_capita_income": "1"})
    assert "已被他人修改" in text(stale)
    year.refresh_from_db()
    assert (year.registered_population, year.per_capita_income) == (1210, Decimal("7100.00"))


def test_village_year_writes_refused(client, users, areas):
    VillageYear.objects.create(village_id=VILLAGE_A, year=2016, registered_population=10)
    add = reverse("areas:village_year_add", args=[VILLAGE_A])
    edit = reverse("areas:village_year_edit", args=[VILLAGE_A, 2016])
    for role in ("leader", "auditor", "upper", "helper"):
        client.force_login(users[role])
        assert client.get(add).status_code == 403, role
        assert client.post(edit, {"registered_population": "1"}).status_code == 403, role
    client.force_login(users["cadre_b"])
    assert client.get(add).status_code == 404
    assert client.post(edit, {"registered_population": "1"}).status_code == 404
    client.force_login(users["cadre"])
    assert client.get(reverse("areas:village_year_edit", args=[VILLAGE_A, 2019])).status_code == 404
    assert client.get(reverse("areas:village_year_add", args=[OTHER_TOWN_VILLAGE])).status_code == 404
    assert VillageYear.objects.get().registered_population == 10


def test_village_writes_are_audited(client, users, areas):
    from fupin.core import audit
    from fupin.core.models import AuditEvent

    client.force_login(users["cadre"])
    client.post(
        reverse("areas:village_year_add", args=[VILLAGE_A]), {"year": "2017", "registered_population": "5"}
    )
    assert AuditEvent.objects.filter(object_type__icontains="villageyear", actor=users["cadre"]).exists()
    assert audit.verify().ok
