"""Who sees and changes what through /api/v1/: the same scopes as the web, enforced in the selectors."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from fupin.assistance.models import HelperAssignment
from fupin.registry.models import Household, Income, Member

from ..conftest import OTHER_TOWN_VILLAGE, VILLAGE_A, VILLAGE_B, income_data, member_data
from .conftest import codes_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def homes(make_household):
    return {
        "a": make_household(VILLAGE_A),
        "a2": make_household(VILLAGE_A),
        "b": make_household(VILLAGE_B),
        "other": make_household(OTHER_TOWN_VILLAGE),
    }


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_village_cadre_sees_only_its_village(api, homes):
    client = api("cadre")
    assert ids(client.get("/api/v1/households/")) == {homes["a"].pk, homes["a2"].pk}
    in_a = set(Member.objects.filter(household__village_id=VILLAGE_A).values_list("pk", flat=True))
    assert ids(client.get("/api/v1/members/")) == in_a
    assert ids(client.get("/api/v1/incomes/")) == set(
        Income.objects.filter(household__village_id=VILLAGE_A).values_list("pk", flat=True)
    )
    villages = client.get("/api/v1/villages/").json()["results"]
    assert [v["code"] for v in villages] == [VILLAGE_A]


@pytest.mark.parametrize("path", ["households/{h}/", "members/{m}/", "incomes/{i}/"])
def test_another_villages_records_are_404_for_read_and_write(api, homes, path):
    other = homes["b"]
    url = "/api/v1/" + path.format(h=other.pk, m=other.members.first().pk, i=other.incomes.first().pk)
    client = api("cadre")
    response = client.get(url)
    assert response.status_code == 404
    assert codes_of(response) == ["not_found"]
    assert "四方" not in response.content.decode()
    response = client.patch(url, {"version": 1, "phone": "13900000000"}, format="json")
    assert response.status_code == 404
    assert Household.objects.get(pk=other.pk).version == 1
    assert client.get("/api/v1/villages/441882101202/").status_code == 404


def test_cadre_cannot_add_to_another_villages_household(api, homes):
    client = api("cadre")
    before = Member.objects.count(), Income.objects.count()
    response = client.post(
        "/api/v1/members/", {"household": homes["b"].pk, **member_data("son")}, format="json"
    )
    assert response.status_code == 404
    response = client.post(
        "/api/v1/incomes/", {"household": homes["b"].pk, **income_data(2017)}, format="json"
    )
    assert response.status_code == 404
    assert (Member.objects.count(), Income.objects.count()) == before


def test_cadre_cannot_register_a_household_in_another_village(api, users, areas):
    from ..conftest import household_data

    response = api("cadre").post(
        "/api/v1/households/", {**household_data(VILLAGE_B), "members": [member_data()]}, format="json"
    )
    assert response.status_code == 403
    assert codes_of(response) == ["not_permitted"]
    assert not Household.objects.exists()


def test_town_office_sees_its_town_not_another(api, homes):
    assert ids(api("town").get("/api/v1/households/")) == {homes["a"].pk, homes["a2"].pk, homes["b"].pk}
    assert api("town").get(f"/api/v1/households/{homes['other'].pk}/").status_code == 404
    assert ids(api("admin").get("/api/v1/households/")) == {h.pk for h in homes.values()}


def test_helper_sees_only_assigned_households(api, users, homes):
    HelperAssignment.objects.create(
        helper=users["helper"], household=homes["a"], start_date=dt.date(2016, 3, 1)
    )
    HelperAssignment.objects.create(
        helper=users["helper"],
        household=homes["a2"],
        start_date=dt.date(2016, 3, 1),
        end_date=dt.date(2017, 1, 1),
    )
    client = api("helper")
    assert ids(client.get("/api/v1/households/")) == {homes["a"].pk}
    assert client.get(f"/api/v1/households/{homes['a2'].pk}/").status_code == 404
    assert ids(client.get("/api/v1/members/")) == set(homes["a"].members.values_list("pk", flat=True))
    assert ids(client.get("/api/v1/incomes/")) == set(homes["a"].incomes.values_list("pk", flat=True))
    # A helper edits its households' members and incomes, but does not register or close households.
    response = client.post(
        "/api/v1/incomes/", {"household": homes["a"].pk, **income_data(2017)}, format="json"
    )
    assert response.status_code == 201, response.content
    response = client.post(
        "/api/v1/incomes/", {"household": homes["a2"].pk, **income_data(2017)}, format="json"
    )
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["leader", "auditor"])
def test_read_only_roles_read_but_cannot_write(api, homes, role):
    client = api(role)
    assert ids(client.get("/api/v1/households/")) == {homes["a"].pk, homes["a2"].pk, homes["b"].pk}
    household = homes["a"]
    attempts = [
        client.patch(
            f"/api/v1/households/{household.pk}/", {"version": 1, "phone": "13900000000"}, format="json"
        ),
        client.post("/api/v1/members/", {"household": household.pk, **member_data("son")}, format="json"),
        client.post("/api/v1/incomes/", {"household": household.pk, **income_data(2017)}, format="json"),
        client.post("/api/v1/households/", {"household_no": "X", "members": []}, format="json"),
    ]
    assert [r.status_code for r in attempts] == [403] * 4
    assert all(codes_of(r) == ["role_cannot_write"] for r in attempts)
    household.refresh_from_db()
    assert (household.version, household.phone) == (1, "13800138000")


def test_upper_level_sees_village_aggregates_but_no_household(api, homes):
    client = api("upper")
    villages = client.get("/api/v1/villages/").json()["results"]
    assert [v["code"] for v in villages] == [VILLAGE_A, VILLAGE_B, OTHER_TOWN_VILLAGE]
    assert villages[0]["households"]["registered"] == 2
    for path in ("households/", "members/", "incomes/", f"households/{homes['a'].pk}/"):
        response = client.get("/api/v1/" + path)
        assert response.status_code == 403, path
        assert codes_of(response) == ["role_cannot_read"]


@pytest.mark.parametrize("role", ["civil", "evaluator"])
def test_roles_without_registry_access_get_403_everywhere(api, homes, role):
    client = api(role)
    for path in ("villages/", "households/", "members/", "incomes/", f"villages/{VILLAGE_A}/"):
        assert client.get("/api/v1/" + path).status_code == 403, path


def test_user_without_area_sees_nothing(api, homes):
    client = api("noarea")
    assert ids(client.get("/api/v1/households/")) == set()
    assert client.get("/api/v1/villages/").json()["results"] == []
    assert client.get(f"/api/v1/households/{homes['a'].pk}/").status_code == 404


def test_unauthenticated_is_refused(homes):
    client = APIClient()
    for path in ("villages/", "households/", "members/", "incomes/"):
        response = client.get("/api/v1/" + path)
        assert response.status_code in (401, 403)
        assert codes_of(response) == ["not_authenticated"]


def test_token_auth_works_and_writes_are_attributed_to_the_api_user(homes, users):
    from fupin.core import tokens
    from fupin.core.models import AuditEvent

    _, key = tokens.create_token(user=users["cadre"], name="script")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    household = homes["a"]
    response = client.patch(
        f"/api/v1/households/{household.pk}/", {"version": 1, "phone": "13900000001"}, format="json"
    )
    assert response.status_code == 200, response.content
    event = AuditEvent.objects.filter(action="update", object_type="registry.Household").latest("seq")
    assert (event.object_id, event.actor_name) == (str(household.pk), "cadre")
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert wrong.get("/api/v1/households/").status_code in (401, 403)
