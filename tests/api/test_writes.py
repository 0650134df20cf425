"""Writes through /api/v1/: the services' validation, all or nothing, stable codes, 409 on a stale version."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from stdnum.cn import ric

from fupin.core.models import AuditEvent
from fupin.registry.models import Household, Income, Member, StatusChange

from ..conftest import VILLAGE_A, household_data, income_data, make_id_number, member_data
from .conftest import codes_of, errors_of

pytestmark = pytest.mark.django_db


def payload(members: int = 2, incomes=(2016,), **overrides) -> dict:
    head = member_data("head")
    people = [head] + [member_data("spouse", name=f"成员{i}") for i in range(1, members)]
    return {
        **household_data(VILLAGE_A, head_id_number=head["id_number"], **overrides),
        "members": people,
        "incomes": [income_data(year) for year in incomes],
    }


def counts() -> tuple[int, int, int, int, int]:
    return (
        Household.objects.count(),
        Member.objects.count(),
        Income.objects.count(),
        StatusChange.objects.count(),
        AuditEvent.objects.count(),
    )


def test_create_household_with_members_and_incomes(api, users, areas):
    body = payload(members=3, incomes=(2015, 2016))
    response = api("cadre").post("/api/v1/households/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    household = Household.objects.get(pk=data["id"])
    assert household.household_no == body["household_no"]
    assert household.members.count() == 3 and household.incomes.count() == 2
    assert [i["year"] for i in data["incomes"]] == [2016, 2015]
    assert data["incomes"][0]["per_capita"] == "3333.33"
    assert data["status_changes"][0]["changed_by"] == "cadre"
    assert data["members"][0]["id_number"] != body["members"][0]["id_number"]  # masked


def test_create_takes_codes_and_json_types_as_well_as_labels(api, users, areas):
    head = member_data("head", school_status="none", health="healthy", labour="ordinary")
    head.update(medical_insurance=True, pension_insurance=None, dibao=False, tekun=None, work_months=3)
    body = {
        **household_data(
            VILLAGE_A, attribute="dibao", main_cause="illness", other_causes=["capital", "skills"]
        ),
        "identified_year": 2016,
        "housing_safe": True,
        "water_safe": False,
        "members": [head],
    }
    response = api("cadre").post("/api/v1/households/", body, format="json")
    assert response.status_code == 201, response.content
    household = Household.objects.get()
    assert (household.attribute, household.other_causes, household.water_safe) == (
        "dibao",
        ["capital", "skills"],
        False,
    )


def _wrong_check_digit(body):
    number = body["members"][1]["id_number"]
    body["members"][1]["id_number"] = number[:17] + ("1" if number[17] != "1" else "2")


def _fifteen_digits(body):
    body["members"][1]["id_number"] = "441882500101011"


def _impossible_birth_date(body):
    base = "44188219500231011"
    body["members"][1]["id_number"] = base + ric.calc_check_digit(base + "0")


def _unknown_relation(body):
    body["members"][1]["relation"] = "邻居"


def _unknown_attribute(body):
    body["attribute"] = "富裕户"


def _second_head(body):
    body["members"][1]["relation"] = "户主"


def _no_head(body):
    body["members"][0]["relation"] = "配偶"
    body.pop("head_id_number")


def _head_mismatch(body):
    body["head_id_number"] = make_id_number()


def _negative_income(body):
    body["incomes"][0]["wages"] = "-100"


def _non_numeric_income(body):
    body["incomes"][0]["transfer_income"] = "两千"


def _second_row_same_year(body):
    body["incomes"].append(income_data(2016, wages="1"))


def _unknown_field(body):
    body["members"][0]["id_no"] = "x"


BAD_INPUT: list[tuple[str, Callable[[dict], None], str, str]] = [
    ("wrong check digit", _wrong_check_digit, "members.1.id_number", "id_checksum"),
    ("15-digit ID", _fifteen_digits, "members.1.id_number", "id_format"),
    ("impossible birth date", _impossible_birth_date, "members.1.id_number", "id_birthdate"),
    ("unknown relation", _unknown_relation, "members.1.relation", "unknown_code"),
    ("unknown attribute", _unknown_attribute, "attribute", "unknown_code"),
    ("second head", _second_head, "members", "head_multiple"),
    ("no head", _no_head, "members", "head_missing"),
    ("head ID mismatch", _head_mismatch, "head_id_number", "head_mismatch"),
    ("negative income", _negative_income, "incomes.0.wages", "negative"),
    ("non-numeric income", _non_numeric_income, "incomes.0.transfer_income", "not_a_number"),
    ("two rows for one year", _second_row_same_year, "incomes", "duplicate_income_year"),
    ("unknown field", _unknown_field, "members.0.id_no", "unknown_field"),
]


@pytest.mark.parametrize(("case", "spoil", "field", "code"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_is_400_with_field_and_code_and_nothing_saved(api, users, areas, case, spoil, field, code):
    body = payload()
    spoil(body)
    before = counts()
    response = api("cadre").post("/api/v1/households/", body, format="json")
    assert response.status_code == 400, response.content
    assert errors_of(response) == [(field, code)]
    message = response.json()["errors"][0]["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)  # a Chinese message
    assert counts() == before


def test_member_registered_in_another_household_is_refused(api, users, areas, make_household):
    existing = make_household()
    taken = existing.members.get(relation="head").id_number
    body = payload()
    body["members"][1]["id_number"] = taken
    before = counts()
    response = api("cadre").post("/api/v1/households/", body, format="json")
    assert response.status_code == 400
    assert errors_of(response) == [("members.1.id_number", "id_registered_elsewhere")]
    assert existing.household_no in response.json()["errors"][0]["message"]
    assert counts() == before


def test_duplicate_household_number_is_refused(api, users, areas, make_household):
    existing = make_household()
    body = payload(household_no=existing.household_no)
    before = counts()
    response = api("cadre").post("/api/v1/households/", body, format="json")
    assert response.status_code == 400
    assert errors_of(response) == [("household_no", "duplicate_household_no")]
    assert counts() == before


def test_every_problem_is_reported_not_only_the_first(api, users, areas):
    body = payload()
    for spoil in (_wrong_check_digit, _unknown_attribute, _negative_income, _second_head):
        spoil(body)
    response = api("cadre").post("/api/v1/households/", body, format="json")
    assert response.status_code == 400
    assert set(codes_of(response)) == {"id_checksum", "unknown_code", "negative", "head_multiple"}


@pytest.mark.parametrize("body", [[1, 2], "text", {"household_no": "X", "members": "张三"}])
def test_malformed_bodies_are_400(api, users, areas, body):
    response = api("cadre").post("/api/v1/households/", body, format="json")
    assert response.status_code == 400
    assert codes_of(response) == ["invalid"]


def test_non_json_body_is_refused(api, users, areas):
    response = api("cadre").post("/api/v1/households/", {"household_no": "X"})  # multipart form
    assert response.status_code == 415
    assert codes_of(response) == ["unsupported_media_type"]


# --- updates and versions -----------------------------------------------------------------------------


def test_patch_household_merges_the_change_and_bumps_the_version(api, make_household):
    household = make_household()
    client = api("cadre")
    response = client.patch(
        f"/api/v1/households/{household.pk}/", {"version": 1, "water_safe": False}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    household.refresh_from_db()
    assert (household.water_safe, household.main_cause, household.other_causes) == (
        False,
        "illness",
        ["capital"],
    )
    assert household.history.count() == 2


def test_stale_version_is_409_and_changes_nothing(api, make_household):
    household = make_household()
    client = api("cadre")
    first = client.patch(
        f"/api/v1/households/{household.pk}/", {"version": 1, "phone": "13900000001"}, format="json"
    )
    assert first.status_code == 200
    stale = client.patch(
        f"/api/v1/households/{household.pk}/", {"version": 1, "phone": "13900000002"}, format="json"
    )
    assert stale.status_code == 409
    assert errors_of(stale) == [("version", "stale_version")]
    assert "已被他人修改" in stale.json()["errors"][0]["message"]
    household.refresh_from_db()
    assert (household.phone, household.version) == ("13900000001", 2)


def test_patch_requires_version_and_refuses_fixed_and_unknown_fields(api, make_household):
    household = make_household()
    client = api("cadre")
    url = f"/api/v1/households/{household.pk}/"
    assert errors_of(client.patch(url, {"phone": "1"}, format="json")) == [("version", "required")]
    assert errors_of(client.patch(url, {"version": "v1"}, format="json")) == [("version", "not_a_number")]
    response = client.patch(url, {"version": 1, "village": "441882101202", "colour": "red"}, format="json")
    assert errors_of(response) == [("village", "read_only"), ("colour", "unknown_field")]
    response = client.patch(url, {"version": 1, "main_cause": "因穷"}, format="json")
    assert errors_of(response) == [("main_cause", "unknown_code")]
    household.refresh_from_db()
    assert (household.version, household.village_id, household.main_cause) == (1, VILLAGE_A, "illness")


def test_the_api_has_no_bare_status_write(api, make_household):
    """A household's status changes only when a procedure completes (fupin.procedures): the API's old
    status action is gone, for every role."""
    household = make_household()
    for role in ("cadre", "town", "admin"):
        response = api(role).post(
            f"/api/v1/households/{household.pk}/status/",
            {"to_status": "已脱贫", "year": "2017", "reason": "收入稳定超过标准", "version": 1},
            format="json",
        )
        assert response.status_code in (404, 405)
    household.refresh_from_db()
    assert (household.status, household.exit_year, household.version) == ("registered", None, 1)
    assert not household.status_changes.filter(to_status="exited").exists()


def test_add_and_update_member(api, make_household):
    household = make_household(members=1)
    client = api("cadre")
    response = client.post(
        "/api/v1/members/", {"household": household.pk, **member_data("son", name="小明")}, format="json"
    )
    assert response.status_code == 201, response.content
    member = Member.objects.get(pk=response.json()["id"])
    response = client.patch(
        f"/api/v1/members/{member.pk}/", {"version": 1, "education": "高中"}, format="json"
    )
    assert response.status_code == 200, response.content
    member.refresh_from_db()
    assert (member.education, member.name, member.version) == ("senior", "小明", 2)
    stale = client.patch(f"/api/v1/members/{member.pk}/", {"version": 1, "name": "小红"}, format="json")
    assert stale.status_code == 409
    assert Member.objects.get(pk=member.pk).name == "小明"


def test_member_writes_refuse_second_head_and_registered_elsewhere(api, make_household):
    household = make_household(members=2)
    other = make_household()
    client = api("cadre")
    before = Member.objects.count()
    response = client.post(
        "/api/v1/members/", {"household": household.pk, **member_data("head")}, format="json"
    )
    assert errors_of(response) == [("relation", "head_multiple")]
    taken = other.members.get(relation="head").id_number
    response = client.post(
        "/api/v1/members/", {"household": household.pk, **member_data("son", id_number=taken)}, format="json"
    )
    assert errors_of(response) == [("id_number", "id_registered_elsewhere")]
    spouse = household.members.get(relation="spouse")
    response = client.patch(
        f"/api/v1/members/{spouse.pk}/", {"version": 1, "relation": "户主"}, format="json"
    )
    assert errors_of(response) == [("relation", "head_multiple")]
    assert Member.objects.count() == before
    assert Member.objects.get(pk=spouse.pk).relation == "spouse"
    assert errors_of(client.post("/api/v1/members/", member_data("son"), format="json")) == [
        ("household", "required")
    ]


def test_income_create_update_and_one_row_per_year(api, make_household):
    household = make_household(members=2, incomes=(2016,))
    client = api("cadre")
    response = client.post(
        "/api/v1/incomes/", {"household": household.pk, **income_data(2016)}, format="json"
    )
    assert errors_of(response) == [("year", "duplicate_income_year")]
    response = client.post(
        "/api/v1/incomes/",
        {"household": household.pk, **income_data(2017, wages="-1", business_cost="x")},
        format="json",
    )
    assert errors_of(response) == [("wages", "negative"), ("business_cost", "not_a_number")]
    assert household.incomes.count() == 1
    response = client.post(
        "/api/v1/incomes/", {"household": household.pk, **income_data(2017)}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["per_capita"] == "5000.00"
    income = household.incomes.get(year=2016)
    url = f"/api/v1/incomes/{income.pk}/"
    response = client.patch(url, {"version": 1, "wages": "7000.50"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["disposable"] == "11000.50"
    assert errors_of(client.patch(url, {"version": 2, "year": 2018}, format="json")) == [
        ("year", "read_only")
    ]
    assert client.patch(url, {"version": 1, "wages": "1"}, format="json").status_code == 409
    income.refresh_from_db()
    assert (str(income.wages), income.version) == ("7000.50", 2)
