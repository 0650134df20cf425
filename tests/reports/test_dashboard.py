"""The leader's dashboard: the leader lands on it, and every figure equals the list it links to."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from fupin.policy import services as policy_services
from fupin.registry.models import Household, StatusChange

from ..conftest import VILLAGE_A, VILLAGE_B

pytestmark = pytest.mark.django_db


@pytest.fixture
def town_data(make_household, users):
    made = [
        make_household(VILLAGE_A, members=3),
        make_household(VILLAGE_A, members=2),
        make_household(VILLAGE_B),
    ]
    policy_services.create_snapshot(actor=users["admin"], year=2016, kind="baseline", lock=True)
    exited = made[1]
    Household.objects.filter(pk=exited.pk).update(status="exited", exit_year=2016)
    StatusChange.objects.create(
        household=exited, from_status="registered", to_status="exited", year=2016, reason="测试"
    )
    return made


def cards(body: str) -> dict[str, tuple[str, str]]:
    """label → (value, link) of each figure card."""
    found = re.findall(
        r'<div class="small text-body-secondary">([^<]+)</div>\s*<div class="fs-4">(?:<a [^>]*href="([^"]*)">)?([^<]+)',
        body,
    )
    return {label: (value.strip(), link.replace("&amp;", "&")) for label, link, value in found}


def rows_in_list(client, url: str) -> int:
    body = client.get(url).content.decode()
    return body.split("<tbody", 1)[1].split("</tbody>", 1)[0].count("<tr") if "<tbody" in body else 0


def test_the_leader_lands_on_the_dashboard(client, users, town_data):
    client.force_login(users["leader"])
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("reports:dashboard")


def test_each_status_figure_equals_the_list_it_links_to(client, users, town_data):
    client.force_login(users["leader"])
    found = cards(client.get(reverse("reports:dashboard")).content.decode())
    assert found["在册户 / 人"][0] == "2 / 5" and found["已脱贫户 / 人"][0] == "1 / 2"
    for label in ("在册户 / 人", "已脱贫户 / 人", "返贫户 / 人"):
        value, link = found[label]
        assert rows_in_list(client, link) == int(value.split(" / ")[0]), label


def test_the_targets_figure_reads_the_baseline_plan(client, users, town_data):
    client.force_login(users["leader"])
    found = cards(client.get(reverse("reports:dashboard")).content.decode())
    # 7 persons at identification: 30 % rounded down = 2 planned for 2016; 2 persons exited.
    assert found["2016年计划 / 实际脱贫人数"][0] == "2 / 2"


def test_a_cadre_sees_its_own_village_figures(client, users, town_data):
    client.force_login(users["cadre"])
    found = cards(client.get(reverse("reports:dashboard")).content.decode())
    assert found["在册户 / 人"][0] == "1 / 3"


def test_other_apps_add_their_figures_each_a_link_to_its_list(client, users, town_data):
    client.force_login(users["leader"])
    found = cards(client.get(reverse("reports:dashboard")).content.decode())
    # No helper is assigned: every registered poor person (5) is without one.
    assert found["在册贫困人口中没有帮扶责任人的"] == ("5 / 5", reverse("assistance:coverage"))
    assert found["待处理的比对疑点"] == ("0", reverse("monitoring:findings"))
    assert found["进行中的程序"] == ("0", reverse("procedures:work_list"))
    assert client.get(reverse("assistance:coverage")).status_code == 200
