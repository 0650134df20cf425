"""The one write path of the registry: web forms, the API, the import and the demo all come here.

Every function takes the acting user, checks that the record is within the user's writable scope,
validates with `validation` plus the rules across records (one head, unique ID numbers, one income
row per year), writes in one transaction, and leaves history (django-simple-history) and an audit
entry (core.tracking) behind. Changing an existing record requires the version the user saw: a
stale version raises ConcurrentEdit instead of overwriting someone else's change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import F

from fupin.areas.models import Area
from fupin.core.codes import HOUSEHOLD_STATUS
from fupin.core.models import User

from . import selectors
from .models import Household, Income, LivingConditions, Member, StatusChange
from .validation import HOUSEHOLD_COLUMNS, Problem, clean_household, clean_income, clean_member


class RegistryError(Exception):
    pass


class ValidationFailed(RegistryError):
    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(p.message for p in self.problems))


class ConcurrentEdit(RegistryError):
    def __init__(self, record: object):
        super().__init__(f"“{record}”已被他人修改，请刷新页面后重新编辑（您的修改未保存）")


class NotPermitted(RegistryError):
    pass


# Which status may follow which (the household's life: identified, exits, may return, may be removed).
TRANSITIONS = {
    "registered": {"exited", "removed"},
    "exited": {"returned", "removed"},
    "returned": {"exited", "removed"},
    "removed": set(),
}


def _fail_if(problems: list[Problem]) -> None:
    if problems:
        raise ValidationFailed(problems)


def _prefix(problems: Sequence[Problem], prefix: str) -> list[Problem]:
    return [Problem(f"{prefix}{p.field}", p.code, p.message) for p in problems]


def resolve_village(code: str) -> tuple[Area | None, Problem | None]:
    """The village of a 12-digit code, or the problem: unknown village, or unknown town."""
    village = Area.objects.filter(code=code, level="village").first()
    if village is not None:
        return village, None
    if not Area.objects.filter(code=code[:9], level="town").exists():
        return None, Problem(
            "village", "unknown_town", f"行政区划代码“{code}”的前9位{code[:9]}不是系统中的乡镇，请核对代码"
        )
    return None, Problem(
        "village", "unknown_village", f"行政区划代码“{code}”不是系统中的村，请先在“村”表中添加该村或核对代码"
    )


def resolve_group(village: Area, name: str) -> Area | None:
    """The village group named `name` under `village`, created when new."""
    if not name:
        return None
    group = Area.objects.filter(parent=village, level="group", name=name).first()
    if group is not None:
        return group
    last = (
        Area.objects.filter(parent=village, level="group")
        .order_by("-code")
        .values_list("code", flat=True)
        .first()
    )
    number = int(last[12:]) + 1 if last else 1
    return Area.objects.create(code=f"{village.code}{number:03d}", name=name, level="group", parent=village)


def _ensure_area(actor: User, village: Area) -> None:
    if not actor.manages_households or not (
        actor.is_admin or (actor.area_id and village.code.startswith(actor.area_id))
    ):
        raise NotPermitted(f"您无权在“{village.name}”登记或修改贫困户")


def ensure_writable(actor: User, household: Household) -> None:
    if not selectors.writable_households_for(user=actor).filter(pk=household.pk).exists():
        raise NotPermitted("您无权修改该户")


def _check_members(
    members: Sequence[Mapping[str, Any]], head_id_number: str, household: Household | None, actor: User
) -> list[Problem]:
    """Rules across the members of one household: one head, head ID, ID numbers unique everywhere."""
    problems: list[Problem] = []
    heads = [i for i, m in enumerate(members) if m.get("relation") == "head"]
    if not heads:
        problems.append(
            Problem("members", "head_missing", "该户没有“与户主关系”为“户主”的成员，请指定一名户主")
        )
    elif len(heads) > 1:
        problems.append(Problem("members", "head_multiple", f"该户有{len(heads)}名户主，每户只能有一名户主"))
    elif head_id_number and members[heads[0]].get("id_number") != head_id_number:
        problems.append(
            Problem(
                "head_id_number",
                "head_mismatch",
                f"户主证件号码“{head_id_number}”与户主成员的证件号码“{members[heads[0]].get('id_number')}”不一致",
            )
        )
    seen: dict[str, int] = {}
    for i, member in enumerate(members):
        number = member.get("id_number")
        if not number:
            continue
        if number in seen:
            problems.append(
                Problem(f"members.{i}.id_number", "id_duplicate", f"证件号码“{number}”在本户中出现了两次")
            )
        seen[number] = i
    elsewhere = Member.objects.filter(id_number__in=list(seen), left_on__isnull=True)
    if household is not None:
        elsewhere = elsewhere.exclude(household=household)
    readable = set(
        selectors.households_for(user=actor)
        .filter(pk__in=elsewhere.values("household_id"))
        .values_list("pk", flat=True)
    )
    for number, other_pk, household_no in elsewhere.values_list(
        "id_number", "household_id", "household__household_no"
    ):
        # Where the person is registered is itself personal: named only inside the user's own scope.
        where = f"是户“{household_no}”的成员" if other_pk in readable else "在其他地方登记"
        problems.append(
            Problem(
                f"members.{seen[number]}.id_number",
                "id_registered_elsewhere",
                f"证件号码“{number}”已{where}，同一人不能在两户登记；如已迁入本户，请先在原户办理迁出",
            )
        )
    return problems


@transaction.atomic
def create_household(
    *,
    actor: User,
    household: Mapping[str, Any],
    members: Sequence[Mapping[str, Any]],
    incomes: Sequence[Mapping[str, Any]] = (),
) -> Household:
    """Register a household with its members (and optionally income years), all or nothing."""
    data, problems = clean_household(household)
    member_rows = []
    for i, raw in enumerate(members):
        row, member_problems = clean_member(raw)
        member_rows.append(row)
        problems += _prefix(member_problems, f"members.{i}.")
    income_rows = []
    for i, raw in enumerate(incomes):
        row, income_problems = clean_income(raw)
        income_rows.append(row)
        problems += _prefix(income_problems, f"incomes.{i}.")
    years = [row["year"] for row in income_rows if row.get("year")]
    if len(years) != len(set(years)):
        problems.append(Problem("incomes", "duplicate_income_year", "同一年度的收入只能有一行"))
    village = None
    if data.get("village") and not any(p.field == "village" for p in problems):
        village, problem = resolve_village(data["village"])
        problems += [problem] if problem else []
    if data.get("household_no") and Household.objects.filter(household_no=data["household_no"]).exists():
        problems.append(
            Problem(
                "household_no",
                "duplicate_household_no",
                f"户编号“{data['household_no']}”已存在，请换一个编号",
            )
        )
    problems += _check_members(member_rows, _id_text(household.get("head_id_number")), None, actor)
    _fail_if(problems)
    assert village is not None
    _ensure_area(actor, village)
    record = Household.objects.create(
        village=village,
        group=resolve_group(village, data["group"]),
        **_household_fields(data),
    )
    for row in member_rows:
        Member.objects.create(household=record, **row)
    for row in income_rows:
        Income.objects.create(household=record, **row)
    StatusChange.objects.create(
        household=record,
        from_status="",
        to_status="registered",
        year=data["identified_year"],
        reason="识别为贫困户",
        changed_by=actor,
    )
    return record


def _id_text(value: Any) -> str:
    from .idnumber import normalise

    return normalise(value) if value not in (None, "") else ""


def _household_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    return {key: data[key] for key in ("household_no", *HOUSEHOLD_COLUMNS)}


def _bump(model: type, pk: int, expected_version: int, record: object) -> None:
    if not model.objects.filter(pk=pk, version=expected_version).update(version=F("version") + 1):
        raise ConcurrentEdit(record)


@transaction.atomic
def update_household(
    *, actor: User, household: Household, data: Mapping[str, Any], expected_version: int
) -> Household:
    """Change a household's own fields. Its village does not change here (that is a transfer)."""
    ensure_writable(actor, household)
    raw = {**data, "household_no": household.household_no, "village": household.village_id}
    cleaned, problems = clean_household(raw)
    _fail_if(problems)
    _bump(Household, household.pk, expected_version, household)
    household.refresh_from_db(fields=["version"])
    for key, value in _household_fields(cleaned).items():
        setattr(household, key, value)
    household.group = resolve_group(household.village, cleaned["group"])
    household.save()
    return household


