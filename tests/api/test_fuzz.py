"""Schemathesis against the whole API: every operation of the OpenAPI schema, valid and invalid input,
signed in, through the project's WSGI application. Any 5xx fails; so does a response that does not
match the schema (an enum the API does not keep, a blank where the schema says null).

Short and deterministic: a fixed number of examples per operation and mode, derandomized Hypothesis,
no example database. The user signs in with a session (as a browser or script does), so the harness
works whatever other authentication the API offers.
"""

from __future__ import annotations

import os
from collections import Counter

import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from fupin.wsgi import application

from ..conftest import VILLAGE_A, VILLAGE_B

EXAMPLES = int(os.environ.get("FUPIN_FUZZ_EXAMPLES", "20"))
HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _signed_in(user) -> tuple[dict[str, str], dict[str, str]]:
    """Session and CSRF cookies plus the CSRF header of a signed-in browser."""
    client = Client()
    client.force_login(user)
    request = RequestFactory().get("/")
    token = get_token(request)
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": request.META["CSRF_COOKIE"]}
    return cookies, {"X-CSRFToken": token}


def _schema(cookies: dict[str, str]):
    client = Client()
    client.cookies.load(cookies)
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = schemathesis.openapi.from_dict(response.json())
    schema.app = application
    return schema


def _fixed_parameters(operation, objects: dict[str, object]) -> dict[str, object] | None:
    """Path parameters naming records that exist, so the 200 paths are exercised too."""
    names = [p.name for p in operation.path_parameters]
    if not names:
        return None
    path = operation.path
    if "villages" in path:
        return {"code": objects["village"]}
    key = "member" if "members" in path else "income" if "incomes" in path else "household"
    return {names[0]: objects[key]}


def _examples(strategy, mode: GenerationMode, check):
    """The Hypothesis run of one operation in one mode (a function of its own: @given takes no defaults)."""

    @HYPOTHESIS
    @given(case=strategy)
    def run(case) -> None:
        check(case, mode)

    return run


def _run_all(schema, objects: dict, check) -> int:
    """Every operation of the schema in both modes; returns how many operations there were."""
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        fixed = _fixed_parameters(operation, objects)
        runs = [(mode, None) for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
        if fixed:
            runs.append((GenerationMode.POSITIVE, fixed))
            runs.append((GenerationMode.NEGATIVE, fixed))
        for mode, path_parameters in runs:
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)
            try:
                _examples(strategy, mode, check)()
            except Unsatisfiable:
                # An operation whose every input is free text has no invalid input to generate.
                if mode is not GenerationMode.NEGATIVE:
                    raise
                print(f"no invalid input to generate for {operation.method.upper()} {operation.path}")
    return operations


def test_the_api_never_answers_5xx_and_keeps_to_its_schema(users, make_household, db):
    household = make_household(VILLAGE_A, members=3, incomes=(2015, 2016))
    make_household(VILLAGE_B, members=1)
    objects = {
        "household": household.pk,
        "member": household.members.first().pk,
        "income": household.incomes.first().pk,
        "village": VILLAGE_A,
    }
    cookies, headers = _signed_in(users["admin"])
    schema = _schema(cookies)
    failures: list[str] = []
    statuses: Counter[int] = Counter()

    def check(case, mode: GenerationMode) -> None:
        response = case.call(headers=headers, cookies=cookies)
        statuses[response.status_code] += 1
        label = f"{case.method} {case.formatted_path} {case.query or ''} {str(case.body)[:200]}"
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {label}: {response.text[:300]}")
        elif mode == GenerationMode.POSITIVE and response.status_code < 300:
            try:
                case.validate_response(response, checks=[response_schema_conformance])
            except Exception as exc:  # schemathesis groups several failures in one exception
                failures.append(f"schema mismatch {label}: {type(exc).__name__} {str(exc)[:600]}")

    # As Django's test client does: the requests run inside the test's transaction, which closing the
    # connection at the end of each request would end.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        operations = _run_all(schema, objects, check)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)

    assert operations >= 14
    # Signed in and reaching the views: successes, refusals of bad input, records not found.
    assert statuses[200] and statuses[400] and statuses[404], statuses
    assert statuses[403] < sum(statuses.values()) // 10, statuses
    assert not failures, "\n".join(sorted(set(failures))[:30])
