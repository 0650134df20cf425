"""The funds part of the demo town (`fupin loaddemo`), 2016–2018, deterministic.

- The 20,000-yuan-per-person fund of every year, by village, as its three shares (6 : 3 : 1), each
  share partly paid out to households for income-raising uses within the first months.
- 帮扶资金 for the eleven relatively poor villages (单位自筹, 社会资金, 行业资金, 县级财政, in turn):
  most villages pass the 300,000-yuan mark by 2018, one reaches exactly 300,000.00, two stay below.
- Projects of the 到村 types in every lifecycle state: 2016's evaluated, 2017's accepted or being
  implemented, 2018's being implemented, tendering, approved, proposed or rejected — proposed by the
  town office or the village cadre, approved and accepted by someone else (maker-checker).
- Planted cases, one per abuse check: the per-person fund spent on a village road (挤占挪用), a social
  donation never paid on (截留私分), a road costing far more per beneficiary than the others (挥霍浪费).
- The bank's loan figures for the poor villages, a few households, the city and its rural areas.
All writes go through `services`, as a clerk's would.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fupin.areas.models import Area
from fupin.core.roles import Role

from . import services
from .models import Allocation, Expense, LoanFigure, Project, ProjectDocument

YEARS = (2016, 2017, 2018)
ASSISTANCE_SOURCES = ("unit_raised", "social", "sector_city", "county_fiscal")
ROTATION = ("road", "water", "sanitation", "lighting", "irrigation", "culture")
# 2018 projects: one per village, in every early state in turn.
STATES_2018 = ("implementing", "tendering", "approved", "proposed", "rejected", "implementing")
CONTRACTORS = ("连州市路桥工程有限公司", "清远市水利建设公司", "连州市星子建筑工程队", "广东粤北电力安装公司")
RETAINED_DOCUMENT = "连星社捐〔2017〕3号"


def _d(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, day)


def _advance(project, steps, *, approver, proposer, year, contract_share="0.95"):
    """Each step 15 days after the one before, the first 15 days after the proposal."""
    on = project.proposed_on
    for step in steps:
        on += dt.timedelta(days=15)
        actor = approver if step in ("approved", "rejected", "accepted", "evaluated") else proposer
        if step in ("implementing",) and proposer.role == Role.VILLAGE_CADRE:
            actor = approver
        project = services.advance_project(
            actor=actor,
            project=project,
            to_status=step,
            on=on,
            contractor=CONTRACTORS[project.pk % len(CONTRACTORS)],
            contract_amount=(project.budget * Decimal(contract_share)).quantize(Decimal("0.01")),
            evaluation=("excellent", "good", "good", "fair")[project.pk % 4],
        )
    return project


def _pay_project(project, *, actor, share="0.6"):
    """Paid ten days after the works start."""
    amount = (project.contract_amount * Decimal(share)).quantize(Decimal("0.01"))
    return services.record_expense(
        actor=actor,
        allocation=project.allocation,
        project=project,
        amount=amount,
        paid_on=project.started_on + dt.timedelta(days=10),
        payee=project.contractor,
        voucher_no=f"JZ{project.started_on.year}{project.pk:04d}",
    )


def load(*, town, users, households, actor) -> None:
    town_code = town.villages[0].code[:9]
    if Allocation.objects.filter(area__code__startswith=town_code).exists():
        return
    town_area = Area.objects.get(code=town_code)
    admin, cadre = users[Role.ADMIN], users[Role.VILLAGE_CADRE]
    poor = [v for v in town.villages if v.poor]
    by_village: dict[str, list] = {}
    for h in households.values():
        by_village.setdefault(h.village_id, []).append(h)

    # 1. The per-person fund, by year, paid partly to households for industry support within 40 days.
    for year in YEARS:
        created = services.allocate_per_person(
            actor=actor,
            year=year,
            document_no=f"清财农〔{year}〕12号",
            allocated_on=_d(year, 2, 20),
            area=town_area,
        )
        for allocation in created:
            candidates = sorted(by_village.get(allocation.area_id, []), key=lambda h: h.household_no)
            if not candidates:
                continue
            household = candidates[(year + allocation.pk) % len(candidates)]
            services.record_expense(
                actor=actor,
                allocation=allocation,
                household=household,
                project_type=("industry", "education", "employment")[allocation.pk % 3],
                amount=(allocation.amount * Decimal("0.4")).quantize(Decimal("0.01")),
                paid_on=_d(year, 3, 31),
                payee=f"{household.household_no} 户主",
                voucher_no=f"HH{year}{allocation.pk:05d}",
            )

    # 2. 帮扶资金 and village projects for the relatively poor villages.
    for i, village in enumerate(poor):
        area = Area.objects.get(code=village.code)
        for year in YEARS:
            if i == 0:
                amount = Decimal("100000.00")  # 3 × 100,000: exactly the 300,000 mark by 2018
            elif i in (1, 2):
                amount = Decimal("60000.00") + 5000 * i  # below the mark
            else:
                amount = Decimal("120000.00") + 10000 * ((i + year) % 4)
            source = ASSISTANCE_SOURCES[(i + year) % len(ASSISTANCE_SOURCES)]
            allocation = services.create_allocation(
                actor=actor,
                year=year,
                document_no=f"连扶〔{year}〕{20 + i}号",
                source=source,
                title=f"{year}年{village.name}帮扶资金",
                area=area,
                amount=amount,
                allocated_on=_d(year, 3, 1),
            )
            kind = ROTATION[(i + year) % len(ROTATION)]
            proposer = cadre if cadre.area_id == village.code else actor
            approver = admin if proposer == actor else actor
            main = services.propose_project(
                actor=proposer,
                name=f"{village.name}{services_label(kind)}（{year}）",
                village=area,
                project_type=kind,
                allocation=allocation,
                budget=(amount * Decimal("0.7")).quantize(Decimal("0.01")),
                beneficiaries=120 + 17 * ((i * 7 + year) % 11),
                proposed_on=_d(year, 3, 5),
            )
            if year == 2016:
                steps = ("approved", "tendering", "implementing", "accepted", "evaluated")
            elif year == 2017:
                steps = ("approved", "tendering", "implementing") + (("accepted",) if i % 2 == 0 else ())
            else:
                steps = ("approved", "tendering", "implementing")
            main = _advance(main, steps, approver=approver, proposer=proposer, year=year)
            _pay_project(main, actor=actor, share="1" if main.status in ("accepted", "evaluated") else "0.6")
            if year == 2018:
                # A second, smaller project in an earlier state, from the same money.
                state = STATES_2018[i % len(STATES_2018)]
                second = services.propose_project(
                    actor=proposer,
                    name=f"{village.name}{services_label(ROTATION[(i + 3) % len(ROTATION)])}二期",
                    village=area,
                    project_type=ROTATION[(i + 3) % len(ROTATION)],
                    allocation=allocation,
                    budget=(amount * Decimal("0.25")).quantize(Decimal("0.01")),
                    beneficiaries=150,
                    proposed_on=_d(2018, 6, 1),
                )
                path = {
                    "proposed": (),
                    "rejected": ("rejected",),
                    "approved": ("approved",),
                    "tendering": ("approved", "tendering"),
                    "implementing": ("approved", "tendering", "implementing"),
                }[state]
                _advance(second, path, approver=approver, proposer=proposer, year=2018)

    # 3. Planted cases.
    _plant(poor, actor=actor, admin=admin)
    # 4. The bank's figures (R14).
    _loans(poor, households, actor=actor)


def services_label(kind: str) -> str:
    from .codes import PROJECT_TYPE

    return PROJECT_TYPE.label(kind)


def _plant(poor, *, actor, admin) -> None:
    # 挤占挪用: the 2017 per-person fund (province's share) of the fourth poor village pays for a road.
    village = Area.objects.get(code=poor[3].code)
    fund = Allocation.objects.get(area=village, year=2017, source="pp_province")
    road = services.propose_project(
        actor=actor,
        name=f"{village.name}村道修补（挪用人均资金）",
        village=village,
        project_type="road",
        allocation=fund,
        budget=Decimal("30000.00"),
        beneficiaries=200,
        proposed_on=_d(2017, 4, 1),
    )
    road = _advance(
        road, ("approved", "tendering", "implementing"), approver=admin, proposer=actor, year=2017
    )
    _pay_project(road, actor=actor, share="1")
    # 截留私分: a social donation to the fifth poor village, never paid on.
    services.create_allocation(
        actor=actor,
        year=2017,
        document_no=RETAINED_DOCUMENT,
        source="social",
        title="爱心企业捐赠（定向帮扶）",
        area=Area.objects.get(code=poor[4].code),
        amount=Decimal("50000.00"),
        allocated_on=_d(2017, 5, 8),
    )
    # 挥霍浪费: a 2018 road in the sixth poor village at far above the roads' cost per beneficiary.
    village = Area.objects.get(code=poor[5].code)
    money = services.create_allocation(
        actor=actor,
        year=2018,
        document_no="连扶〔2018〕90号",
        source="county_fiscal",
        title="村道提升工程资金",
        area=village,
        amount=Decimal("480000.00"),
        allocated_on=_d(2018, 3, 1),
    )
    lavish = services.propose_project(
        actor=actor,
        name=f"{village.name}村道提升（高标准）",
        village=village,
        project_type="road",
        allocation=money,
        budget=Decimal("450000.00"),
        beneficiaries=30,
        proposed_on=_d(2018, 3, 5),
    )
    lavish = _advance(
        lavish, ("approved", "tendering", "implementing"), approver=admin, proposer=actor, year=2018
    )
    _pay_project(lavish, actor=actor, share="0.5")


def _loans(poor, households, *, actor) -> None:
    rows = []
    for i, village in enumerate(poor):
        base = Decimal(800000 + 90000 * i)
        for k, year in enumerate(YEARS):
            growth = Decimal("1.00") + Decimal("0.12") * k + Decimal("0.01") * (i % 3) * k
            rows.append(
                {"year": year, "kind": "village", "code": village.code, "balance": str(base * growth)}
            )
    for j, h in enumerate(sorted(households.values(), key=lambda h: h.household_no)[:30]):
        for k, year in enumerate(YEARS):
            rows.append(
                {
                    "year": year,
                    "kind": "household",
                    "code": h.household_no,
                    "balance": str(Decimal(20000 + 500 * j) * (1 + Decimal("0.09") * k)),
                }
            )
    for k, year in enumerate(YEARS):
        rows.append(
            {
                "year": year,
                "kind": "city",
                "code": "4418",
                "balance": str(Decimal("150000000000") * (1 + Decimal("0.10") * k)),
            }
        )
        rows.append(
            {
                "year": year,
                "kind": "rural",
                "code": "4418",
                "balance": str(Decimal("30000000000") * (1 + Decimal("0.08") * k)),
            }
        )
    services.import_loan_figures(actor=actor, rows=rows)


def reset(*, town_code) -> None:
    Expense.objects.filter(village__code__startswith=town_code).delete()
    ProjectDocument.objects.filter(project__village__code__startswith=town_code).delete()
    Project.objects.filter(village__code__startswith=town_code).delete()
    Expense.objects.filter(allocation__area__code__startswith=town_code).delete()
    Allocation.objects.filter(area__code__startswith=town_code).delete()
    LoanFigure.objects.filter(area__code__startswith=town_code).delete()