def _live_members(household: Household) -> list[dict[str, Any]]:
    return list(
        Member.objects.filter(household=household, left_on__isnull=True).values("pk", "id_number", "relation")
    )


@transaction.atomic
def add_member(*, actor: User, household: Household, data: Mapping[str, Any]) -> Member:
    ensure_writable(actor, household)
    row, problems = clean_member(data)
    _fail_if(problems)
    others = _live_members(household)
    problems = _check_members([*others, row], "", household, actor)
    _fail_if(_only_new(problems, len(others)))
    return Member.objects.create(household=household, **row)


def _only_new(problems: list[Problem], new_index: int) -> list[Problem]:
    """Problems the new or changed member causes; the field of its problems drops the list index."""
    result = []
    for problem in problems:
        if problem.field.startswith("members.") and not problem.field.startswith(f"members.{new_index}."):
            continue
        field = problem.field.removeprefix(f"members.{new_index}.")
        result.append(Problem(field if field != "members" else "relation", problem.code, problem.message))
    return result


@transaction.atomic
def update_member(*, actor: User, member: Member, data: Mapping[str, Any], expected_version: int) -> Member:
    ensure_writable(actor, member.household)
    row, problems = clean_member(data)
    _fail_if(problems)
    others = [m for m in _live_members(member.household) if m["pk"] != member.pk]
    _fail_if(_only_new(_check_members([*others, row], "", member.household, actor), len(others)))
    _bump(Member, member.pk, expected_version, member)
    member.refresh_from_db(fields=["version"])
    for key, value in row.items():
        setattr(member, key, value)
    member.save()
    return member


