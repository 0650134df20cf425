import pytest

pytestmark = pytest.mark.browser


def test_login_page_is_chinese_and_rejects_a_wrong_password(live_server, page, users):
    page.goto(f"{live_server.url}/accounts/login/")
    assert "登录" in page.title()
    page.fill("#id_username", "cadre")
    page.fill("#id_password", "wrong-password")
    page.click("button[type=submit]")
    assert page.locator(".alert-danger").inner_text().startswith("用户名或密码不正确")
