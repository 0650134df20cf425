"""The 400, 403, 404 and 500 pages: Chinese, inside the site's layout, JSON under /api/; the favicon."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from fupin.core import views

from ..conftest import VILLAGE_B, make_id_number


@pytest.mark.django_db
def test_404_is_chinese_in_the_layout_and_json_in_the_api(client, users):
    client.force_login(users["cadre"])
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    text = page.content.decode()
    assert "页面不存在" in text and 'class="navbar' in text and "Not Found" not in text
    api = client.get("/api/v1/no-such-thing/")
    assert api.status_code == 404 and api.json()["errors"][0]["code"] == "not_found"


@pytest.mark.django_db
def test_404_of_an_out_of_scope_household_says_nothing_of_it(client, users, make_household):
    other = make_household(VILLAGE_B)
    client.force_login(users["cadre"])
    text = client.get(reverse("registry:household_detail", args=[other.pk])).content.decode()
    assert "页面不存在" in text and other.household_no not in text


@pytest.mark.django_db
def test_403_shows_the_reason_in_chinese(client, users):
    client.force_login(users["upper"])
    response = client.get(reverse("registry:household_list"))
    assert response.status_code == 403
    text = response.content.decode()
    assert "没有权限" in text and "您的角色不能查看贫困户名单" in text and 'class="navbar' in text


@pytest.mark.django_db
def test_400_page_and_csrf_failure_page(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["town"])
    response = client.get(reverse("registry:household_list"), {"page": "0"})
    assert response.status_code == 400 and "查询条件无效" in response.content.decode()
    refused = client.post(reverse("registry:household_list"), {"q": "张"})
    assert refused.status_code == 403 and "页面已过期" in refused.content.decode()


def test_500_renders_without_request_context_or_database():
    # No django_db mark: any database access here fails the test.
    response = views.server_error(RequestFactory().get("/households/"))
    text = response.content.decode()
    assert response.status_code == 500
    assert "系统出错" in text and 'class="navbar' in text and "favicon" in text
    api = views.server_error(RequestFactory().get("/api/v1/households/"))
    assert api.status_code == 500 and b'"server_error"' in api.content
    assert views.server_error(None).status_code == 500


def test_error_messages_never_carry_a_full_id_number():
    number = make_id_number()
    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied

    request.user = AnonymousUser()
    text = views.permission_denied(request, PermissionDenied(f"证件号码“{number}”不能查看")).content.decode()
    assert number not in text and number[:6] + "*" * 11 + number[-1] in text


@pytest.mark.django_db
def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"
    login = client.get(reverse("login")).content.decode()
    assert 'rel="icon"' in login and "favicon.svg" in login
    assert client.get("/static/favicon.svg").status_code == 200