@transaction.atomic
def change_head(
    *,
    actor: User,
    household: Household,
    new_head: Member,
    former_head_relation: str,
    new_head_version: int | None = None,
    former_head_version: int | None = None,
) -> None:
    """户主变更: the new head takes 户主, the former head takes `former_head_relation`.

    The versions, when given, are those the user saw of both members (a web form carries them).
    """
    ensure_writable(actor, household)
    former = Member.objects.get(household=household, relation="head", left_on__isnull=True)
    if new_head.household_id != household.pk or new_head.left_on is not None or new_head.pk == former.pk:
        raise ValidationFailed([Problem("relation", "head_mismatch", "新户主必须是本户在册的其他成员")])
    if former_head_relation == "head" or former_head_relation not in dict(
        Member._meta.get_field("relation").choices
    ):
        raise ValidationFailed([Problem("relation", "unknown_code", "请为原户主选择新的“与户主关系”")])
    if former_head_version is not None:
        _bump(Member, former.pk, former_head_version, former)
    if new_head_version is not None:
        _bump(Member, new_head.pk, new_head_version, new_head)
    former.relation = former_head_relation
    former.version = F("version") + (0 if former_head_version is not None else 1)
    former.save()
    new_head.relation = "head"
    new_head.version = F("version") + (0 if new_head_version is not None else 1)
    new_head.save()


@transaction.atomic
def remove_member(
    *, actor: User, member: Member, reason: str, on_date: dt.date, expected_version: int
) -> Member:
    """A member leaves the register (death, marriage, split…); the row stays, with date and reason."""
    ensure_writable(actor, member.household)
    if reason not in dict(Member.LEFT_REASONS):
        raise ValidationFailed([Problem("left_reason", "unknown_code", "请选择离开原因")])
    if (
        member.relation == "head"
        and Member.objects.filter(household=member.household, left_on__isnull=True).count() > 1
    ):
        raise ValidationFailed(
            [Problem("relation", "head_missing", "户主不能直接减员：请先把户主变更为其他成员")]
        )
    _bump(Member, member.pk, expected_version, member)
    member.refresh_from_db(fields=["version"])
    member.left_on = on_date
    member.left_reason = reason
    member.save()
    return member


@transaction.atomic
def set_income(
    *, actor: User, household: Household, data: Mapping[str, Any], expected_version: int | None = None
) -> Income:
    """Record a year's income; `expected_version` None means a new year, otherwise the row's version."""
    ensure_writable(actor, household)
    row, problems = clean_income(data)
    _fail_if(problems)
    existing = Income.objects.filter(household=household, year=row["year"]).first()
    if existing is None:
        if expected_version is not None:
            raise ConcurrentEdit(f"{household} {row['year']}")
        return Income.objects.create(household=household, **row)
    if expected_version is None:
        raise ValidationFailed(
            [
                Problem(
                    "year", "duplicate_income_year", f"{row['year']}年的收入已经登记，请编辑原记录而不是新增"
                )
            ]
        )
    _bump(Income, existing.pk, expected_version, existing)
    existing.refresh_from_db(fields=["version"])
    for key, value in row.items():
        setattr(existing, key, value)
    existing.save()
    return existing


@transaction.atomic
def change_status(
    *, actor: User, household: Household, to_status: str, year: int, reason: str, expected_version: int
) -> StatusChange:
    """Move a household to a new status (exit, return, removal), with who, when and why."""
    ensure_writable(actor, household)
    _ensure_area(actor, household.village)
    problems = []
    if to_status not in TRANSITIONS.get(household.status, set()):
        problems.append(
            Problem(
                "to_status",
                "bad_transition",
                f"状态不能从“{HOUSEHOLD_STATUS.label(household.status)}”变为“{HOUSEHOLD_STATUS.label(to_status)}”",
            )
        )
    if not reason or not reason.strip():
        problems.append(Problem("reason", "required", "请填写状态变更的原因"))
    elif "\x00" in reason or len(reason) > 200:
        problems.append(Problem("reason", "invalid_character", "原因最多200字，且不能含有控制字符"))
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        problems.append(Problem("year", "bad_year", "请填写四位年度"))
    _fail_if(problems)
    _bump(Household, household.pk, expected_version, household)
    household.refresh_from_db(fields=["version"])
    change = StatusChange.objects.create(
        household=household,
        from_status=household.status,
        to_status=to_status,
        year=year,
        reason=reason.strip(),
        changed_by=actor,
    )
    household.status = to_status
    if to_status == "exited":
        household.exit_year = year
    household.save()
    return change


@transaction.atomic
def update_conditions(
    *, actor: User, household: Household, data: Mapping[str, Any], expected_version: int | None
) -> LivingConditions:
    ensure_writable(actor, household)
    conditions = LivingConditions.objects.filter(household=household).first()
    if conditions is None:
        conditions = LivingConditions(household=household)
    else:
        if expected_version is None:
            raise ConcurrentEdit(household)
        _bump(LivingConditions, conditions.pk, expected_version, household)
        conditions.refresh_from_db(fields=["version"])
    for key, value in data.items():
        setattr(conditions, key, value)
    conditions.full_clean(exclude=["household", "version"])
    conditions.save()
    return conditions
