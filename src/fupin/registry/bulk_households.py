"""The batched write path of the registry, for loads of hundreds or thousands of households.

`services.create_household` writes one household with a dozen single-row inserts, each with its own
history row and audit entry; for the demo town (1466 households) that takes well over a minute on
SQLite. `create_households` applies the same rules and leaves the same traces, in batches:

- every row is validated with `validation.clean_household/clean_member/clean_income`, living
  conditions with the model's `full_clean`, and the rules across rows with `services` (one head, the
  head's ID, ID numbers unique in the household, in the batch and against the register, household
  numbers unique, one income row per year, known villages, the actor's area, allowed status
  transitions); any problem raises `services.ValidationFailed` and nothing is written;
- history rows come from `simple_history.utils.bulk_create_with_history` (and the history
  manager's `bulk_history_create` for status changes), with the actor as history user;
- the audit trail gets one entry per written row (`core.audit.record_many`), in the form
  `core.tracking` writes for single saves.

Status changes are replayed in order: households are created 在册, then each later status is one
bulk update (history row, StatusChange row with year, reason and actor, audit entry), as
`services.change_status` would leave them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Model, QuerySet
from django.db.models.deletion import Collector
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from fupin.areas.models import Area
from fupin.core import audit
from fupin.core.codes import HOUSEHOLD_STATUS
from fupin.core.models import User

from . import services
from .models import Household, Income, LivingConditions, Member, StatusChange
from .validation import Problem, clean_household, clean_income, clean_member

BATCH_SIZE = 500
CHUNK = 500  # ID numbers or household numbers per IN (…) query


@dataclass(frozen=True)
class StatusStep:
    to_status: str
    year: int
    reason: str


@dataclass
class NewHousehold:
    """One household to register: raw values as `services.create_household` takes them."""

    household: Mapping[str, Any]
    members: Sequence[Mapping[str, Any]]
    incomes: Sequence[Mapping[str, Any]] = ()
    conditions: Mapping[str, Any] | None = None
    status_steps: Sequence[StatusStep] = field(default_factory=tuple)


@dataclass
class _Clean:
    household: dict[str, Any]
    members: list[dict[str, Any]]
    incomes: list[dict[str, Any]]
    conditions: LivingConditions | None
    steps: list[StatusStep]
    village: Area | None = None


def _chunks(items: Sequence) -> Iterable[Sequence]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _prefixed(problems: Iterable[Problem], prefix: str) -> list[Problem]:
    return [Problem(f"{prefix}{p.field}", p.code, p.message) for p in problems]


def _clean_one(item: NewHousehold) -> tuple[_Clean, list[Problem]]:
    data, problems = clean_household(item.household)
    members = []
    for i, raw in enumerate(item.members):
        row, found = clean_member(raw)
        members.append(row)
        problems += _prefixed(found, f"members.{i}.")
    incomes = []
    for i, raw in enumerate(item.incomes):
        row, found = clean_income(raw)
        incomes.append(row)
        problems += _prefixed(found, f"incomes.{i}.")
    years = [row["year"] for row in incomes if row.get("year")]
    if len(years) != len(set(years)):
        problems.append(Problem("incomes", "duplicate_income_year", "同一年度的收入只能有一行"))
    conditions = None
    if item.conditions is not None:
        conditions = LivingConditions(**item.conditions)
        try:
            conditions.full_clean(exclude=["household", "version"])
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                problems += [Problem(f"conditions.{name}", "invalid", str(m)) for m in messages]
    problems += _check_steps(item.status_steps)
    return _Clean(data, members, incomes, conditions, list(item.status_steps)), problems


def _check_steps(steps: Sequence[StatusStep]) -> list[Problem]:
    problems = []
    status = "registered"
    for i, step in enumerate(steps):
        if step.to_status not in services.TRANSITIONS.get(status, set()):
            problems.append(
                Problem(
                    f"status.{i}.to_status",
                    "bad_transition",
                    f"状态不能从“{HOUSEHOLD_STATUS.label(status)}”变为“{HOUSEHOLD_STATUS.label(step.to_status)}”",
                )
            )
        if not step.reason or not step.reason.strip():
            problems.append(Problem(f"status.{i}.reason", "required", "请填写状态变更的原因"))
        if not isinstance(step.year, int) or not 2000 <= step.year <= 2100:
            problems.append(Problem(f"status.{i}.year", "bad_year", "请填写四位年度"))
        status = step.to_status
    return problems


def _check_across(cleaned: list[_Clean], items: Sequence[NewHousehold]) -> list[Problem]:
    """Rules across households: villages, household numbers, and ID numbers unique in the batch."""
    problems: list[Problem] = []
    codes = sorted({c.household["village"] for c in cleaned if c.household.get("village")})
    villages = {a.code: a for a in Area.objects.filter(code__in=codes, level="village")}
    numbers = [c.household["household_no"] for c in cleaned if c.household.get("household_no")]
    taken: set[str] = set()
    for chunk in _chunks(numbers):
        taken.update(Household.objects.filter(household_no__in=chunk).values_list("household_no", flat=True))
    seen_numbers: set[str] = set()
    seen_ids: dict[str, int] = {}
    for index, (clean, item) in enumerate(zip(cleaned, items, strict=True)):
        prefix = f"{index}."
        code = clean.household.get("village")
        if code and code in villages:
            clean.village = villages[code]
        elif code and len(code) == 12 and code.isdigit():
            _village, problem = services.resolve_village(code)
            problems += _prefixed([problem] if problem else [], prefix)
        number = clean.household.get("household_no")
        if number and (number in taken or number in seen_numbers):
            problems.append(
                Problem(
                    f"{prefix}household_no", "duplicate_household_no", f"户编号“{number}”已存在，请换一个编号"
                )
            )
        seen_numbers.add(number)
        head_id = services._id_text(item.household.get("head_id_number"))
        # One head, the head's ID, duplicates within the household, members registered elsewhere.
        problems += _prefixed(services._check_members(clean.members, head_id, None), prefix)
        for i, member in enumerate(clean.members):
            number_id = member.get("id_number")
            if not number_id:
                continue
            if number_id in seen_ids and seen_ids[number_id] != index:
                problems.append(
                    Problem(
                        f"{prefix}members.{i}.id_number",
                        "id_duplicate",
                        f"证件号码“{number_id}”在本批数据中出现了两次（另见第{seen_ids[number_id] + 1}户）",
                    )
                )
            seen_ids.setdefault(number_id, index)
    return problems


def _audit_entries(
    action: str, objects: Iterable[Model], fields: list[str] | None = None
) -> list[audit.Entry]:
    entries = []
    for obj in objects:
        detail: dict[str, Any] = {"label": obj.audit_label()}
        if fields is not None:
            detail["fields"] = fields
        entries.append(audit.Entry(action, obj._meta.label, str(obj.pk), detail))
    return entries


@transaction.atomic
def create_households(*, actor: User, items: Sequence[NewHousehold]) -> list[Household]:
    """Register many households at once, all or nothing.

    Problems carry the item's index as the first part of their field (`"12.members.0.id_number"`).
    """
    cleaned: list[_Clean] = []
    problems: list[Problem] = []
    for index, item in enumerate(items):
        clean, found = _clean_one(item)
        cleaned.append(clean)
        problems += _prefixed(found, f"{index}.")
    problems += _check_across(cleaned, items)
    if problems:
        raise services.ValidationFailed(problems)
    for village in {c.village.code: c.village for c in cleaned if c.village is not None}.values():
        services._ensure_area(actor, village)

    groups: dict[tuple[str, str], Area | None] = {}
    households = []
    for clean in cleaned:
        assert clean.village is not None
        key = (clean.village.code, clean.household["group"])
        if key not in groups:
            groups[key] = services.resolve_group(clean.village, clean.household["group"])
        households.append(
            Household(village=clean.village, group=groups[key], **services._household_fields(clean.household))
        )
    households = bulk_create_with_history(households, Household, batch_size=BATCH_SIZE, default_user=actor)

    members, incomes, conditions, changes = [], [], [], []
    for household, clean in zip(households, cleaned, strict=True):
        members += [Member(household=household, **row) for row in clean.members]
        incomes += [Income(household=household, **row) for row in clean.incomes]
        if clean.conditions is not None:
            clean.conditions.household = household
            conditions.append(clean.conditions)
        changes.append(
            StatusChange(
                household=household,
                from_status="",
                to_status="registered",
                year=household.identified_year,
                reason="识别为贫困户",
                changed_by=actor,
            )
        )
    members = bulk_create_with_history(members, Member, batch_size=BATCH_SIZE, default_user=actor)
    incomes = bulk_create_with_history(incomes, Income, batch_size=BATCH_SIZE, default_user=actor)
    conditions = bulk_create_with_history(
        conditions, LivingConditions, batch_size=BATCH_SIZE, default_user=actor
    )
    changes = StatusChange.objects.bulk_create(changes, batch_size=BATCH_SIZE)
    entries = _audit_entries("create", households)
    entries += _audit_entries("create", members)
    entries += _audit_entries("create", incomes)
    entries += _audit_entries("create", conditions)
    entries += _audit_entries("create", changes)

    step = 0
    while True:
        moving = [(h, c.steps[step]) for h, c in zip(households, cleaned, strict=True) if len(c.steps) > step]
        if not moving:
            break
        now = timezone.now()
        step_changes = []
        for household, change in moving:
            step_changes.append(
                StatusChange(
                    household=household,
                    from_status=household.status,
                    to_status=change.to_status,
                    year=change.year,
                    reason=change.reason.strip(),
                    changed_by=actor,
                )
            )
            household.status = change.to_status
            if change.to_status == "exited":
                household.exit_year = change.year
            household.version += 1
            household.updated_at = now
        changed = [h for h, _c in moving]
        # One UPDATE per (status, year) instead of bulk_update's per-row CASE: a step moves
        # hundreds of households to the same values.
        by_value: dict[tuple[str, int | None], list[int]] = {}
        for household in changed:
            by_value.setdefault((household.status, household.exit_year), []).append(household.pk)
        for (status, exit_year), pks in by_value.items():
            for chunk in _chunks(pks):
                Household.objects.filter(pk__in=chunk).update(
                    status=status, exit_year=exit_year, version=F("version") + 1, updated_at=now
                )
        Household.history.bulk_history_create(changed, batch_size=BATCH_SIZE, update=True, default_user=actor)
        step_changes = StatusChange.objects.bulk_create(step_changes, batch_size=BATCH_SIZE)
        entries += _audit_entries("update", changed, ["exit_year", "status"])
        entries += _audit_entries("create", step_changes)
        step += 1
    audit.record_many(entries, actor=actor)
    return households


def _history_rows(
    model: type[Model], objects: Sequence[Model], history_type: str, actor: User
) -> list[Model]:
    history_model = model.history.model
    now = timezone.now()
    return [
        history_model(
            history_date=now,
            history_user=actor,
            history_change_reason="",
            history_type=history_type,
            **{f.attname: getattr(obj, f.attname) for f in history_model.tracked_fields},
        )
        for obj in objects
    ]


@transaction.atomic
def delete_households(*, actor: User, households: QuerySet[Household]) -> int:
    """Delete households with their members, incomes, conditions and status changes, all or nothing.

    Like a single delete, each row leaves a deletion row in its history and an audit entry. Records of
    other apps that still point at the households (PROTECT) make the delete fail with ProtectedError.
    """
    villages = Area.objects.filter(code__in=households.values("village_id").distinct())
    for village in villages:
        services._ensure_area(actor, village)
    pks = list(households.values_list("pk", flat=True))
    entries: list[audit.Entry] = []
    for model in (StatusChange, Income, LivingConditions, Member, Household):
        related = (
            model.objects.filter(pk__in=pks)
            if model is Household
            else model.objects.filter(household__in=pks)
        )
        objects = list(related)
        if not objects:
            continue
        collector = Collector(using=related.db)
        collector.collect(objects)  # raises ProtectedError when another record still points here
        if hasattr(model, "history"):
            model.history.model.objects.bulk_create(
                _history_rows(model, objects, "-", actor), batch_size=BATCH_SIZE
            )
        entries += _audit_entries("delete", objects)
        for chunk in _chunks([obj.pk for obj in objects]):
            model.objects.filter(pk__in=chunk)._raw_delete(related.db)
    audit.record_many(entries, actor=actor)
    return len(pks)
