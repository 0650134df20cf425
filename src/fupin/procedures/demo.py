"""The procedures of the demo town (`fupin loaddemo`).

The registry loader writes the demo's exits of 2016–2018 as status changes (`registry.services.change_status`,
the write a completed procedure makes). Here every one of them gets its completed exit procedure: the
seven steps with their dates in October–November of the exit year, one 公示 and one 公告 per village and
year listing all of that village's exits (so the notices print as the offices posted them). Rows are
written in bulk (a few inserts, not one per step) and the trail gets one entry per procedure.

So a new user sees cases in every state: three open exits of 2018 among the few households still poor —
one in 昌黎村 (the demo cadre's village) waiting for its village review, one past its 公示 with an open
objection, one waiting for the town.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from fupin.batch import demo_town
from fupin.core import audit
from fupin.core.roles import Role
from fupin.registry.models import Household, StatusChange

from . import definitions, services
from .models import Notice, Objection, Procedure, Step

OPEN_YEAR = 2018


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def _dates(year: int) -> dict[str, dt.date]:
    return {
        "proposal": dt.date(year, 10, 8),
        "village_review": dt.date(year, 10, 12),
        "verification": dt.date(year, 10, 15),
        "acceptance": dt.date(year, 10, 18),
        "notice": dt.date(year, 10, 20),
        "town_approval": dt.date(year, 11, 5),
        "announcement": dt.date(year, 11, 10),
    }


def _data(code: str, day: dt.date, approved: bool = True) -> dict:
    return {
        "proposal": {"date": day.isoformat(), "note": "收入稳定超过当年脱贫标准"},
        "village_review": {
            "date": day.isoformat(),
            "participants": "村民代表会议",
            "votes_for": 25,
            "votes_against": 1,
            "minutes": "经村民代表会议评议，同意列入拟脱贫名单。",
        },
        "verification": {
            "date": day.isoformat(),
            "participants": "村委会、驻村工作队",
            "findings": "入户核实，收入达标，两不愁三保障。",
        },
        "acceptance": {"date": day.isoformat(), "accepted": True, "refusal": ""},
        "town_approval": {"date": day.isoformat(), "approved": approved, "opinion": "同意脱贫退出"},
    }.get(code, {})


def load(*, town, users, households, actor) -> None:
    town_code = demo_town.TOWN_CODE
    if Procedure.objects.filter(village__code__startswith=town_code).exists():
        return
    cadre, office = users[Role.VILLAGE_CADRE], users[Role.TOWN_OFFICE]
    definition = definitions.get("exit")
    exits = list(
        StatusChange.objects.filter(to_status="exited", household__village__code__startswith=town_code)
        .select_related("household__village")
        .order_by("year", "household__household_no", "pk")
    )
    notices: dict[tuple, Notice] = {}
    for change in exits:
        village = change.household.village
        dates = _dates(change.year)
        for kind, start, office_name, by in (
            ("公示", dates["notice"], f"{village.name}村民委员会", cadre),
            ("公告", dates["announcement"], "星子镇人民政府", office),
        ):
            key = (kind, village.code, change.year)
            if key not in notices:
                notices[key] = Notice(
                    kind=kind,
                    village=village,
                    year=change.year,
                    start_date=start,
                    end_date=start + dt.timedelta(days=7),
                    office=office_name,
                    published_by=by,
                    published_at=_at(start),
                )
    Notice.objects.bulk_create(notices.values(), batch_size=1000)
    procedures = [
        Procedure(
            kind="exit",
            type_version=definition.version,
            household=change.household,
            village=change.household.village,
            year=change.year,
            state="completed",
            current=len(definition.steps),
            created_by=cadre,
            created_at=_at(_dates(change.year)["proposal"]),
            completed_at=_at(_dates(change.year)["announcement"]),
        )
        for change in exits
    ]
    Procedure.objects.bulk_create(procedures, batch_size=1000)
    steps = []
    for procedure in procedures:
        dates = _dates(procedure.year)
        for spec in definition.steps:
            day = dates[spec.code]
            notice = (
                notices.get((spec.notice, procedure.village.code, procedure.year)) if spec.is_notice else None
            )
            data = (
                {
                    "start_date": notice.start_date.isoformat(),
                    "end_date": notice.end_date.isoformat(),
                    "office": notice.office,
                }
                if notice
                else _data(spec.code, day)
            )
            steps.append(
                Step(
                    procedure=procedure,
                    index=spec.index,
                    code=spec.code,
                    data=data,
                    notice=notice,
                    actor=office if spec.level == "town" else cadre,
                    acted_at=_at(day),
                )
            )
    Step.objects.bulk_create(steps, batch_size=2000)
    audit.record_many(
        [
            audit.Entry(
                "procedures.demo_completed",
                "procedures.Procedure",
                str(p.pk),
                {"kind": "exit", "household": p.household.household_no, "year": p.year},
            )
            for p in procedures
        ],
        actor=actor,
    )
    _open_cases(cadre, office, definition)


def _open_cases(cadre, office, definition) -> None:
    """Three open exits of 2018: at the village review, past 公示 with an open objection, waiting for the town."""
    remaining = Household.objects.filter(
        village__code__startswith=demo_town.TOWN_CODE, status__in=("registered", "returned")
    ).exclude(procedures__state="open")
    # nearly every household of the demo exited by 2018: the cadre's village first, then the others
    candidates = sorted(remaining, key=lambda h: (h.village_id != demo_town.CADRE_VILLAGE, h.household_no))[
        :3
    ]
    dates = _dates(OPEN_YEAR)
    stops = ("village_review", "town_approval", "town_approval")
    for n, (household, stop) in enumerate(zip(candidates, stops, strict=False)):
        verdict = services.engine_verdict(definition, household, OPEN_YEAR)
        procedure = Procedure.objects.create(
            kind="exit",
            type_version=definition.version,
            household=household,
            village_id=household.village_id,
            year=OPEN_YEAR,
            verdict=verdict,
            reason="" if verdict.get("ok") else "演示：村委会核实该户务工收入未全部入账，手工提出。",
            created_by=cadre,
            created_at=_at(dates["proposal"]),
        )
        stop_at = definition.by_code(stop).index
        notice = None
        for spec in definition.steps[:stop_at]:
            day = dates[spec.code]
            data = _data(spec.code, day)
            if spec.is_notice:
                notice, _ = Notice.objects.get_or_create(
                    kind="公示",
                    village_id=household.village_id,
                    year=OPEN_YEAR,
                    start_date=day + dt.timedelta(days=30),
                    end_date=day + dt.timedelta(days=37),
                    office=f"{household.village.name}村民委员会",
                    defaults={"published_by": cadre, "published_at": _at(day + dt.timedelta(days=30))},
                )
                data = {
                    "start_date": notice.start_date.isoformat(),
                    "end_date": notice.end_date.isoformat(),
                    "office": notice.office,
                }
            Step.objects.create(
                procedure=procedure,
                index=spec.index,
                code=spec.code,
                data=data,
                notice=notice if spec.is_notice else None,
                actor=cadre,
                acted_at=_at(day),
            )
        following = definition.steps[stop_at]
        Procedure.objects.filter(pk=procedure.pk).update(
            current=stop_at,
            due_date=(notice.end_date if notice else dates["proposal"]) + dt.timedelta(days=following.days),
        )
        if n == 1 and notice is not None:
            Objection.objects.create(
                notice=notice,
                procedure=procedure,
                text="村民反映该户家中有人在外务工、收入未如实申报，请核实。",
                received=notice.start_date + dt.timedelta(days=2),
                received_by=cadre,
            )


def reset(*, town_code) -> None:
    """Remove the town's procedures before the registry data go (the rows refer to the households)."""
    procedures = Procedure.objects.filter(village__code__startswith=town_code)
    counts = {
        "objections": Objection.objects.filter(procedure__in=procedures)._raw_delete("default"),
        "steps": Step.objects.filter(procedure__in=procedures)._raw_delete("default"),
    }
    counts["notices"] = Notice.objects.filter(village__code__startswith=town_code)._raw_delete("default")
    counts["procedures"] = procedures._raw_delete("default")
    if any(counts.values()):
        audit.record("procedures.demo_reset", "procedures.Procedure", town_code, counts)
