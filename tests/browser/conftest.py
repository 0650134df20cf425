"""Playwright drives Debian's chromium (/usr/bin/chromium); no browser is ever downloaded."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# Playwright's sync API runs an event loop in this thread; the live server's ORM calls are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.fail("chromium is missing: `make test` installs it with apt-get")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def login(live_server, page):
    from tests.conftest import PASSWORD

    def do(username: str) -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()

    return do


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    # Live-server tests flush every table when they end, shipped data included. pytest-django sorts
    # transactional tests last, but not these (their database comes through the live_server fixture), so
    # move them to the very end where no test that expects the shipped areas follows.
    browser = [item for item in items if item.get_closest_marker("browser")]
    items[:] = [item for item in items if not item.get_closest_marker("browser")] + browser
