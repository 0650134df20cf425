"""Policy pages: scope, the explanation fragment, the what-if fragment and the targets chart data."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from ..conftest import VILLAGE_A, VILLAGE_B


@pytest.fixture
def login(client, users):
    def as_user(name):
        client.force_login(users[name])
        return client

    return as_user


def test_village_table_is_scoped_to_the_cadres_village(town, login):
    page = login("cadre").get(reverse("policy:village_table"), {"year": 2016}).content.decode()
    assert VILLAGE_A in page and VILLAGE_B not in page
    assert "0.0500" not in page and "5.00%" in page


def test_upper_level_sees_aggregates_of_its_area(town, login):
    page = login("upper").get(reverse("policy:village_table"), {"year": 2016}).content.decode()
    assert VILLAGE_A in page and VILLAGE_B in page


@pytest.mark.parametrize("name", ["noarea", "civil"])
def test_no_aggregates_without_area_or_role(town, login, name):
    assert login(name).get(reverse("policy:village_table"), {"year": 2016}).status_code == 403


def test_household_explanation_fragment(town, login):
    url = reverse("policy:household_explain", args=[town["poor"].pk])
    page = login("cadre").get(url, {"year": 2016}).content.decode()
    assert "人均可支配收入 1,500.00 元 &lt; 4,000.00 元" in page
    assert "人均可支配收入 1,500.00 元 ≥ 6,433.00 元" in page
    assert "收入未达标" in page
    assert "<html" not in page  # a fragment for htmx


def test_household_explanation_respects_the_household_scope(town, login):
    url = reverse("policy:household_explain", args=[town["poor"].pk])
    assert login("cadre_b").get(url, {"year": 2016}).status_code == 404


def test_household_explanation_api(town, login):
    url = reverse("policy:household_explain_api", args=[town["rich"].pk])
    data = login("town").get(url, {"year": 2016}).json()
    assert data["per_capita_income"] == "5000.00"
    assert data["exit_eligible"] is False and data["unmet"] == ["income"]
    leaf = data["rules"]["below_line"]
    assert leaf["condition"] == "income_below_line" and leaf["threshold"] == "4000.00"
    assert data["reading"] == "省扶贫信息平台口径" and data["reference_date"] == "2016-08-31"


def test_targets_page_puts_chart_data_in_json_script(town, baseline, login):
    page = login("town").get(reverse("policy:targets")).content.decode()
    data = json.loads(
        re.search(r'<script id="targets-data" type="application/json">(.*?)</script>', page).group(1)
    )
    assert data["planned"] == [1, 1, 3] and data["actual"] == [1, 0, 0]
    assert re.search(r"<script>(?!\s*</script>)", page) is None  # no inline script (CSP)
    assert "policy/targets.js" in page


def test_whatif_fragment(town, login):
    client = login("town")
    assert client.get(reverse("policy:whatif")).status_code == 200
    page = client.get(
        reverse("policy:whatif_result"), {"year": 2016, "poverty_line": "5050"}
    ).content.decode()
    assert re.search(r'id="whatif-in">\s*1 / 2', page)
    assert "40,000.00" in page
