"""Two town officers approve the same step at the same moment, in two threads with their own database
connections: one wins, the other is told who did it; the step exists once. PostgreSQL only (the test
database of SQLite is one in-memory connection)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from fupin.procedures import services
from fupin.procedures.models import Procedure

from .conftest import STEP_DATA, propose, walk_to

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs two real connections")


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_the_same_moment(users, make_household, clock, django_user_model):
    second = django_user_model.objects.create_user(
        username="town2", password="x", role="town_office", area_id="441882101"
    )
    procedure = walk_to(propose(make_household(members=1), users, clock), "town_approval", users, clock)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def approve(user) -> None:
        seen = Procedure.objects.get(pk=procedure.pk)
        barrier.wait()
        try:
            services.act(
                actor=user,
                procedure=seen,
                step="town_approval",
                data={**STEP_DATA["town_approval"], "date": clock().isoformat()},
            )
            outcomes[user.username] = "ok"
        except services.Refused as exc:
            outcomes[user.username] = exc.code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(u,)) for u in (users["town"], second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes.values()) == ["already_done", "ok"]
    assert procedure.steps.filter(code="town_approval").count() == 1
