"""`fupin check --deploy` under the settings `fupin serve` runs with: only the HTTPS warnings that
docs/operations.md explains remain."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Without FUPIN_HTTPS=1 (a town PC on its own network): HSTS, the HTTPS redirect, Secure cookies.
HTTP_ONLY = {"security.W004", "security.W008", "security.W012", "security.W016"}
# With FUPIN_HTTPS=1: HSTS for subdomains and the preload list are left to the site (opt-in).
HTTPS_OPTIONAL = {"security.W005", "security.W021"}


def deploy_warnings(tmp_path, **env) -> set[str]:
    # As `fupin serve` is started: none of our settings, nor the async override the browser tests set.
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith("FUPIN_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    result = subprocess.run(
        [sys.executable, "-m", "fupin.cli", "check", "--deploy"],
        cwd=ROOT,
        env={**clean, "FUPIN_WORK_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return set(re.findall(r"\(([\w.]+\.[WE]\d+)\)", result.stdout + result.stderr))


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, HTTP_ONLY),
        ({"FUPIN_HTTPS": "1"}, HTTPS_OPTIONAL),
        ({"FUPIN_HTTPS": "1", "FUPIN_HSTS_SUBDOMAINS": "1", "FUPIN_HSTS_PRELOAD": "1"}, set()),
    ],
    ids=["http", "https", "https-hsts-everything"],
)
def test_only_the_documented_https_warnings_remain(tmp_path, env, expected):
    assert deploy_warnings(tmp_path, **env) == expected
    docs = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    assert all(code in docs for code in expected)
