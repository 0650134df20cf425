"""The 三留守 and disabled register (留守儿童、留守妇女、留守老人、残疾人), derived from the registry.

Who is on it, at a day, from the members on the register of households not removed (ages counted at
that day with `policy.ages`, the age limits from the policy in force — labour age 16–59, pension age 60):

- 留守儿童: under the labour age, a son/daughter (or grandchild) whose parents on the register all work
  outside the county (县外省内 / 省外务工); at least one parent on the register;
- 留守妇女: a woman of labour age, not working away, whose husband (户主 ↔ 配偶) works outside the county;
- 留守老人: pension age or older, not working away, in a household whose members of labour age all work
  outside the county (at least one);
- 残疾人: health 残疾.

`refresh(on=…)` compares the derivation with the live entries: a person who newly qualifies is added
(`since` = that day), one who no longer does is ended with the reason (a child turned 16, a parent came
back, the person left the household). A member's edit refreshes its household at once (a signal, see
apps.py); bulk imports and the passing of time are caught by `fupin leftbehind refresh` (run it daily
or after an import) or the register page's 重新核对 button. Survey confirmation and care records are kept
on the entry (`confirmed`, `care`).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from fupin.policy import definition
from fupin.policy.ages import age_on
from fupin.registry.models import Member

from .models import LeftBehindEntry

AWAY = frozenset({"in_province", "out_of_province"})  # outside the county
CHILD_RELATIONS = {
    "son": ("head", "spouse"),
    "daughter": ("head", "spouse"),
    "grandson": ("son", "daughter", "daughter_in_law", "son_in_law"),
    "granddaughter": ("son", "daughter", "daughter_in_law", "son_in_law"),
    "daughters_son": ("son", "daughter", "daughter_in_law", "son_in_law"),
    "daughters_daughter": ("son", "daughter", "daughter_in_law", "son_in_law"),
}


def _limits(on: dt.date) -> tuple[int, int, int]:
    return _limits_of(on.year)


@functools.cache
def _limits_of(year: int) -> tuple[int, int, int]:
    try:
        policy = definition.for_year(year)
    except definition.PolicyError:
        loaded = [definition.load(n) for n in definition.available()]
        policy = max((p for p in loaded if p.alternative_of is None), key=lambda p: p.effective_from)
    return (
        int(policy.number("labour_age_min")),
        int(policy.number("labour_age_max")),
        int(policy.number("pension_age")),
    )


def derive(members: list[Member], on: dt.date) -> dict[tuple[int, str], str]:
    """{(member id, kind): reason} for the members of one household on the register at `on`."""
    low, high, pension = _limits(on)
    found: dict[tuple[int, str], str] = {}
    by_relation = defaultdict(list)
    for m in members:
        by_relation[m.relation].append(m)
    labour_age = [m for m in members if low <= age_on(m.birth_date, on) <= high]
    for m in members:
        age = age_on(m.birth_date, on)
        if m.health == "disabled":
            found[(m.pk, "disabled")] = ""
        parents = [p for r in CHILD_RELATIONS.get(m.relation, ()) for p in by_relation[r] if p.pk != m.pk]
        if age < low and parents and all(p.migrant_work in AWAY for p in parents):
            found[(m.pk, "child")] = ""
        if m.sex == "F" and low <= age <= high and m.migrant_work not in AWAY:
            partner = {"head": "spouse", "spouse": "head"}.get(m.relation)
            husbands = [p for p in by_relation.get(partner, []) if p.sex == "M"] if partner else []
            if husbands and all(h.migrant_work in AWAY for h in husbands):
                found[(m.pk, "woman")] = ""
        if age >= pension and m.migrant_work not in AWAY:
            if labour_age and all(p.migrant_work in AWAY for p in labour_age):
                found[(m.pk, "elderly")] = ""
    return found


def _end_reason(kind: str, member: Member | None, on: dt.date) -> str:
    if member is None or member.left_on is not None:
        return "已离开本户"
    low, _high, _pension = _limits(on)
    if kind == "child" and age_on(member.birth_date, on) >= low:
        return f"年满{low}周岁"
    if kind == "disabled":
        return "健康状况已变更"
    return "家庭成员务工状况变化（已返乡或外出）"


@transaction.atomic
def refresh(*, on: dt.date | None = None, village: str | None = None, household_ids=None) -> tuple[int, int]:
    """Bring the register up to date at `on` (today by default) for a village prefix or some
    households; returns (added, ended)."""
    on = on or timezone.localdate()
    members = Member.objects.filter(left_on__isnull=True).exclude(household__status="removed")
    entries = LeftBehindEntry.objects.filter(ended_on__isnull=True)
    if village:
        members = members.filter(household__village__code__startswith=village)
        entries = entries.filter(village__code__startswith=village)
    if household_ids is not None:
        members = members.filter(household_id__in=household_ids)
        entries = entries.filter(member__household_id__in=household_ids)
    households: dict[int, list[Member]] = defaultdict(list)
    for m in members.select_related("household").order_by("household_id", "id"):
        households[m.household_id].append(m)
    wanted: dict[tuple[int, str], Member] = {}
    by_id = {m.pk: m for group in households.values() for m in group}
    for group in households.values():
        for key in derive(group, on):
            wanted[key] = by_id[key[0]]
    live = {(e.member_id, e.kind): e for e in entries.select_related("member")}
    added = ended = 0
    for key, entry in live.items():
        if key not in wanted:
            entry.ended_on = on
            entry.end_reason = _end_reason(entry.kind, by_id.get(entry.member_id, entry.member), on)
            entry.save()
            ended += 1
    for (member_id, kind), member in wanted.items():
        if (member_id, kind) not in live:
            LeftBehindEntry.objects.create(
                member=member, kind=kind, village_id=member.household.village_id, since=on
            )
            added += 1
    return added, ended


def on_member_saved(sender, instance: Member, raw: bool = False, **kwargs) -> None:
    """A member's edit (migrant work, health, leaving, a new child) updates its household's entries."""
    if raw:
        return
    refresh(household_ids=[instance.household_id])
