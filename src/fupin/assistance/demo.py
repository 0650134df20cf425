"""The assistance part of the demo town (`fupin loaddemo`), deterministic (seed 20161226).

- Helping units: six paired 广州市荔湾区 units, each stationing a 驻村工作队 (first secretary, two team
  members, cadres) in one or two of the eleven relatively poor villages, and the town's own helping
  team (星子镇帮扶工作班子) for the households outside those villages.
- Every household gets a helper from 1 June 2016 (the demo helper keeps the households the registry demo
  gave it); a plan with items for 2016, 2017 and 2018 — except a few households without a 2018 plan;
  one to three measures typed by labour capacity (employment, training, industry for labour-capable
  households; social security and consolation visits otherwise); helper visits over 2016–2018, a few
  households not visited in 2018.
- Leaders: the demo leader and three more (党委书记, 镇长: leadership team; 分管副镇长: responsible)
  with village visits each quarter from 2016 Q3, some quarters short, so the compliance page shows
  who is behind.

Rows are written in bulk with one audit entry each (as loaddemo does for the registry), not through
the services one at a time: the services' checks hold by construction here.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth.hashers import make_password

from fupin.areas.models import Area
from fupin.core import audit
from fupin.core.codes import LABOUR_CAPABLE
from fupin.core.models import User
from fupin.core.roles import Role
from fupin.registry.models import Member

from . import leftbehind
from .models import (
    Helper,
    HelperAssignment,
    HelpingUnit,
    LeaderDuty,
    LeftBehindEntry,
    Measure,
    Photo,
    Plan,
    PlanItem,
    Visit,
)

SEED = 20161226
START = dt.date(2016, 6, 1)
YEARS = (2016, 2017, 2018)
LIWAN_UNITS = (
    "广州市荔湾区人民政府办公室",
    "广州市荔湾区财政局",
    "广州市荔湾区人力资源和社会保障局",
    "广州市荔湾区教育局",
    "广州市荔湾区卫生和计划生育局",
    "广州市荔湾区农林水务局",
)
TOWN_UNIT = "星子镇帮扶工作班子"
SURNAMES = "陈李黄张梁刘何罗邓冯曾谢周吴林郑叶苏"
GIVEN = "志伟建华明军海国强文斌丽芳敏静秀英红霞玉兰晓东永平"
CROPS = ("生姜", "玉竹", "烤烟", "红葱", "沙糖桔", "鸡苗养殖")
LEADERS = (
    ("demo_leader", None, "team"),
    ("leader_secretary", "镇党委书记", "team"),
    ("leader_mayor", "镇长", "team"),
    ("leader_deputy", "分管副镇长", "responsible"),
)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _phone(rng: random.Random) -> str:
    return "139" + "".join(str(rng.randrange(10)) for _ in range(8))


def _day(rng: random.Random, year: int, first_month: int = 1, last_month: int = 12) -> dt.date:
    start = dt.date(year, first_month, 1)
    end = dt.date(year, last_month, 28)
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def _units(town_area: Area, villages: list[Area], rng: random.Random) -> dict[str, list[Helper]]:
    """Units, teams and helpers; returns the helpers who take households, by village code."""
    poor = [v for v in villages if v.designations.exists()]
    others = [v for v in villages if v not in poor]
    by_village: dict[str, list[Helper]] = {}
    for i, village in enumerate(poor):
        name = LIWAN_UNITS[i % len(LIWAN_UNITS)]
        unit, _created = HelpingUnit.objects.get_or_create(
            name=name if i < len(LIWAN_UNITS) else f"{name}（第二工作队）",
            area=town_area,
            defaults={"level": "county", "paired_with": "广州市荔湾区", "village": village},
        )
        team = [
            Helper(name=_name(rng), unit=unit, kind="first_secretary", position="驻村第一书记", area=village),
            Helper(name=_name(rng), unit=unit, kind="team_member", position="工作队员", area=village),
            Helper(name=_name(rng), unit=unit, kind="team_member", position="工作队员", area=village),
        ] + [
            Helper(name=_name(rng), unit=unit, kind="cadre", position="干部", area=village) for _ in range(4)
        ]
        for helper in team:
            helper.phone, helper.start_date = _phone(rng), START
        by_village[village.code] = _create(Helper, team)
    town_unit, _created = HelpingUnit.objects.get_or_create(
        name=TOWN_UNIT, area=town_area, defaults={"level": "town", "paired_with": ""}
    )
    for village in others:
        team = [
            Helper(
                name=_name(rng),
                unit=town_unit,
                kind="town_team",
                position="镇干部",
                area=village,
                phone=_phone(rng),
                start_date=START,
            )
            for _ in range(2)
        ]
        by_village[village.code] = _create(Helper, team)
    return by_village


def _create(model, rows: list) -> list:
    created = model.objects.bulk_create(rows, batch_size=1000)
    audit.record_many(
        [audit.Entry("create", model._meta.label, str(r.pk), {"label": r.audit_label()}) for r in created]
    )
    return created


def _measures(rng, household, members, recorder) -> tuple[list[Measure], list[tuple[int, str, str]]]:
    """Measures for one household and the plan items (year, kind, content) they carry out."""
    capable = [m for m in members if m.labour in LABOUR_CAPABLE]
    measures, items = [], []
    if capable:
        worker = rng.choice(capable)
        agricultural = rng.random() < 0.8
        employer_type = rng.choice(
            ("cooperative", "leading_enterprise", "family_farm", "large_grower")
            if agricultural
            else ("workshop", "public_welfare", "ecological", "enterprise")
        )
        year = rng.choice((2016, 2017))
        months = rng.randint(4, 12)
        wage = Decimal(rng.randrange(1500, 3200, 100))
        crop = rng.choice(CROPS)
        measures.append(
            Measure(
                household=household,
                member=worker,
                kind="employment",
                details={
                    "job": f"{crop}种植" if agricultural else "保洁员",
                    "employer": f"星子镇{crop}专业合作社" if agricultural else "星子镇扶贫车间",
                    "employer_type": employer_type,
                    "months": months,
                    "monthly_wage": str(wage),
                },
                start_date=_day(rng, year, 2, 6),
                amount=wage * months,
                state="completed" if year == 2016 else "in_progress",
                recorded_by=recorder,
            )
        )
        items.append((year, "employment", f"安排{worker.name}到{crop}合作社务工"))
        if rng.random() < 0.7:
            trainee = rng.choice(capable)
            measures.append(
                Measure(
                    household=household,
                    member=trainee,
                    kind="training",
                    details={
                        "course": rng.choice(("电工", "种养技术", "厨师", "电商")),
                        "provider": "碧桂园职业学院",
                    },
                    start_date=_day(rng, 2017, 3, 10),
                    state="completed",
                    recorded_by=recorder,
                )
            )
            items.append((2017, "training", f"{trainee.name}参加技能培训"))
        measures.append(
            Measure(
                household=household,
                kind="industry",
                details={"item": crop, "scale": f"{rng.randint(1, 4)}亩"},
                start_date=_day(rng, 2018, 2, 5),
                amount=Decimal(rng.randrange(1000, 5000, 500)),
                state="in_progress",
                recorded_by=recorder,
            )
        )
        items.append((2018, "industry", f"发展{crop}种植"))
    else:
        scheme = rng.choice(("dibao", "tekun", "medical_aid"))
        measures.append(
            Measure(
                household=household,
                kind="social_security",
                details={"scheme": scheme},
                start_date=_day(rng, 2016, 7, 12),
                amount=Decimal(rng.randrange(2000, 6000, 100)),
                state="completed",
                recorded_by=recorder,
            )
        )
        items.append((2016, "social_security", "纳入政策兜底保障"))
        for year in (2017, 2018):
            measures.append(
                Measure(
                    household=household,
                    kind="consolation",
                    details={"items": "大米、食用油、慰问金"},
                    start_date=dt.date(year, 1, 20),
                    amount=Decimal("500.00"),
                    state="completed",
                    recorded_by=recorder,
                )
            )
            items.append((year, "consolation", "春节慰问"))
    return measures, items


def load(*, town, users, households, actor) -> None:
    rng = random.Random(SEED)
    town_area = Area.objects.get(code=town.villages[0].code[:9])
    villages = list(Area.objects.filter(code__in=[v.code for v in town.villages]).order_by("code"))
    by_village = _units(town_area, villages, rng)

    # Assignments: the registry demo gave the demo helper its households; every other household gets a
    # helper of its village's team, in turn.
    taken = set(
        HelperAssignment.objects.filter(household__in=households.values()).values_list(
            "household_id", flat=True
        )
    )
    turn: dict[str, int] = {}
    assignments = []
    for number in sorted(households):
        household = households[number]
        if household.pk in taken:
            continue
        team = by_village[household.village_id]
        i = turn.get(household.village_id, 0)
        turn[household.village_id] = i + 1
        person = team[i % len(team)]
        assignments.append(HelperAssignment(person=person, household=household, start_date=START))
    _create(HelperAssignment, assignments)

    # Plans, items, measures and helper visits.
    members: dict[int, list[Member]] = {}
    for member in Member.objects.filter(household__in=households.values(), left_on__isnull=True).order_by(
        "id"
    ):
        members.setdefault(member.household_id, []).append(member)
    recorders = {
        a.household_id: a.person.user or actor
        for a in HelperAssignment.objects.filter(household__in=households.values()).select_related(
            "person__user"
        )
    }
    visitors = {hid: user for hid, user in recorders.items()}
    ordered = [households[n] for n in sorted(households)]
    plans = _create(
        Plan,
        [
            Plan(
                household=h,
                needs=rng.choice(("发展产业、稳定就业", "子女教育资助", "医疗救助、政策兜底", "危房改造")),
                updated_by=actor,
            )
            for h in ordered
        ],
    )
    plan_of = {p.household_id: p for p in plans}
    measures, items = [], []
    for index, household in enumerate(ordered):
        found, planned = _measures(
            rng, household, members.get(household.pk, []), recorders.get(household.pk, actor)
        )
        measures += found
        skip_2018 = index % 97 == 5  # a few households without a plan for 2018
        for year, kind, content in planned:
            if year == 2018 and skip_2018:
                continue
            state = "completed" if year < 2018 or rng.random() < 0.4 else "in_progress"
            items.append(
                PlanItem(
                    plan=plan_of[household.pk],
                    year=year,
                    kind=kind,
                    content=content,
                    expected_income=Decimal(rng.randrange(500, 4000, 100)),
                    state=state,
                    completed_on=dt.date(year, 11, 30) if state == "completed" else None,
                )
            )
    _create(PlanItem, items)
    _create(Measure, measures)

    visits = []
    for index, household in enumerate(ordered):
        visitor = visitors.get(household.pk, actor)
        years = (2016, 2017) if index % 53 == 7 else YEARS  # a few not visited in 2018: the warning
        for year in years:
            for _n in range(rng.choice((1, 2))):
                visits.append(
                    Visit(
                        household=household,
                        village_id=household.village_id,
                        visitor=visitor,
                        visited_on=_day(rng, year, 7 if year == 2016 else 1),
                        found=rng.choice(
                            ("了解家庭收入情况", "查看住房安全", "询问子女上学情况", "了解务工情况")
                        ),
                        done=rng.choice(("宣传扶贫政策", "落实帮扶计划", "联系就业岗位", "")),
                    )
                )
    _create(Visit, visits)
    _leaders(rng, town, users, villages, actor)
    leftbehind.refresh(village=town_area.code)


def _leaders(rng, town, users, villages, actor) -> None:
    password = make_password(None)
    poor = [v for v in villages if v.designations.exists()] or villages
    leaders = []
    for username, title, duty in LEADERS:
        user = (
            users[Role.LEADER]
            if username == "demo_leader"
            else User.objects.filter(username=username).first()
        )
        if user is None:
            user = User.objects.create(
                username=username,
                password=password,
                role=Role.LEADER,
                area_id=town.villages[0].code[:9],
                full_name=_name(rng) + f"（{title}）",
            )
        leaders.append((user, duty))
    _create(LeaderDuty, [LeaderDuty(user=u, duty=d, start_date=dt.date(2016, 7, 1)) for u, d in leaders])
    visits = []
    quarters = [(y, q) for y in YEARS for q in (1, 2, 3, 4) if (y, q) >= (2016, 3)]
    for k, (user, duty) in enumerate(leaders):
        required = 2 if duty == "team" else 1
        for j, (year, quarter) in enumerate(quarters):
            count = required
            if (k + j) % 5 == 0:
                count = required - 1  # behind this quarter
            for _n in range(count):
                visits.append(
                    Visit(
                        village=rng.choice(poor),
                        visitor=user,
                        visited_on=_day(rng, year, 3 * quarter - 2, 3 * quarter),
                        found="走访相对贫困村，了解帮扶项目进度",
                        done="督促落实帮扶措施",
                    )
                )
    _create(Visit, visits)


def _delete(queryset) -> None:
    """Delete rows in one statement, with one audit entry each written in bulk (a row-by-row delete
    would write them one at a time: tens of seconds for the demo town)."""
    model = queryset.model
    entries = [
        audit.Entry("delete", model._meta.label, str(obj.pk), {"label": obj.audit_label()})
        for obj in queryset.order_by("pk").iterator(chunk_size=2000)
    ]
    audit.record_many(entries)
    model.objects.filter(pk__in=[int(e.object_id) for e in entries])._raw_delete(queryset.db)


def reset(*, town_code) -> None:
    households = {"household__village__code__startswith": town_code}
    for queryset in (
        Photo.objects.filter(measure__household__village__code__startswith=town_code),
        Photo.objects.filter(visit__village__code__startswith=town_code),
        Measure.objects.filter(**households),
        Visit.objects.filter(village__code__startswith=town_code),
        PlanItem.objects.filter(plan__household__village__code__startswith=town_code),
        Plan.objects.filter(**households),
        LeftBehindEntry.objects.filter(village__code__startswith=town_code),
        HelperAssignment.objects.filter(**households),
        LeaderDuty.objects.filter(user__area__code__startswith=town_code),
        Helper.objects.filter(area__code__startswith=town_code),
        HelpingUnit.objects.filter(area__code__startswith=town_code),
    ):
        _delete(queryset)
