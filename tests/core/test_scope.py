"""The role × URL matrix of core's own pages: API tokens and background jobs (tests/scope.py).

A job and a token belong to the town office user; only they and the administrator reach the job, only
they revoke the token; everyone else gets 404, as if it did not exist."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fupin.core import jobs, tokens

from ..scope import ROLES, client_for, expect

EVERYONE = set(ROLES) - {"anon"}
OWNER = {"town", "admin"}

EXPECTED = {
    "api_tokens": ("GET", "", expect(EVERYONE)),
    "api_token_revoke": ("POST", "token", expect({"town"}, ok_status=302, denied=404)),
    "jobs:list": ("GET", "", expect(EVERYONE)),
    "jobs:detail": ("GET", "job", expect(OWNER, denied=404)),
    "jobs:status": ("GET", "job", expect(OWNER, denied=404)),
    "jobs:download": ("GET", "job", expect(OWNER, denied=404)),
}


@jobs.handler
def small_file(job: jobs.JobContext) -> None:
    path = job.output_dir / "f.txt"
    path.write_text("x")
    job.set_result(path, "f.txt", "text/plain")


@pytest.fixture
def objects(users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    token, _key = tokens.create_token(user=users["town"], name="script")
    job = jobs.enqueue(small_file, owner=users["town"], title="x")
    return {"": {}, "token": {"pk": token.pk}, "job": {"pk": job.pk}}


@pytest.mark.parametrize("role", ROLES)
def test_role_gets_what_the_matrix_says(client, users, objects, role):
    client = client_for(client, users, role)
    wrong = []
    for name, (method, key, table) in EXPECTED.items():
        url = reverse(name, kwargs=objects[key])
        response = client.get(url) if method == "GET" else client.post(url)
        if response.status_code != table[role]:
            wrong.append(f"{method} {name} → {response.status_code}, expected {table[role]}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)
