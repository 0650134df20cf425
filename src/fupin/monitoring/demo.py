"""The monitoring part of the demo town (`fupin loaddemo`): a 民政 roll and the other departments' lists
with planted mismatches, so that every rule has findings to look at, then one run of the rules and of the
risk warnings.

What is planted (deterministically: the households in household-number order):
- 民政: the roll of the registry's 低保/特困 members, except one marked 低保 in the registry (dibao_mismatch);
  one registry member not marked is on it as 低保 (dibao_mismatch); one is on it with one digit of the ID
  number copied wrong (id_mismatch, matched by name and birth date); two recipients are not registered
  at all (dibao_not_registered).
- 公安: one member's death (deceased), one member's move to 广州 (moved), one car (owns_vehicle).
- 残联: certificates for the registry's disabled members but one (disability_mismatch), and one more for a
  member the registry does not mark disabled (disability_mismatch).
- 房管, 工商, 财政供养: one member each (owns_property, business_registered, public_payroll).
- A household without labour capacity whose 低保 mark lapsed and that is not on the roll
  (no_labour_not_dibao).
- The registry itself: one head's ID number with a wrong check character (head_id_error), one member's
  birth date disagreeing with the ID (member_id_error), one person registered in two households
  (duplicate_id) — the kind of errors a registry carries over from the old system. These three are
  written into the registry with `save()` (history and audit record them as the demo loader's).
- 防返贫: a large medical bill for one exited household (突发严重困难户).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from fupin.registry.models import Household, Member

from . import risk, services
from .models import ExternalList, Finding, RiskEvent, RiskWarning

LIST_DATE = dt.date(2017, 6, 30)
HEADERS = {
    "civil": ["姓名", "证件号码", "类别", "开始日期", "家庭人均收入"],
    "deaths": ["姓名", "证件号码", "死亡日期"],
    "moves": ["姓名", "证件号码", "迁出日期", "迁往地址"],
    "disability": ["姓名", "证件号码", "残疾类别", "残疾等级"],
    "vehicles": ["姓名", "证件号码", "号牌号码", "车辆类型", "车辆价值"],
    "property": ["姓名", "证件号码", "房屋坐落", "房屋用途"],
    "business": ["姓名", "证件号码", "企业名称", "登记状态"],
    "payroll": ["姓名", "证件号码", "工作单位"],
}


def _slip(number: str) -> str:
    digit = "7" if number[15] != "7" else "3"
    return number[:15] + digit + number[16:]


def _load(actor, kind: str, rows: list[list]) -> None:
    table = [HEADERS[kind], *rows]
    digest = hashlib.sha256(json.dumps(["demo", table], ensure_ascii=False, default=str).encode()).hexdigest()
    services.load_rows(
        actor=actor, kind=kind, rows=table, checksum=digest, file_name=f"demo:{kind}", list_date=LIST_DATE
    )


def load(*, town, users, households, actor) -> None:
    from fupin.core.roles import Role

    admin = users[Role.ADMIN]
    if ExternalList.objects.filter(file_name__startswith="demo:").exists():
        return
    numbers = sorted(households)
    live = (
        Member.objects.filter(household__household_no__in=numbers, left_on__isnull=True)
        .select_related("household")
        .order_by("household__household_no", "id")
    )
    people = list(live)
    # A household without labour capacity whose 低保 lapsed in the registry and is not on the roll. One
    # still in poverty: a recorded exit of such a household rests on its 低保 (the safety net), and the
    # demo's exits must stay ones the policy accepts.
    by_household: dict[int, list[Member]] = {}
    for m in people:
        by_household.setdefault(m.household_id, []).append(m)
    for group in by_household.values():
        in_poverty = group[0].household.status in ("registered", "returned")
        if in_poverty and all(m.labour not in ("ordinary", "skilled") for m in group):
            for m in group:
                m.dibao, m.tekun = False, False
                m.save(update_fields=["dibao", "tekun"])
            people = [m for m in people if m.household_id != group[0].household_id]
            break
    dibao = [m for m in people if m.dibao or m.tekun]
    plain = [
        m for m in people if not (m.dibao or m.tekun) and m.relation != "head" and m.health != "disabled"
    ]
    heads = [m for m in people if m.relation == "head" and not (m.dibao or m.tekun)]
    disabled = [m for m in people if m.health == "disabled"]

    civil = [[m.name, m.id_number, "低保" if m.dibao else "特困", "2016-01-01", ""] for m in dibao[1:]]
    civil += [[plain[0].name, plain[0].id_number, "低保", "2016-07-01", ""]]
    civil += [[plain[1].name, _slip(plain[1].id_number), "低保", "2016-07-01", ""]]
    civil += [
        ["邓桂英", "441882195303040020", "低保", "2015-03-01", "2600"],
        ["黄志强", "44188219681112003X", "低保", "2016-02-01", ""],
    ]
    _load(admin, "civil", civil)
    _load(admin, "deaths", [[plain[2].name, plain[2].id_number, "2017-03-12"]])
    _load(admin, "moves", [[plain[3].name, plain[3].id_number, "2017-02-20", "广州市白云区"]])
    _load(
        admin,
        "vehicles",
        [
            [heads[0].name, heads[0].id_number, "粤R8K372", "小型轿车", "98000"],
            [heads[1].name, heads[1].id_number, "粤R3N115", "拖拉机", "15000"],
        ],
    )
    _load(admin, "property", [[heads[2].name, heads[2].id_number, "连州市连州镇中山北路88号301房", "住宅"]])
    _load(admin, "business", [[heads[3].name, heads[3].id_number, "连州市星子镇志明农资店", "在营"]])
    _load(admin, "payroll", [[plain[4].name, plain[4].id_number, "连州市星子镇中心小学"]])
    certificates = [[m.name, m.id_number, "肢体残疾", "三级"] for m in disabled[1:]]
    certificates.append([plain[5].name, plain[5].id_number, "视力残疾", "二级"])
    _load(admin, "disability", certificates)

    # Registry errors carried over from the old system.
    head = heads[4]
    head.id_number = head.id_number[:17] + ("0" if head.id_number[17] != "0" else "1")
    head.save(update_fields=["id_number"])
    member = plain[6]
    member.birth_date = member.birth_date + dt.timedelta(days=1)
    member.save(update_fields=["birth_date"])
    twin, other = plain[7], plain[20]
    other.name, other.birth_date = twin.name, twin.birth_date
    other.save(update_fields=["name", "birth_date"])

    exited = (
        Household.objects.filter(household_no__in=numbers, status="exited").order_by("household_no").first()
    )
    if exited is not None:
        RiskEvent.objects.create(
            household=exited,
            kind=RiskEvent.Kind.MEDICAL,
            occurred_on=dt.date(2017, 5, 8),
            amount="46800.00",
            note="户主住院（自付部分）",
            recorded_by=admin,
        )
    services.run(actor=admin)
    risk.assess(actor=admin, today=dt.date(2017, 6, 30))


def reset(*, town_code) -> None:
    households = Household.objects.filter(village__code__startswith=town_code)
    Finding.objects.filter(area_code__startswith=town_code).delete()
    Finding.objects.filter(household__in=households).delete()
    RiskWarning.objects.filter(household__in=households).delete()
    RiskEvent.objects.filter(household__in=households).delete()
    ExternalList.objects.filter(file_name__startswith="demo:").delete()
