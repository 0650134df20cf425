from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _fresh_throttle_history():
    # Throttle history lives in the cache, keyed by user id; ids repeat across rolled-back tests.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(users):
    """api("cadre") → an APIClient signed in as that user of the `users` fixture."""

    def client_for(name: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(users[name])
        return client

    return client_for


def codes_of(response) -> list[str]:
    return [error["code"] for error in response.json()["errors"]]


def errors_of(response) -> list[tuple[str | None, str]]:
    return [(error["field"], error["code"]) for error in response.json()["errors"]]
