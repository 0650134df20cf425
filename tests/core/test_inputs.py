"""Inputs: a policy is a name, never a path; odd numbers and pages get 400 (never 500); every URL of the
project takes its numbers through the bounded `<id:…>` converter."""

from __future__ import annotations

import base64

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from rest_framework.test import APIClient

from fupin.core.converters import IdConverter
from fupin.policy import definition

from ..conftest import VILLAGE_A

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"
ODD_NUMBERS = [HUGE, "NaN", "nan", "inf", "-inf", "Infinity", "1e308", "-1", "0", "1.5", "x"]


def _patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def test_every_url_takes_numbers_through_the_bounded_converter():
    unbounded = []
    for route, entry in _patterns():
        converters = getattr(entry.pattern, "converters", {})
        if any(isinstance(c, IntConverter) for c in converters.values()):
            unbounded.append(route)
    assert not unbounded, f"use <id:…> instead of <int:…> in: {unbounded}"
    assert IdConverter.regex == "[0-9]{1,18}"


@pytest.fixture
def web(client, users):
    client.force_login(users["admin"])
    return client


@pytest.fixture
def api(users):
    client = APIClient()
    client.force_login(users["admin"])
    return client


def test_a_policy_is_chosen_by_name_never_by_path(web, tmp_path, make_household):
    make_household(VILLAGE_A)
    text_file = tmp_path / "notes.toml"
    text_file.write_text("[policy]\n", encoding="utf-8")
    for name in (
        str(text_file),
        "/etc/passwd",
        "/bin/ls",
        "../policies/guangdong-2016",
        "guangdong-2016.toml",
    ):
        for url in ("policy:village_table", "policy:targets", "policy:whatif", "policy:whatif_result"):
            response = web.get(reverse(url), {"policy": name, "year": "2016"})
            assert response.status_code == 400, (url, name)
            assert "没有名为" in response.content.decode()
    with pytest.raises(definition.PolicyError):
        definition.load(str(text_file))
    assert (
        web.get(reverse("policy:village_table"), {"policy": "guangdong-2016", "year": "2016"}).status_code
        == 200
    )


@pytest.mark.parametrize("value", ODD_NUMBERS)
def test_odd_years_and_what_if_numbers_get_400_on_the_policy_pages(web, value):
    for url in ("policy:village_table", "policy:whatif", "policy:whatif_result"):
        assert web.get(reverse(url), {"year": value}).status_code == 400, (url, value)
    response = web.get(reverse("policy:whatif_result"), {"year": "2016", "poverty_line": value})
    assert response.status_code == 400, value
    assert "扶贫信息系统" in response.content.decode()  # the site's own page


def test_odd_numbers_in_page_urls_are_404_not_500(web, make_household):
    household = make_household(VILLAGE_A)
    for url in (
        f"/households/{HUGE}/",
        f"/households/{household.pk}/incomes/{HUGE}/edit/",
        f"/households/{household.pk}/members/{HUGE}/edit/",
        f"/policy/households/{HUGE}/explain/",
        f"/exchange/import/{HUGE}/",
        f"/villages/{VILLAGE_A}/years/{HUGE}/edit/",
        f"/api/v1/households/{HUGE}/",
        f"/api/v1/members/{HUGE}/",
    ):
        assert web.get(url).status_code == 404, url
    assert web.get("/households/999999999999999999/").status_code == 404
    response = web.post(
        reverse("registry:household_unmask", args=[household.pk]), {"field": "id_number", "member": HUGE}
    )
    assert response.status_code == 404


def test_village_list_page_parameter(web):
    assert web.get(reverse("areas:village_list")).status_code == 200
    for value in (HUGE, "0", "-1", "x", "1e308"):
        assert web.get(reverse("areas:village_list"), {"page": value}).status_code == 400, value


@pytest.mark.parametrize("value", ODD_NUMBERS)
def test_odd_numbers_in_api_filters_get_400_with_the_error_shape(api, value):
    for url in (
        f"/api/v1/members/?household={value}",
        f"/api/v1/incomes/?household={value}",
        f"/api/v1/incomes/?year={value}",
        f"/api/v1/households/?page_size={value}",
    ):
        response = api.get(url)
        assert response.status_code == 400, (url, response.status_code)
        assert response.json()["errors"][0]["code"], url


def _cursor(**tokens: str) -> str:
    return base64.b64encode("&".join(f"{k}={v}" for k, v in tokens.items()).encode()).decode()


def test_crafted_cursors_get_400(api, make_household):
    make_household(VILLAGE_A)
    for cursor in (
        _cursor(p=HUGE),
        _cursor(p="1e308"),
        _cursor(p="NaN"),
        _cursor(o="1", p="-5"),
        _cursor(p="%00"),
        "not-base64!",
        "é",
    ):
        for url in ("/api/v1/households/", "/api/v1/villages/", "/api/v1/members/"):
            response = api.get(url, {"cursor": cursor})
            assert response.status_code == 400, (url, cursor)
            assert [e["code"] for e in response.json()["errors"]] == ["invalid_cursor"]
    first = api.get("/api/v1/households/", {"page_size": "1"})
    assert first.status_code == 200


def test_a_huge_household_id_in_a_request_body_is_404(api):
    for body in ({"household": int(HUGE)}, {"household": 1e308}, {"household": "1e308"}, {"household": True}):
        response = api.post("/api/v1/members/", body, format="json")
        assert response.status_code in (400, 404), body


def test_nul_characters_are_400_before_any_query(web, api, make_household):
    household = make_household(VILLAGE_A)
    for url in ("/villages/%00/", "/households/?q=%00", "/api/v1/households/?search=a%00b"):
        response = (api if url.startswith("/api/") else web).get(url)
        assert response.status_code == 400, url
    head = household.members.get(relation="head")
    response = api.patch(
        f"/api/v1/members/{head.pk}/", {"name": "张\x00三", "version": head.version}, format="json"
    )
    assert response.status_code == 400
    assert [e["code"] for e in response.json()["errors"]] == ["invalid_character"]
    response = api.patch(
        f"/api/v1/households/{household.pk}/",
        {"bank_name": "连州\x00银行", "version": household.version},
        format="json",
    )
    assert response.status_code == 400
