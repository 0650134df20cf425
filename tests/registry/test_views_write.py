"""Registering and editing through the web: the service's Chinese messages next to their fields,
nothing half-saved, stale versions refused, and writes refused outside the writable scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from fupin.registry.forms import HouseholdForm, IncomeForm, MemberForm
from fupin.registry.models import Household, Income, LivingConditions, Member

from ..conftest import VILLAGE_A, VILLAGE_B, household_data, income_data, member_data

CREATE = reverse("registry:household_create")


def text(response) -> str:
    return response.content.decode()


def create_post(*, household=None, members=None, income=None) -> dict:
    """The POST of the registration form: household-*, members-<i>-*, income-*."""
    data = {f"household-{k}": v for k, v in (household or household_data(VILLAGE_A)).items()}
    data["household-other_causes"] = ["capital"]
    for i, member in enumerate(members if members is not None else [member_data("head")]):
        data.update({f"members-{i}-{k}": v for k, v in member.items()})
    for key, value in (income or {}).items():
        data[f"income-{key}"] = value
    return data


def edit_post(initial: dict) -> dict:
    return {key: "" if value is None else value for key, value in initial.items()}


def test_create_household_with_members_and_income(client, users, areas):
    client.force_login(users["cadre"])
    head, spouse = member_data("head", name="陈大"), member_data("spouse", name="林二", dibao="是")
    data = create_post(
        household=household_data(VILLAGE_A, household_no="XZ-0001"),
        members=[head, member_data("", name="", id_number=""), spouse],
        income=income_data(2016),
    )
    response = client.post(CREATE, data)
    household = Household.objects.get(household_no="XZ-0001")
    assert response.status_code == 302 and response["Location"].endswith(f"/households/{household.pk}/")
    assert sorted(household.members.values_list("name", flat=True)) == ["林二", "陈大"]
    assert household.members.get(name="林二").dibao is True
    assert household.other_causes == ["capital"]
    assert household.incomes.get().year == 2016
    assert household.status_changes.get().changed_by == users["cadre"]


@pytest.mark.parametrize(
    ("members", "field", "message"),
    [
        ([member_data("head", id_number="44188219500101011X")], "members-0-id_number", "校验码错误"),
        ([member_data("head", labour="能干活")], "members-0-labour", "不认识“能干活”"),
    ],
)
def test_create_bad_member_field_message_next_to_field(client, users, areas, members, field, message):
    client.force_login(users["cadre"])
    response = client.post(CREATE, create_post(members=members))
    assert response.status_code == 200
    page = text(response)
    assert message in page
    # The message sits right after its own input (the field group of that member row).
    group = (
        page.split(f'name="{field}"')[1].split("</div>")[0]
        + page.split(f'name="{field}"')[1].split("</div>")[1]
    )
    assert message in group
    assert Household.objects.count() == 0 and Member.objects.count() == 0


def test_create_unknown_household_code(client, users, areas):
    client.force_login(users["cadre"])
    data = create_post()
    data["household-attribute"] = "富裕户"
    page = text(client.post(CREATE, data))
    assert "“贫困户属性”不认识“富裕户”" in page
    assert Household.objects.count() == 0


def test_create_second_head_refused(client, users, areas):
    client.force_login(users["cadre"])
    page = text(
        client.post(CREATE, create_post(members=[member_data("head"), member_data("head", name="李四")]))
    )
    assert "每户只能有一名户主" in page
    assert Household.objects.count() == 0 and Member.objects.count() == 0


def test_create_member_registered_elsewhere_refused(client, users, make_household):
    existing = make_household(VILLAGE_A)
    taken = existing.members.exclude(relation="head").get().id_number
    client.force_login(users["cadre"])
    members = [member_data("head"), member_data("son", id_number=taken)]
    page = text(client.post(CREATE, create_post(members=members)))
    assert f"已是户“{existing.household_no}”的成员" in page
    assert "members-1-id_number" in page.split("已是户")[0].rsplit("<fieldset", 1)[1]
    assert Household.objects.count() == 1


def test_create_bad_income_leaves_nothing(client, users, areas):
    client.force_login(users["cadre"])
    page = text(client.post(CREATE, create_post(income=income_data(2016, wages="-5"))))
    assert "“工资性收入”不能为负数" in page
    assert Household.objects.count() == 0 and Income.objects.count() == 0


def test_create_in_village_outside_scope_is_refused(client, users, areas):
    client.force_login(users["cadre"])
    page = text(client.post(CREATE, create_post(household=household_data(VILLAGE_B))))
    assert "无权" in page
    assert Household.objects.count() == 0


@pytest.mark.parametrize("role", ["leader", "auditor", "helper"])
def test_create_refused_to_roles_that_do_not_manage(client, users, role, areas):
    client.force_login(users[role])
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, create_post()).status_code == 403
    assert Household.objects.count() == 0


def test_member_row_fragment(client, users, areas):
    client.force_login(users["cadre"])
    page = text(client.get(reverse("registry:member_row"), {"index": 4}))
    assert 'name="members-4-id_number"' in page and "index=5" in page and 'hx-swap-oob="true"' in page
    assert client.get(reverse("registry:member_row"), {"index": "x"}).status_code == 400
    client.force_login(users["leader"])
    assert client.get(reverse("registry:member_row"), {"index": 2}).status_code == 403


def test_edit_household_and_stale_version(client, users, make_household):
    household = make_household(VILLAGE_A)
    url = reverse("registry:household_edit", args=[household.pk])
    client.force_login(users["cadre"])
    seen = edit_post(HouseholdForm.initial_for(household))
    assert client.post(url, {**seen, "main_cause": "disability", "other_causes": []}).status_code == 302
    household.refresh_from_db()
    assert household.main_cause == "disability" and household.version == 2
    # A second form opened before that save carries version 1: refused, nothing saved.
    response = client.post(url, {**seen, "phone": "13900000000", "other_causes": []})
    assert response.status_code == 200 and "已被他人修改" in text(response)
    household.refresh_from_db()
    assert household.phone == "13800138000" and household.version == 2


def test_edit_household_bad_input(client, users, make_household):
    household = make_household(VILLAGE_A)
    client.force_login(users["cadre"])
    seen = edit_post(HouseholdForm.initial_for(household))
    response = client.post(
        reverse("registry:household_edit", args=[household.pk]), {**seen, "identified_year": "16"}
    )
    assert "“识别年度”应为2000至2100之间的四位年份" in text(response)
    household.refresh_from_db()
    assert household.identified_year == 2016 and household.version == 1


def test_add_member_and_refusals(client, users, make_household):
    household = make_household(VILLAGE_A)
    other = make_household(VILLAGE_B)
    url = reverse("registry:member_add", args=[household.pk])
    client.force_login(users["cadre"])
    new = member_data("son", name="小明", school_status="小学", labour="无劳动力")
    assert client.post(url, new).status_code == 302
    assert household.members.filter(name="小明", school_status="primary").exists()
    page = text(client.post(url, member_data("head", name="再来一个户主")))
    assert "户主" in page and not household.members.filter(name="再来一个户主").exists()
    taken = other.members.get(relation="head").id_number
    page = text(client.post(url, member_data("son", name="重复", id_number=taken)))
    # The other household is outside the cadre's village: where the person is registered is not said.
    assert "已在其他地方登记" in page and other.household_no not in page
    assert not Member.objects.filter(name="重复").exists()


def test_edit_member_stale_version(client, users, make_household):
    household = make_household(VILLAGE_A)
    member = household.members.exclude(relation="head").get()
    url = reverse("registry:member_edit", args=[household.pk, member.pk])
    client.force_login(users["cadre"])
    seen = edit_post(MemberForm.initial_for(member))
    assert client.post(url, {**seen, "health": "大病"}).status_code == 302
    response = client.post(url, {**seen, "name": "迟到的修改"})
    assert "已被他人修改" in text(response)
    member.refresh_from_db()
    assert member.name != "迟到的修改" and member.health == "serious"


def test_change_head_and_remove_former_head(client, users, make_household):
    household = make_household(VILLAGE_A)
    head = household.members.get(relation="head")
    spouse = household.members.exclude(pk=head.pk).get()
    client.force_login(users["cadre"])
    url = reverse("registry:change_head", args=[household.pk])
    versions = f"{head.pk}:{head.version},{spouse.pk}:{spouse.version}"
    data = {"new_head": spouse.pk, "former_head_relation": "spouse", "versions": versions}
    assert client.post(url, data).status_code == 302
    head.refresh_from_db()
    spouse.refresh_from_db()
    assert (head.relation, spouse.relation) == ("spouse", "head")
    # Replaying the same form (old versions) is refused.
    assert "已被他人修改" in text(client.post(url, {**data, "new_head": head.pk}))
    head.refresh_from_db()
    assert head.relation == "spouse"
    remove = reverse("registry:member_remove", args=[household.pk, head.pk])
    post = {"reason": "death", "on_date": "2017-03-01", "version": head.version}
    assert client.post(remove, post).status_code == 302
    head.refresh_from_db()
    assert head.left_on == dt.date(2017, 3, 1) and head.left_reason == "death"
    assert client.get(remove).status_code == 404  # no longer on the register


def test_head_cannot_leave_while_others_remain(client, users, make_household):
    household = make_household(VILLAGE_A)
    head = household.members.get(relation="head")
    client.force_login(users["cadre"])
    url = reverse("registry:member_remove", args=[household.pk, head.pk])
    page = text(client.post(url, {"reason": "moved", "on_date": "2017-03-01", "version": head.version}))
    assert "户主不能直接减员" in page
    head.refresh_from_db()
    assert head.left_on is None


def test_income_add_edit_and_stale(client, users, make_household):
    household = make_household(VILLAGE_A, incomes=(2016,))
    client.force_login(users["cadre"])
    add = reverse("registry:income_add", args=[household.pk])
    assert client.post(add, income_data(2017, wages="7000")).status_code == 302
    assert "2016年的收入已经登记" in text(client.post(add, income_data(2016)))
    income = household.incomes.get(year=2017)
    edit = reverse("registry:income_edit", args=[household.pk, 2017])
    seen = edit_post(IncomeForm.initial_for(income))
    assert client.post(edit, {**seen, "wages": "7500.50"}).status_code == 302
    income.refresh_from_db()
    assert str(income.wages) == "7500.50"
    assert "已被他人修改" in text(client.post(edit, {**seen, "wages": "1"}))
    assert "应为金额数字" in text(client.post(edit, {**seen, "version": income.version + 1, "wages": "abc"}))
    income.refresh_from_db()
    assert str(income.wages) == "7500.50"
    assert client.get(reverse("registry:income_edit", args=[household.pk, 2030])).status_code == 404


def test_conditions_create_then_stale(client, users, make_household):
    household = make_household(VILLAGE_A)
    client.force_login(users["cadre"])
    url = reverse("registry:conditions_edit", args=[household.pk])
    data = {
        "house_area": "85.5",
        "house_structure": "brick_concrete",
        "electricity": "true",
        "fuel": "firewood",
    }
    assert client.post(url, data).status_code == 302
    conditions = LivingConditions.objects.get(household=household)
    assert conditions.house_structure == "brick_concrete" and conditions.electricity is True
    assert "砖混" in text(client.get(reverse("registry:household_detail", args=[household.pk])))
    # A form opened before the first save (no version) cannot overwrite it.
    assert "页面缺少版本信息" in text(client.post(url, {**data, "house_area": "10", "version": ""}))
    stale = client.post(url, {**data, "house_area": "10", "version": conditions.version + 5})
    assert "已被他人修改" in text(stale)
    assert "选择一个有效的选项" in text(client.post(url, {**data, "house_structure": "castle", "version": 1}))
    conditions.refresh_from_db()
    assert str(conditions.house_area) == "85.50"


def test_the_status_form_is_gone_the_household_page_offers_procedures(client, users, make_household):
    """Issue 9: a household's status changes only when a procedure completes; the bare form is gone."""
    household = make_household(VILLAGE_A)
    client.force_login(users["cadre"])
    assert (
        client.post(
            f"/households/{household.pk}/status/", {"to_status": "exited", "year": "2010"}
        ).status_code
        == 404
    )
    household.refresh_from_db()
    assert (household.status, household.exit_year) == ("registered", None)
    page = text(client.get(reverse("registry:household_detail", args=[household.pk])))
    assert "变更状态" not in page and "提出脱贫退出" in page


