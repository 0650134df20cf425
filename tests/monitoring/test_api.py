"""The 民政 interchange API with a test client: keys, push, status, refusals logged."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from fupin.areas.models import Area
from fupin.core.models import AuditEvent
from fupin.monitoring import services
from fupin.monitoring.models import Exchange, ExternalList, InterchangeSystem

from ..conftest import TOWN, VILLAGE_A, make_id_number


@pytest.fixture
def system(people, users):
    found, key = services.create_system(
        actor=users["admin"], code="lz-minzheng", name="连州市民政局", area=Area.objects.get(code=TOWN)
    )
    return found, key


def client_with(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Interchange {key}")
    return client


def push(client, code="lz-minzheng", rows=None):
    rows = rows if rows is not None else []
    return client.post(
        f"/api/v1/interchange/{code}/civil-list/", {"list_date": "2017-06-30", "rows": rows}, format="json"
    )


def test_only_the_hash_of_the_key_is_stored(system):
    found, key = system
    assert key not in {found.key_hash, found.key_prefix} and len(found.key_hash) == 64
    assert not InterchangeSystem.objects.filter(key_hash=key).exists()


def test_push_the_roll_then_the_same_roll_again(system, people):
    found, key = system
    rows = [
        {"name": "王大明", "id_number": people["ids"]["wang"], "category": "低保", "start_date": "2016-01-01"}
    ]
    first = push(client_with(key), rows=rows)
    assert first.status_code == 201, first.content
    assert first.json()["rows_loaded"] == 1
    again = push(client_with(key), rows=rows)
    assert again.status_code == 200 and again.json()["created"] is False
    assert ExternalList.objects.get().system == found
    services.run(actor=None)
    from fupin.monitoring.models import Finding

    assert Finding.objects.filter(rule="dibao_mismatch", household_no="H-WANG").exists()
    assert list(Exchange.objects.order_by("id").values_list("action", "outcome")) == [
        ("push", "ok"),
        ("push", "ok"),
    ]


def test_status_by_id_number_answers_only_what_the_exchange_needs(system, people):
    _found, key = system
    unknown = make_id_number()
    response = client_with(key).post(
        "/api/v1/interchange/lz-minzheng/status/",
        {"id_numbers": [people["ids"]["li"], unknown]},
        format="json",
    )
    assert response.status_code == 200
    li, nobody = response.json()["results"]
    assert li == {
        "id_number": people["ids"]["li"],
        "registered": True,
        "household_status": "registered",
        "attribute": "general",
        "dibao": False,
        "tekun": False,
    }
    assert nobody["registered"] is False and nobody["household_status"] is None
    assert AuditEvent.objects.filter(action="interchange_status").exists()


def test_a_person_outside_the_systems_area_is_refused_and_logged(people, users, build):
    village = Area.objects.get(code=VILLAGE_A)
    _found, key = services.create_system(actor=users["admin"], code="village-a", name="某村", area=village)
    response = client_with(key).post(
        "/api/v1/interchange/village-a/status/", {"id_numbers": [people["ids"]["chen"]]}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "outside_scope"
    assert Exchange.objects.get().outcome == "outside_scope"
    assert AuditEvent.objects.filter(action="interchange_refused").exists()


def test_revoked_unknown_and_other_systems_keys_are_refused_and_logged(system, users):
    found, key = system
    _other, other_key = services.create_system(
        actor=users["admin"], code="other", name="其他系统", area=Area.objects.get(code=TOWN)
    )
    assert push(client_with(other_key)).status_code == 403  # another system's key on this system's address
    assert push(client_with("mz_not-a-key")).status_code == 401
    assert push(APIClient()).status_code == 401
    services.revoke_system(actor=users["admin"], system=found)
    refused = push(client_with(key))
    assert refused.status_code == 401 and refused.json()["errors"][0]["code"] == "revoked_key"
    outcomes = list(Exchange.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["other_system", "unknown_key", "revoked_key"]
    assert not ExternalList.objects.exists()


def test_a_signed_in_user_without_a_key_is_not_a_system(system, users):
    client = APIClient()
    client.force_login(users["admin"])
    assert push(client).status_code == 401


def test_invalid_rows_are_400(system):
    _found, key = system
    response = push(
        client_with(key),
        rows=[{"name": "王大明", "id_number": "x", "category": "临时救助", "start_date": "x"}],
    )
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} >= {"rows.category", "rows.start_date"}


def test_the_interchange_is_in_the_schema(users):
    client = APIClient()
    client.force_login(users["admin"])
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    assert "/api/v1/interchange/{system}/civil-list/" in schema["paths"]
    assert "interchangeKey" in schema["components"]["securitySchemes"]
