"""SQLite under load: while a large import runs on a file database, users log in, read and edit.

Staging and checking take no write lock, so an edit made then succeeds (and the import re-checks
before committing). During the import's commit a login and a read still succeed at once, and an edit
gets 503 「系统正忙，请稍后重试」 with Retry-After within the busy timeout — never a 500 — on the page
and in the API. The processes are real ones on a real database file (not the in-memory test database).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .helpers import registry_sheets, write_workbook

ACTOR = Path(__file__).with_name("busy_actor.py")
HOUSEHOLDS = 3000


def _env(folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'fupin.sqlite3'}",
        "FUPIN_WORK_DIR": str(folder),
        "FUPIN_SESSION_DIR": str(folder / "sessions"),
        "FUPIN_DB_BUSY_TIMEOUT": "1",
        "DJANGO_SETTINGS_MODULE": "fupin.settings",
    }


def _wait_for(path: Path, process: subprocess.Popen, seconds: float = 900) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"no {path.name}"
        time.sleep(0.05)


def _user(name: str, folder: Path, env: dict) -> tuple[subprocess.Popen, dict]:
    process = subprocess.Popen(
        [sys.executable, str(ACTOR), "user", name, str(folder)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for(folder / f"{name}.json", process)
    return process, json.loads((folder / f"{name}.json").read_text())


@pytest.mark.slow
def test_login_and_read_work_and_a_write_gets_busy_during_a_large_import(tmp_path):
    env = _env(tmp_path)
    fupin = Path(sys.executable).with_name("fupin")
    subprocess.run([str(fupin), "migrate", "-v0"], env=env, check=True)
    seed = write_workbook(tmp_path / "seed.xlsx", registry_sheets(2, prefix="S"))
    subprocess.run([sys.executable, str(ACTOR), "setup", str(seed)], env=env, check=True)
    big = write_workbook(tmp_path / "big.xlsx", registry_sheets(HOUSEHOLDS, prefix="B"))

    importer = subprocess.Popen(
        [sys.executable, str(ACTOR), "import", str(big), str(tmp_path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Staged and about to be checked: nothing holds the write lock, an edit goes through.
        _wait_for(tmp_path / "at-check", importer)
        first, before = _user("before", tmp_path, env)
        assert before["login"] == 302 and before["read"] == 200 and before["edit"] == 302, before
        assert before["api_edit"] == 200, before
        (tmp_path / "go-check").touch()

        # Inside the commit's write transaction.
        _wait_for(tmp_path / "at-commit", importer)
        second, during = _user("during", tmp_path, env)
        assert during["login"] == 302, during
        assert during["read"] == 200 and during["read_shows_household"], during
        assert during["edit"] == 503 and during["edit_retry_after"] and during["edit_busy_message"], during
        assert during["edit_seconds"] < 10, during  # the busy timeout is 1 s here
        assert during["api_edit"] == 503 and during["api_retry_after"], during
        assert during["api_body"]["errors"][0]["code"] == "busy", during
        assert during["api_body"]["errors"][0]["message"] == "系统正忙，请稍后重试"
    finally:
        (tmp_path / "go-check").touch()
        (tmp_path / "go-commit").touch()
        (tmp_path / "release").touch()
    out, err = importer.communicate(timeout=900)
    assert importer.returncode == 0, err
    result = json.loads((tmp_path / "import.json").read_text())
    assert result["committed"], result
    for process in (first, second):
        process.communicate(timeout=900)
        assert process.returncode == 0
    during = json.loads((tmp_path / "during.json").read_text())
    # The login made during the commit was recorded once the lock was free.
    assert during["deferred_done"] and during["last_login_set"] and during["audit_logins"] == 2, during