def _write_urls(household, member) -> list[str]:
    pk = household.pk
    return [
        reverse("registry:household_edit", args=[pk]),
        reverse("registry:conditions_edit", args=[pk]),
        reverse("registry:change_head", args=[pk]),
        reverse("registry:member_add", args=[pk]),
        reverse("registry:member_edit", args=[pk, member.pk]),
        reverse("registry:member_remove", args=[pk, member.pk]),
        reverse("registry:income_add", args=[pk]),
        reverse("registry:income_edit", args=[pk, 2016]),
    ]


@pytest.mark.parametrize("role", ["leader", "auditor"])
def test_read_only_roles_get_403_on_every_write(client, users, make_household, role):
    household = make_household(VILLAGE_A)
    member = household.members.exclude(relation="head").get()
    client.force_login(users[role])
    for url in _write_urls(household, member):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"name": "x", "version": 1}).status_code == 403, url
    household.refresh_from_db()
    assert household.version == 1


@pytest.mark.parametrize("role", ["cadre_b", "civil", "upper", "noarea"])
def test_writes_outside_read_scope_are_404(client, users, make_household, role):
    household = make_household(VILLAGE_A)
    member = household.members.exclude(relation="head").get()
    client.force_login(users[role])
    for url in _write_urls(household, member):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"name": "x", "version": 1}).status_code == 404, url


