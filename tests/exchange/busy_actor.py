"""A process of the SQLite-under-load test (test_busy.py): sets up a file database, runs an import that
pauses at its stages, or acts as a user (log in, read, edit) and writes what it saw as JSON.

    python busy_actor.py setup WORKBOOK
    python busy_actor.py import WORKBOOK FOLDER     (pauses at "check" and "commit": see _pause)
    python busy_actor.py user NAME FOLDER           (NAME: the result file; waits for FOLDER/release)
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

PASSWORD = "Fupin-test-2016"
USERNAME = "town"


def _wait_for(path: Path, seconds: float = 900) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {path.name}")
        time.sleep(0.05)


def setup(workbook: str) -> None:
    from fupin.areas.base import load_base_areas
    from fupin.areas.models import Area
    from fupin.core.models import User
    from fupin.core.roles import Role
    from fupin.exchange.pipeline import import_registry

    if not Area.objects.filter(code="441882101").exists():
        load_base_areas(Area)
    town = Area.objects.get(code="441882101")
    Area.objects.create(code="441882101201", name="昌黎村", level="village", parent=town)
    User.objects.create_user(username=USERNAME, password=PASSWORD, role=Role.TOWN_OFFICE, area_id=town.code)
    report = import_registry(workbook)
    assert report.committed, report.errors[:3]


def run_import(workbook: str, folder: str) -> None:
    from fupin.exchange.pipeline import import_registry

    base = Path(folder)

    def progress(stage: str, done: int, total: int | None) -> None:
        if stage in ("check", "commit"):
            (base / f"at-{stage}").touch()
            _wait_for(base / f"go-{stage}")

    report = import_registry(workbook, progress=progress)
    (base / "import.json").write_text(
        json.dumps({"committed": report.committed, "errors": [e.as_dict() for e in report.errors[:5]]})
    )


def user(name: str, folder: str) -> None:
    from fupin.core import busy
    from fupin.core.models import AuditEvent, User
    from fupin.registry.forms import HouseholdForm
    from fupin.registry.models import Household

    base = Path(folder)
    client = Client()
    result: dict = {}
    started = time.monotonic()
    response = client.post(reverse("login"), {"username": USERNAME, "password": PASSWORD})
    result["login"] = response.status_code
    result["login_seconds"] = round(time.monotonic() - started, 2)
    household = Household.objects.get(household_no="S0001")
    response = client.get(reverse("registry:household_detail", args=[household.pk]))
    result["read"] = response.status_code
    result["read_shows_household"] = "S0001" in response.content.decode()
    data = {k: v for k, v in HouseholdForm.initial_for(household).items() if v is not None}
    data["other_causes"] = list(data.get("other_causes") or [])
    data["phone"] = "13900000000" if household.phone != "13900000000" else "13911111111"
    started = time.monotonic()
    response = client.post(reverse("registry:household_edit", args=[household.pk]), data)
    result["edit"] = response.status_code
    result["edit_seconds"] = round(time.monotonic() - started, 2)
    result["edit_retry_after"] = response.get("Retry-After")
    result["edit_busy_message"] = "系统正忙，请稍后重试" in response.content.decode()
    household.refresh_from_db()
    response = client.patch(
        f"/api/v1/households/{household.pk}/",
        {"phone": "13922222222", "version": household.version},
        content_type="application/json",
    )
    result["api_edit"] = response.status_code
    result["api_body"] = (
        response.json() if response.get("Content-Type", "").startswith("application/json") else None
    )
    result["api_retry_after"] = response.get("Retry-After")
    (base / f"{name}.json").write_text(json.dumps(result, ensure_ascii=False))
    # The login's bookkeeping (last_login, access log, audit entry) is written once the lock is free.
    _wait_for(base / "release")
    result["deferred_done"] = busy.wait_for_deferred(600)
    result["last_login_set"] = User.objects.get(username=USERNAME).last_login is not None
    result["audit_logins"] = AuditEvent.objects.filter(action="login").count()
    (base / f"{name}.json").write_text(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"setup": setup, "import": run_import, "user": user}[command](*args)
