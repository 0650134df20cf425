"""Household list and household page: content, filters, scope, masking, unmasking, no N+1."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fupin.assistance.models import HelperAssignment
from fupin.core import pii
from fupin.core.models import AuditEvent
from fupin.registry import services
from fupin.registry.models import Household

from ..conftest import VILLAGE_A, VILLAGE_B, income_data, member_data

LIST = reverse("registry:household_list")


def detail(household: Household) -> str:
    return reverse("registry:household_detail", args=[household.pk])


def text(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("role", ["admin", "town", "cadre", "leader", "auditor"])
def test_list_shows_households_in_scope_with_masked_numbers(client, users, make_household, role):
    mine = make_household(VILLAGE_A)
    other = make_household(VILLAGE_B)
    head = mine.members.get(relation="head")
    client.force_login(users[role])
    response = client.get(LIST)
    assert response.status_code == 200
    page = text(response)
    assert mine.household_no in page
    assert (other.household_no in page) == (role != "cadre")
    assert pii.mask_id(head.id_number) in page and head.id_number not in page
    assert pii.mask_phone(mine.phone) in page and mine.phone not in page


@pytest.mark.parametrize("role", ["civil", "evaluator", "upper"])
def test_list_refused_to_roles_without_household_access(client, users, role):
    client.force_login(users[role])
    assert client.get(LIST).status_code == 403


def test_list_requires_login(client, db):
    response = client.get(LIST)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_filters_and_search(client, users, make_household):
    sick = make_household(VILLAGE_A, main_cause="因病", attribute="一般贫困户")
    disabled = make_household(VILLAGE_A, main_cause="因残", attribute="低保贫困户")
    in_b = make_household(VILLAGE_B, main_cause="因学")
    services.change_status(
        actor=users["admin"],
        household=disabled,
        to_status="exited",
        year=2017,
        reason="达标",
        expected_version=1,
    )
    no_labour = services.create_household(
        actor=users["admin"],
        household={**_household_fields(), "household_no": "NOLABOUR1"},
        members=[member_data("head", name="李无力", labour="丧失劳动力", dibao="是")],
    )
    client.force_login(users["town"])

    def shown(**query) -> set[str]:
        page = text(client.get(LIST, query))
        return {h.household_no for h in (sick, disabled, in_b, no_labour) if h.household_no in page}

    assert shown() == {sick.household_no, disabled.household_no, in_b.household_no, no_labour.household_no}
    assert shown(village=VILLAGE_B) == {in_b.household_no}
    assert shown(status="exited") == {disabled.household_no}
    assert shown(attribute="dibao") == {disabled.household_no}
    assert shown(cause="schooling") == {in_b.household_no}
    assert shown(labour="none") == {no_labour.household_no}
    assert no_labour.household_no not in shown(labour="capable")
    assert shown(dibao="1") == {no_labour.household_no}
    assert no_labour.household_no not in shown(dibao="0")
    assert shown(q="李无力") == {no_labour.household_no}
    head_id = sick.members.get(relation="head").id_number
    assert shown(q=head_id) == {sick.household_no}
    assert shown(q=in_b.household_no) == {in_b.household_no}
    # A value no control of the page sends is a 400 with the site's page, never a 500.
    for nonsense in ({"page": "x"}, {"labour": "bogus"}, {"page": "99999999999999999999"}, {"page": "0"}):
        response = client.get(LIST, nonsense)
        assert response.status_code == 400, nonsense
        assert "查询条件无效" in text(response)


def _household_fields() -> dict:
    from ..conftest import household_data

    return household_data(VILLAGE_A)


def test_pagination_without_province_count(client, users, make_household, monkeypatch):
    from fupin.registry import forms

    monkeypatch.setattr(forms, "PAGE_SIZE", 2)
    monkeypatch.setattr("fupin.registry.views.PAGE_SIZE", 2)
    made = sorted(make_household(VILLAGE_A if i % 2 else VILLAGE_B).household_no for i in range(5))
    client.force_login(users["town"])
    with CaptureQueriesContext(connection) as queries:
        first = client.get(LIST)
    assert 'id="next-page"' in text(first) and made[0] in text(first) and made[2] not in text(first)
    # The town sees many villages: its total comes from the stored figures, no count of its households.
    assert "共 5 户" in text(first).split('id="results"')[1].split("</p>")[0]
    counts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    assert not [sql for sql in counts if "registry_household" in sql]
    last = client.post(LIST, {"page": 3})
    assert made[4] in text(last) and 'id="next-page"' not in text(last)
    one_village = client.get(LIST, {"village": VILLAGE_B})
    assert "共 3 户" in text(one_village)


def test_list_queries_do_not_grow_with_rows(client, users, make_household, django_assert_max_num_queries):
    client.force_login(users["town"])
    make_household(VILLAGE_A)
    client.get(LIST)  # session and caches warm
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for i in range(12):
        make_household(VILLAGE_A if i % 2 else VILLAGE_B, members=3)
    with CaptureQueriesContext(connection) as many:
        page = client.get(LIST)
    assert text(page).count("/households/") >= 13
    assert len(many.captured_queries) == len(few.captured_queries)
    with django_assert_max_num_queries(8):
        client.get(LIST, {"village": VILLAGE_A, "q": "张三"})


def test_detail_shows_members_incomes_status_and_history(client, users, make_household):
    household = make_household(VILLAGE_A, members=3, incomes=(2016, 2017))
    services.set_income(
        actor=users["admin"],
        household=household,
        data=income_data(2018, wages="10001"),
        expected_version=None,
    )
    head = household.members.get(relation="head")
    client.force_login(users["cadre"])
    response = client.get(detail(household))
    assert response.status_code == 200
    page = text(response)
    assert head.name in page and pii.mask_id(head.id_number) in page and head.id_number not in page
    # 2018: 10001 + 3000 − 1000 + 0 + 2000 − 0 = 14001 for 3 persons → 4667.00 (half-up).
    assert "14,001.00" in page and "4,667.00" in page
    assert "3,333.33" in page  # 2016 and 2017: 10000 / 3
    assert "识别为贫困户" in page and "admin" in page  # status history: why and who
    assert "修改记录" in page and "新增" in page
    assert household.phone not in page


def test_detail_of_other_village_or_missing_is_404(client, users, make_household):
    other = make_household(VILLAGE_B)
    client.force_login(users["cadre"])
    response = client.get(detail(other))
    assert response.status_code == 404
    assert other.household_no not in text(response)
    assert client.get(reverse("registry:household_detail", args=[999999])).status_code == 404


def test_helper_sees_only_assigned_households(client, users, make_household):
    assigned = make_household(VILLAGE_A)
    unassigned = make_household(VILLAGE_A)
    HelperAssignment.objects.create(helper=users["helper"], household=assigned, start_date="2016-06-01")
    client.force_login(users["helper"])
    assert client.get(detail(assigned)).status_code == 200
    assert client.get(detail(unassigned)).status_code == 404
    page = text(client.get(LIST))
    assert assigned.household_no in page and unassigned.household_no not in page


def test_detail_change_history_shows_who_changed_what_masked(client, users, make_household):
    household = make_household(VILLAGE_A)
    client.force_login(users["cadre"])
    member = household.members.exclude(relation="head").get()
    new_id = member_data()["id_number"]
    data = {**_member_post(member), "name": "王五", "id_number": new_id}
    assert (
        client.post(reverse("registry:member_edit", args=[household.pk, member.pk]), data).status_code == 302
    )
    page = text(client.get(detail(household)))
    history = page.split('id="history"')[1]
    assert "修改" in history and "王五" in history and "cadre" in history
    assert new_id not in history and pii.mask_id(new_id) in history


def _member_post(member) -> dict:
    from fupin.registry.forms import MemberForm

    initial = MemberForm.initial_for(member)
    return {key: "" if value is None else value for key, value in initial.items()}


def test_unmask_writes_audit_entry(client, users, make_household):
    household = make_household(VILLAGE_A)
    head = household.members.get(relation="head")
    client.force_login(users["cadre"])
    before = AuditEvent.objects.filter(action="unmask").count()
    url = reverse("registry:household_unmask", args=[household.pk])
    response = client.post(url, {"field": "id_number", "member": head.pk}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and head.id_number in text(response)
    entry = AuditEvent.objects.filter(action="unmask").latest("id")
    assert AuditEvent.objects.filter(action="unmask").count() == before + 1
    assert entry.actor == users["cadre"] and entry.object_id == str(head.pk)
    assert head.id_number not in str(entry.detail)
    # Without htmx the whole page comes back with that one number shown.
    page = text(client.post(url, {"field": "phone"}))
    assert household.phone in page and head.id_number not in page
    assert AuditEvent.objects.filter(action="unmask", object_type="registry.Household").count() == 1


def test_unmask_refused(client, users, make_household):
    household = make_household(VILLAGE_A)
    head = household.members.get(relation="head")
    url = reverse("registry:household_unmask", args=[household.pk])
    client.force_login(users["leader"])
    assert client.post(url, {"field": "id_number", "member": head.pk}).status_code == 403
    assert "显示完整号码" not in text(client.get(detail(household)))
    client.force_login(users["cadre_b"])
    assert client.post(url, {"field": "id_number", "member": head.pk}).status_code == 404
    client.force_login(users["cadre"])
    assert client.get(url).status_code == 405
    assert client.post(url, {"field": "password"}).status_code == 400
    assert not AuditEvent.objects.filter(action="unmask").exists()


def test_read_only_roles_see_no_edit_buttons(client, users, make_household):
    household = make_household(VILLAGE_A)
    client.force_login(users["auditor"])
    page = text(client.get(detail(household)))
    assert reverse("registry:household_edit", args=[household.pk]) not in page
    assert reverse("registry:member_add", args=[household.pk]) not in page
    client.force_login(users["cadre"])
    page = text(client.get(detail(household)))
    assert reverse("registry:household_edit", args=[household.pk]) in page


def test_money_shown_is_decimal_exact(client, users, make_household):
    household = make_household(VILLAGE_A, members=3, incomes=())
    services.set_income(
        actor=users["admin"],
        household=household,
        data=income_data(2016, wages="0.01", business_income="0", business_cost="0", transfer_income="0"),
    )
    assert household.incomes.get().per_capita(3) == Decimal("0.00")
    client.force_login(users["cadre"])
    assert "0.01" in text(client.get(detail(household)))


def test_pages_switch_to_english(client, users, make_household):
    household = make_household(VILLAGE_A, main_cause="因病")
    client.force_login(users["cadre"])
    client.cookies["django_language"] = "en"
    page = text(client.get(LIST))
    assert "Poor households" in page and "Illness" in page and "贫困户名单" not in page
    page = text(client.get(detail(household)))
    assert "Head of household" in page and "Per-capita disposable income" in page
    assert "Villages" in text(client.get(reverse("areas:village_list")))