def test_helper_edits_assigned_household_but_not_its_status(client, users, make_household):
    from fupin.assistance.models import HelperAssignment

    household = make_household(VILLAGE_A)
    HelperAssignment.objects.create(helper=users["helper"], household=household, start_date="2016-06-01")
    client.force_login(users["helper"])
    member = household.members.exclude(relation="head").get()
    seen = edit_post(MemberForm.initial_for(member))
    url = reverse("registry:member_edit", args=[household.pk, member.pk])
    assert client.post(url, {**seen, "migrant_work": "省外务工", "work_months": "8"}).status_code == 302
    member.refresh_from_db()
    assert (member.migrant_work, member.work_months) == ("out_of_province", 8)
    start_exit = reverse("procedures:start", args=[household.pk, "exit"])  # statuses change by procedure only
    assert client.get(start_exit).status_code == 403
    assert client.post(start_exit, {"year": "2017", "date": "2017-10-01"}).status_code == 403
    household.refresh_from_db()
    assert household.status == "registered"


def test_member_of_another_household_is_404(client, users, make_household):
    household = make_household(VILLAGE_A)
    stranger = make_household(VILLAGE_A).members.get(relation="head")
    client.force_login(users["cadre"])
    assert client.get(reverse("registry:member_edit", args=[household.pk, stranger.pk])).status_code == 404
