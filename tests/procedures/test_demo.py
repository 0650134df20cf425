"""`fupin loaddemo`: the demo town's exits of 2016–2018 are completed exit procedures with their
notices; open cases in every state (one with an open objection, one waiting for the town)."""

from __future__ import annotations

import io

from django.core.management import call_command

from fupin.batch import demo_town
from fupin.core import audit
from fupin.core.models import User
from fupin.procedures import selectors
from fupin.procedures.models import Notice, Objection, Procedure
from fupin.registry.models import StatusChange

TOWN = demo_town.TOWN_CODE


def test_the_demo_exits_are_completed_procedures(db):
    call_command("loaddemo", stdout=io.StringIO())
    exits = set(
        StatusChange.objects.filter(
            to_status="exited", household__village__code__startswith=TOWN
        ).values_list("household_id", "year")
    )
    completed = Procedure.objects.filter(kind="exit", state="completed")
    assert exits and set(completed.values_list("household_id", "year")) == exits
    assert {p.steps.count() for p in completed[:20]} == {7}
    one = completed.select_related("household").first()
    notice = one.steps.get(code="notice").notice
    assert (notice.kind, notice.year, (notice.end_date - notice.start_date).days) == ("公示", one.year, 7)
    in_village = completed.filter(village=one.village, year=one.year).count()
    assert notice.steps.count() == in_village  # one 公示 lists the village's exits of the year
    assert one.steps.get(code="announcement").notice.kind == "公告"
    assert Notice.objects.filter(kind="公示", steps__procedure__state="open").distinct().count() == 2
    assert Objection.objects.filter(resolved_at__isnull=True).count() == 1
    town_user = User.objects.get(username="demo_town")
    waiting = selectors.work_list(user=town_user)
    assert [item.procedure.current_step.code for item in waiting] == ["town_approval"]
    cadre = User.objects.get(username="demo_cadre")
    assert [item.procedure.current_step.code for item in selectors.work_list(user=cadre)] == [
        "village_review"
    ]
    assert audit.verify().ok
