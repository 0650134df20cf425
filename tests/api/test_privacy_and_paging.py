"""Masking and audited unmasking, keyset pages without COUNT or per-row queries, throttling, the schema."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from fupin.areas.models import VillageYear
from fupin.core.models import AuditEvent
from fupin.core.pii import mask_id as mask
from fupin.registry.models import Household
from fupin.registry.services import change_status

from ..conftest import VILLAGE_A, VILLAGE_B
from .conftest import codes_of

pytestmark = pytest.mark.django_db


def test_id_numbers_phones_and_accounts_are_masked_by_default(api, make_household):
    household = make_household(members=2)
    head = household.members.get(relation="head")
    client = api("town")
    row = client.get("/api/v1/households/").json()["results"][0]
    assert row["head_id_number"] == mask(head.id_number) != head.id_number
    assert row["phone"] == "138****8000"
    detail = client.get(f"/api/v1/households/{household.pk}/").json()
    assert detail["bank_account"] == "************0001"
    assert {m["id_number"] for m in detail["members"]} == {mask(m.id_number) for m in household.members.all()}
    member = client.get(f"/api/v1/members/{head.pk}/").json()
    assert member["id_number"] == mask(head.id_number)
    body = client.get("/api/v1/members/").content.decode()
    assert head.id_number not in body
    assert not AuditEvent.objects.filter(action="unmask").exists()


def test_unmask_shows_full_numbers_and_audits_each_record(api, make_household):
    household = make_household(members=2)
    members = list(household.members.order_by("id"))
    client = api("cadre")
    detail = client.get(f"/api/v1/households/{household.pk}/?unmask=1").json()
    assert [m["id_number"] for m in detail["members"]] == [m.id_number for m in members]
    assert (detail["phone"], detail["bank_account"]) == ("13800138000", "6228480000000001")
    events = AuditEvent.objects.filter(action="unmask").order_by("id")
    assert {(e.object_type, e.object_id) for e in events} == {
        ("registry.Household", str(household.pk)),
        *(("registry.Member", str(m.pk)) for m in members),
    }
    assert all(e.actor_name == "cadre" and e.detail["via"] == "api" for e in events)
    household_event = events.get(object_type="registry.Household")
    assert sorted(household_event.detail["fields"]) == ["bank_account", "phone"]

    before = events.count()
    rows = client.get("/api/v1/households/?unmask=1").json()["results"]
    assert rows[0]["head_id_number"] == members[0].id_number
    assert AuditEvent.objects.filter(action="unmask").count() == before + 1
    client.get("/api/v1/members/?unmask=1")
    assert AuditEvent.objects.filter(action="unmask").count() == before + 1 + len(members)


def test_unmask_is_refused_to_roles_that_may_not(api, make_household):
    household = make_household()
    response = api("leader").get(f"/api/v1/households/{household.pk}/?unmask=1")
    assert response.status_code == 403
    assert codes_of(response) == ["unmask_not_permitted"]
    assert api("leader").get(f"/api/v1/households/{household.pk}/").status_code == 200
    assert not AuditEvent.objects.filter(action="unmask").exists()


def test_unmask_of_an_out_of_scope_record_shows_and_audits_nothing(api, make_household):
    other = make_household(VILLAGE_B)
    response = api("cadre").get(f"/api/v1/households/{other.pk}/?unmask=1")
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="unmask").exists()


def _no_count_and_max(queries) -> int:
    sql = [q["sql"] for q in queries]
    assert not [s for s in sql if re.match(r"\s*SELECT\s+COUNT\(", s, re.I)], sql
    return len(sql)


LISTS = [
    "/api/v1/households/",
    "/api/v1/households/?status=registered&cause=capital&dibao=false&search=张",
    "/api/v1/members/",
    "/api/v1/incomes/",
    "/api/v1/villages/",
]


@pytest.mark.parametrize("url", LISTS)
def test_lists_cost_the_same_few_queries_for_3_or_30_rows_and_never_count(api, make_household, areas, url):
    VillageYear.objects.create(village_id=VILLAGE_A, year=2016, registered_population=1200)
    client = api("admin")
    numbers = []
    for total in (3, 30):
        while Household.objects.count() < total:
            make_household(
                VILLAGE_A if Household.objects.count() % 2 else VILLAGE_B, members=3, incomes=(2015, 2016)
            )
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        assert response.json()["results"]
        numbers.append(_no_count_and_max(captured.captured_queries))
    assert numbers[0] == numbers[1] <= 4


def test_household_detail_queries_do_not_grow_with_members(
    api, make_household, django_assert_max_num_queries
):
    small = make_household(members=1, incomes=(2016,))
    large = make_household(members=8, incomes=(2014, 2015, 2016, 2017))
    client = api("admin")
    with CaptureQueriesContext(connection) as first:
        client.get(f"/api/v1/households/{small.pk}/")
    with django_assert_max_num_queries(len(first.captured_queries)):
        data = client.get(f"/api/v1/households/{large.pk}/").json()
    assert len(data["members"]) == 8 and len(data["incomes"]) == 4


def test_keyset_pages_walk_every_row_once(api, make_household):
    made = {make_household().pk for _ in range(7)}
    client = api("cadre")
    seen: list[int] = []
    url = "/api/v1/households/?page_size=3"
    pages = 0
    while url:
        body = client.get(url).json()
        assert "count" not in body
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
        pages += 1
    assert pages == 3
    assert seen == sorted(made)


def test_village_list_carries_latest_year_and_counts(api, make_household, users):
    VillageYear.objects.create(village_id=VILLAGE_A, year=2015, registered_population=1100)
    VillageYear.objects.create(
        village_id=VILLAGE_A, year=2016, registered_population=1150, per_capita_income="8800.50"
    )
    make_household(members=3)
    exited = make_household(members=2)
    change_status(  # the internal write a completed exit procedure makes
        actor=users["admin"],
        household=exited,
        to_status="exited",
        year=2017,
        reason="稳定脱贫",
        expected_version=1,
    )
    village = api("upper").get(f"/api/v1/villages/{VILLAGE_A}/").json()
    assert village["latest_year"] == {
        "year": 2016,
        "registered_population": 1150,
        "per_capita_income": "8800.50",
    }
    assert village["households"] == {"registered": 1, "exited": 1, "returned": 0, "removed": 0}
    assert village["persons"]["registered"] == 3 and village["total_persons"] == 5
    town = api("upper").get("/api/v1/villages/?town=441882101").json()["results"]
    assert [v["code"] for v in town] == [VILLAGE_A, VILLAGE_B]
    assert api("upper").get("/api/v1/villages/?code=4418821012").json()["results"][0]["latest_year"]
    bad = api("upper").get("/api/v1/villages/?town=4418")
    assert bad.status_code == 400 and codes_of(bad) == ["unknown_code"]


def test_bad_filter_values_are_400_with_codes(api, users, areas):
    response = api("cadre").get("/api/v1/households/?status=gone&village=abc")
    assert response.status_code == 400
    assert sorted(codes_of(response)) == ["unknown_code", "unknown_code"]


def test_api_requests_are_throttled_per_user_at_the_configured_rate(api, users, settings):
    rest = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": "3/minute"}}
    with override_settings(REST_FRAMEWORK=rest):
        client = api("cadre")
        assert [client.get("/api/v1/households/").status_code for _ in range(3)] == [200] * 3
        throttled = client.get("/api/v1/households/")
        assert throttled.status_code == 429
        assert codes_of(throttled) == ["throttled"]
        assert api("town").get("/api/v1/households/").status_code == 200


def test_schema_generates_without_warnings(tmp_path):
    # --fail-on-warn turns every drf-spectacular warning (an unresolvable field, an enum clash) into an error.
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text(encoding="utf-8")
    for path in (
        "/api/v1/households/",
        "/api/v1/members/{id}/",
        "/api/v1/incomes/",
        "/api/v1/villages/{code}/",
    ):
        assert f"{path}:" in text
    assert "/api/v1/households/{id}/status/" not in text  # statuses change through procedures only


def test_schema_is_served_to_signed_in_users(api, users):
    response = api("leader").get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    assert "/api/v1/households/" in response.json()["paths"]
