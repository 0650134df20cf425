"""Personal data, one rule (issue 7): nothing a masked user receives completes a masked value.

The attack of the issue: the old ID mask hid exactly the birth date, and the API returned the birth
date beside it, so any reading role rebuilt the whole number. Here every role without the unmask
right reads everything it may — pages, the API, the policy explanation, exports — and no response
holds the full number, the birth date, or the digits the mask hides.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import python_calamine
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from fupin.core import pii
from fupin.core.models import AuditEvent
from fupin.core.roles import UNMASK_ALLOWED
from fupin.registry import services
from fupin.registry.models import Member

from ..conftest import OTHER_TOWN_VILLAGE, VILLAGE_A, make_id_number, member_data
from ..exchange.helpers import job_download

pytestmark = pytest.mark.django_db

BORN = dt.date(1962, 12, 8)
MASKED_ROLES = ["leader", "civil", "evaluator", "upper"]


def test_the_masked_roles_are_exactly_those_without_the_unmask_right(users):
    assert {name for name, user in users.items() if user.role not in UNMASK_ALLOWED} == set(MASKED_ROLES)


@pytest.fixture
def person(make_household):
    """A household whose head was born on 1962-12-08, as in the issue."""
    number = make_id_number(born=BORN)
    household = make_household(VILLAGE_A)
    head = household.members.get(relation="head")
    head.id_number, head.birth_date = number, BORN
    head.save()
    return household, head


def _secrets(member: Member) -> list[str]:
    number = member.id_number
    born = member.birth_date
    return [
        number,
        number[6:14],  # the birth digits
        number[6:17],  # what the mask hides: birth date and sequence
        born.isoformat(),
        f"{born.year}年{born.month}月{born.day}日",
        f"{born:%Y/%m/%d}",
    ]


def _bodies_of_every_read(client: APIClient, household, member, tmp_path) -> dict[str, str]:
    """What the signed-in user gets from every page, API call and export that touches the person."""
    pk = household.pk
    urls = [
        reverse("registry:household_list"),
        reverse("registry:household_detail", args=[pk]),
        reverse("policy:household_explain", args=[pk]) + "?year=2016",
        reverse("policy:household_explain_api", args=[pk]) + "?year=2016",
        "/api/v1/households/",
        f"/api/v1/households/{pk}/",
        f"/api/v1/members/?household={pk}",
        f"/api/v1/members/{member.pk}/",
        f"/api/v1/incomes/?household={pk}",
        "/api/v1/villages/",
    ]
    bodies = {url: client.get(url).content.decode() for url in urls}
    bodies["household_list POST"] = client.post(
        reverse("registry:household_list"), {"q": household.household_no}
    ).content.decode()
    export = client.post(reverse("exchange:export"), {"village": "", "unmask": "on"})
    if export.status_code == 302:
        path = tmp_path / "export.xlsx"
        path.write_bytes(job_download(client, export))
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        cells = [
            str(cell)
            for name in book.sheet_names
            for row in book.get_sheet_by_name(name).iter_rows()
            for cell in row
        ]
        bodies["export"] = "\n".join(cells)
    return bodies


@pytest.mark.parametrize("role", MASKED_ROLES)
def test_birth_date_completion_attack_fails_for_every_role_without_the_unmask_right(
    users, person, role, tmp_path
):
    household, head = person
    client = APIClient()
    client.force_login(users[role])
    bodies = _bodies_of_every_read(client, household, head, tmp_path)
    assert any(household.household_no in body for body in bodies.values()) == (role == "leader")
    for where, body in bodies.items():
        for secret in _secrets(head):
            assert secret not in body, (where, secret)
    if role == "leader":
        api_member = client.get(f"/api/v1/members/{head.pk}/").json()
        assert api_member["id_number"] == head.id_number[:6] + "*" * 11 + head.id_number[-1]
        assert api_member["birth_date"] is None and api_member["birth_year"] == 1962
        assert bodies["export"] and pii.mask_id(head.id_number) in bodies["export"]
    assert not AuditEvent.objects.filter(action="unmask").exists()


def test_the_cli_export_as_a_masked_role_holds_no_birth_digits(users, person, tmp_path):
    _household, head = person
    out = tmp_path / "leader.xlsx"
    call_command("export", "registry", str(out), "--user", "leader", verbosity=0)
    book = python_calamine.CalamineWorkbook.from_path(str(out))
    text = "\n".join(
        str(c) for n in book.sheet_names for r in book.get_sheet_by_name(n).iter_rows() for c in r
    )
    assert pii.mask_id(head.id_number) in text
    for secret in _secrets(head):
        assert secret not in text


def test_unmask_in_the_api_shows_the_birth_date_and_audits_it(users, person):
    _household, head = person
    client = APIClient()
    client.force_login(users["town"])
    masked = client.get(f"/api/v1/members/{head.pk}/").json()
    assert masked["birth_date"] is None and masked["birth_year"] == 1962
    full = client.get(f"/api/v1/members/{head.pk}/?unmask=1").json()
    assert (full["id_number"], full["birth_date"]) == (head.id_number, "1962-12-08")
    event = AuditEvent.objects.get(action="unmask")
    assert (event.object_type, event.object_id) == ("registry.Member", str(head.pk))
    assert sorted(event.detail["fields"]) == ["birth_date", "id_number"]


def test_history_masks_a_corrected_birth_date_to_its_year(client, users, person):
    household, head = person
    new_number = make_id_number(born=dt.date(1963, 3, 21))
    data = {**member_data("head"), "name": head.name, "id_number": new_number}
    services.update_member(actor=users["town"], member=head, data=data, expected_version=head.version)
    client.force_login(users["leader"])
    page = client.get(reverse("registry:household_detail", args=[household.pk])).content.decode()
    history = page.split('id="history"')[1]
    assert "1962 → 1963" in history
    assert "1963-03-21" not in page and "19630321" not in page and new_number not in page


# -- the one audited way to a full value -----------------------------------------------------------


def test_household_edit_form_showing_phone_and_account_is_audited(client, users, make_household):
    household = make_household(VILLAGE_A)
    client.force_login(users["cadre"])
    page = client.get(reverse("registry:household_edit", args=[household.pk])).content.decode()
    assert household.phone in page and household.bank_account in page
    event = AuditEvent.objects.get(action="unmask")
    assert (event.object_type, event.object_id, event.actor_name) == (
        "registry.Household",
        str(household.pk),
        "cadre",
    )
    assert event.detail["via"] == "household_edit"
    assert sorted(event.detail["fields"]) == ["bank_account", "phone"]


def test_member_edit_form_and_the_unmask_button_go_through_the_same_audited_path(
    client, users, make_household
):
    household = make_household(VILLAGE_A)
    head = household.members.get(relation="head")
    client.force_login(users["cadre"])
    client.get(reverse("registry:member_edit", args=[household.pk, head.pk]))
    client.post(
        reverse("registry:household_unmask", args=[household.pk]), {"field": "id_number", "member": head.pk}
    )
    events = list(AuditEvent.objects.filter(action="unmask").order_by("id"))
    assert [(e.object_type, e.object_id, e.detail["fields"]) for e in events] == [
        ("registry.Member", str(head.pk), ["id_number"]),
        ("registry.Member", str(head.pk), ["id_number"]),
    ]
    assert [e.detail["via"] for e in events] == ["member_edit", "household_page"]


def test_unmask_button_refused_to_a_masked_role(client, users, make_household):
    household = make_household(VILLAGE_A)
    client.force_login(users["leader"])
    response = client.post(reverse("registry:household_unmask", args=[household.pk]), {"field": "phone"})
    assert response.status_code == 403
    assert household.phone not in response.content.decode()
    assert not AuditEvent.objects.filter(action="unmask").exists()


# -- errors about an ID outside the user's scope ----------------------------------------------------


def test_an_id_registered_in_another_town_is_only_said_to_be_registered_elsewhere(
    client, users, make_household
):
    other = make_household(OTHER_TOWN_VILLAGE)
    number = other.members.get(relation="head").id_number
    mine = make_household(VILLAGE_A)
    with pytest.raises(services.ValidationFailed) as caught:
        services.add_member(
            actor=users["cadre"], household=mine, data=member_data("spouse", id_number=number)
        )
    message = caught.value.problems[0].message
    assert caught.value.problems[0].code == "id_registered_elsewhere"
    assert "已在其他地方登记" in message and other.household_no not in message
    # Through the web form as well.
    client.force_login(users["cadre"])
    page = client.post(
        reverse("registry:member_add", args=[mine.pk]), member_data("spouse", id_number=number)
    ).content.decode()
    assert "已在其他地方登记" in page and other.household_no not in page
    # Inside the user's scope the household is named: that helps and reveals nothing new.
    with pytest.raises(services.ValidationFailed) as caught:
        services.add_member(
            actor=users["admin"], household=mine, data=member_data("spouse", id_number=number)
        )
    assert other.household_no in caught.value.problems[0].message


def test_the_import_says_the_same_for_an_id_outside_the_importers_area(users, make_household, tmp_path):
    from fupin.exchange.pipeline import import_registry

    from ..exchange.helpers import registry_sheets, write_workbook

    other = make_household(OTHER_TOWN_VILLAGE)
    number = other.members.get(relation="head").id_number
    sheets = registry_sheets(2)
    sheets["成员"][1]["证件号码"] = number  # the spouse of the first household
    report = import_registry(write_workbook(tmp_path / "x.xlsx", sheets), actor=users["town"], dry_run=True)
    found = [e for e in report.errors if e.code == "id_registered_elsewhere"]
    assert found and "在其他地方登记" in found[0].message and other.household_no not in found[0].message


# -- search by ID number -----------------------------------------------------------------------------


def test_the_household_search_posts_so_an_id_number_stays_out_of_the_url(client, users, make_household):
    household = make_household(VILLAGE_A)
    number = household.members.get(relation="head").id_number
    client.force_login(users["cadre"])
    page = client.get(reverse("registry:household_list")).content.decode()
    form = re.search(r'<form method="post"[^>]*id="household-filter"[^>]*>', page)
    assert form is not None and "hx-post" in form.group(0) and "hx-push-url" not in form.group(0)
    found = client.post(reverse("registry:household_list"), {"q": number}).content.decode()
    assert household.household_no in found


@pytest.mark.parametrize("role", ["leader"])
def test_a_masked_role_cannot_test_guesses_of_an_id_number(client, users, make_household, role):
    household = make_household(VILLAGE_A)
    number = household.members.get(relation="head").id_number
    client.force_login(users[role])
    page = client.post(reverse("registry:household_list"), {"q": number}).content.decode()
    assert household.household_no not in page and "不能按证件号码查询" in page
    api = APIClient()
    api.force_login(users[role])
    for url in (f"/api/v1/households/?search={number}", f"/api/v1/members/?id_number={number}"):
        response = api.get(url)
        assert response.status_code == 400
        assert [e["code"] for e in response.json()["errors"]] == ["id_search_not_permitted"]
    assert api.get("/api/v1/households/?search=张").status_code == 200


def test_unmask_never_reaches_the_explanation_json(users, person):
    household, _head = person
    client = APIClient()
    client.force_login(users["town"])
    body = client.get(reverse("policy:household_explain_api", args=[household.pk]) + "?year=2016")
    assert "birth" not in json.dumps(body.json())
