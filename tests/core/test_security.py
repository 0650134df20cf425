"""Keys, sessions, cookies, caching, login lockout and API tokens."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as live_settings
from django.test import Client
from rest_framework.test import APIClient

from fupin.core import keys, tokens
from fupin.core.models import ApiToken, AuditEvent

from ..conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def settings_in_subprocess(work_dir: Path, **env: str) -> dict:
    """Load fupin.settings in a fresh interpreter with this environment; a few of its values."""
    code = (
        "import json, fupin.settings as s; print(json.dumps({k: str(getattr(s, k, None)) for k in "
        "['SECRET_KEY', 'SECRET_KEY_SOURCE', 'FUPIN_AUDIT_KEY', 'FUPIN_AUDIT_KEY_SOURCE', "
        "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', 'SECURE_PROXY_SSL_HEADER', "
        "'SESSION_COOKIE_AGE']}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FUPIN_")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "FUPIN_WORK_DIR": str(work_dir), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    return json.loads(result.stdout)


def test_without_a_configured_key_one_is_generated_once_into_the_data_folder(tmp_path):
    first = settings_in_subprocess(tmp_path)
    assert first["SECRET_KEY_SOURCE"] == "generated" and first["FUPIN_AUDIT_KEY_SOURCE"] == "generated"
    key_file = tmp_path / "secret.key"
    assert key_file.read_text().strip() == first["SECRET_KEY"] and len(first["SECRET_KEY"]) >= 50
    if os.name == "posix":
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert stat.S_IMODE((tmp_path / "audit.key").stat().st_mode) == 0o600
    assert first["SECRET_KEY"] != first["FUPIN_AUDIT_KEY"]
    second = settings_in_subprocess(tmp_path)
    assert second["SECRET_KEY_SOURCE"] == "file" and second["SECRET_KEY"] == first["SECRET_KEY"]
    other = settings_in_subprocess(tmp_path / "another")
    assert other["SECRET_KEY"] != first["SECRET_KEY"]


def test_the_environment_overrides_the_key_file(tmp_path):
    configured = settings_in_subprocess(tmp_path, FUPIN_SECRET_KEY="k" * 60, FUPIN_AUDIT_KEY="a" * 40)
    assert (configured["SECRET_KEY"], configured["SECRET_KEY_SOURCE"]) == ("k" * 60, "env")
    assert (configured["FUPIN_AUDIT_KEY"], configured["FUPIN_AUDIT_KEY_SOURCE"]) == ("a" * 40, "env")
    assert not (tmp_path / "secret.key").exists()


def test_no_key_is_written_in_the_source():
    source = (ROOT / "src" / "fupin" / "settings.py").read_text()
    assert "SECRET_KEY = os.environ.get" not in source and "insecure" not in source


def test_two_processes_creating_the_key_at_once_agree(tmp_path):
    path = tmp_path / "k.key"
    results = [keys.load_or_create(path) for _ in range(3)]
    assert [created for _, created in results] == [True, False, False]
    assert len({key for key, _ in results}) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["k.key"]  # no temporary file left behind


def test_https_is_one_setting(tmp_path):
    plain = settings_in_subprocess(tmp_path)
    assert (plain["SESSION_COOKIE_SECURE"], plain["SECURE_HSTS_SECONDS"]) == ("False", "None")
    https = settings_in_subprocess(tmp_path, FUPIN_HTTPS="1")
    assert https["SESSION_COOKIE_SECURE"] == https["CSRF_COOKIE_SECURE"] == "True"
    assert int(https["SECURE_HSTS_SECONDS"]) >= 365 * 24 * 3600
    assert https["SECURE_PROXY_SSL_HEADER"] == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_sessions_last_twelve_hours_unless_set(tmp_path):
    assert live_settings.SESSION_COOKIE_AGE == 12 * 3600
    assert settings_in_subprocess(tmp_path, FUPIN_SESSION_HOURS="8")["SESSION_COOKIE_AGE"] == str(8 * 3600)


def test_https_responses_carry_hsts_and_secure_cookies(settings, users):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    client = Client(HTTP_X_FORWARDED_PROTO="https")
    response = client.post("/accounts/login/", {"username": "cadre", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response.cookies["sessionid"]["secure"] is True


@pytest.mark.django_db
def test_every_page_and_api_answer_is_no_store_but_static_files_are_cached(client, users, make_household):
    household = make_household()
    client.force_login(users["cadre"])
    for path in (f"/households/{household.pk}/", "/households/", "/api/v1/members/", "/accounts/login/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"], path
    static = client.get("/static/vendor/htmx/htmx.min.js")
    assert static.status_code == 200 and "no-store" not in static.get("Cache-Control", "")


@pytest.mark.django_db
def test_lockout_is_per_user_and_address_not_per_address(settings, users):
    settings.AXES_ENABLED = True
    office = "10.0.0.7"

    def login(username, password, address):
        return Client(REMOTE_ADDR=address).post(
            "/accounts/login/", {"username": username, "password": password}
        )

    for _ in range(settings.AXES_FAILURE_LIMIT):
        login("cadre", "wrong", office)
    assert login("cadre", PASSWORD, office).status_code == 429  # locked: this user from this address
    assert login("town", PASSWORD, office).status_code == 302  # a colleague in the same office is not
    assert login("cadre", PASSWORD, "10.0.0.8").status_code == 302  # nor the same user elsewhere


@pytest.mark.django_db
def test_api_tokens_are_created_shown_once_and_revoked_on_the_users_own_page(client, users):
    client.force_login(users["cadre"])
    page = client.post("/accounts/tokens/", {"name": "县里的对接脚本"})
    assert page.status_code == 200
    token = ApiToken.objects.get()
    key = page.context["key"]
    assert key in page.content.decode() and token.prefix == key[:8]
    assert key not in str(ApiToken.objects.values().get())  # only the hash is stored
    again = client.get("/accounts/tokens/").content.decode()
    assert key not in again and token.prefix in again and "县里的对接脚本" in again

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/households/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None

    other = Client()
    other.force_login(users["cadre_b"])
    assert other.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404  # not theirs
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    assert not ApiToken.objects.exists()
    assert api.get("/api/v1/households/").status_code in (401, 403)
    assert list(AuditEvent.objects.filter(object_type="core.ApiToken").values_list("action", flat=True)) == [
        "token_create",
        "token_revoke",
    ]


@pytest.mark.django_db
def test_a_token_of_a_deactivated_user_opens_nothing(users):
    _, key = tokens.create_token(user=users["cadre"], name="x")
    users["cadre"].is_active = False
    users["cadre"].save()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/households/").status_code in (401, 403)


@pytest.mark.django_db
def test_basic_auth_is_not_accepted(users):
    import base64

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"cadre:{PASSWORD}".encode()).decode())
    assert api.get("/api/v1/households/").status_code in (401, 403)


def test_an_empty_token_name_is_refused(client, users):
    client.force_login(users["cadre"])
    page = client.post("/accounts/tokens/", {"name": "  "})
    assert "请填写令牌用途" in page.content.decode() and not ApiToken.objects.exists()
