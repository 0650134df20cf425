"""`fupin loaddemo`: load the demo town 星子镇 (441882101) into the migrated database.

The data come from `fupin.batch.demo_town` (deterministic). They go through the registry's write
paths, as an import and a clerk's input would: households, members and incomes through the set-based
`registry.bulk.Batch` of the Excel import (rows cleaned with `registry.validation`, `check()`, then
`commit()`, with history rows), living conditions and the exits and returns through
`registry.services` (`update_conditions`, `change_status`: transitions, year, reason, actor). Running
it again on a loaded database changes nothing; `--reset` first removes the registry data under
441882101 and loads again, in the same transaction.

Every other app adds its part of the demo through a `demo.py` module of its own (`app_demos()`):
`load(*, town, users, households, actor)` after the registry is written, in the order of
INSTALLED_APPS, and `reset(*, town_code)` before the registry data are removed, in reverse order.

Console output is not translated: Django runs management commands with translation deactivated,
so it is always the source language (Chinese).
"""

from __future__ import annotations

import datetime as dt
import time
import unicodedata
from importlib import import_module, util
from types import ModuleType, SimpleNamespace

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import ProtectedError
from simple_history.models import HistoricalRecords

from fupin.areas.models import Area, VillageDesignation, VillageYear
from fupin.assistance.models import HelperAssignment
from fupin.batch import demo_town
from fupin.core import audit
from fupin.core.models import User
from fupin.core.roles import Role
from fupin.core.scope import code_prefix
from fupin.figures import services as figures
from fupin.figures import signals as figures_signals
from fupin.registry import idnumber, services
from fupin.registry.bulk import Batch
from fupin.registry.models import Household, Income, LivingConditions, Member, StatusChange
from fupin.registry.validation import Problem, clean_household, clean_income, clean_member

ADDRESS = "http://127.0.0.1:8000"
HELPER_START = dt.date(2016, 6, 1)
# The eleven relatively poor villages of the notice (连星府〔2016〕114号 一（二）).
DESIGNATION_DECISION = "连星府〔2016〕114号：全镇11个相对贫困村"


class DemoConflict(CommandError):
    pass


def demo_state(town: demo_town.DemoTown) -> str:
    """ "empty" (nothing under the town), "loaded" (the demo is there) or "other" (something else is)."""
    existing = Household.objects.filter(code_prefix("village_id", demo_town.TOWN_CODE))
    count = existing.count()
    if count == 0:
        return "empty"
    numbers = [h.household_no for h in town.households]
    if count == len(numbers) and existing.filter(household_no__in=numbers).count() == len(numbers):
        return "loaded"
    return "other"


def app_demos() -> list[ModuleType]:
    """The `demo` modules of the apps other than the registry, in the order of INSTALLED_APPS."""
    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.demo"
        if config.name.startswith("fupin.") and config.label != "registry" and util.find_spec(name):
            found.append(import_module(name))
    return found


def reset_town(actor: User, town_code: str = demo_town.TOWN_CODE) -> int:
    """Delete the registry data under `town_code`; returns the number of households removed.

    An ORM delete, so every row leaves its history deletion row and audit entry (`core.tracking`) as
    a single delete does; records of other apps that still point at the households stop it."""
    households = Household.objects.filter(code_prefix("village_id", town_code))
    removed = households.count()
    try:
        with transaction.atomic(), figures_signals.deferred():
            for module in reversed(app_demos()):
                module.reset(town_code=town_code)
            HelperAssignment.objects.filter(household__in=households).delete()
            VillageYear.objects.filter(code_prefix("village_id", town_code)).delete()
            VillageDesignation.objects.filter(code_prefix("village_id", town_code)).delete()
            for model in (StatusChange, Income, LivingConditions, Member):
                model.objects.filter(household__in=households).delete()
            households.delete()
    except ProtectedError as exc:
        raise CommandError(f"无法清除星子镇的数据：其他记录仍引用这些户（{exc.args[0]}）") from exc
    return removed


def _users(town: demo_town.DemoTown) -> dict[str, User]:
    result = {}
    # One hash for the shared password: hashing it nine times costs seconds.
    password = make_password(demo_town.DEMO_PASSWORD)
    for spec in town.users:
        user = User.objects.filter(username=spec.username).first() or User(username=spec.username)
        user.role = spec.role
        user.area_id = spec.area
        user.full_name = spec.full_name
        user.is_staff = user.is_superuser = spec.role == Role.ADMIN
        user.is_active = True
        user.password = password
        user.save()
        result[spec.role] = user
    return result


def _areas(town: demo_town.DemoTown) -> None:
    parent = Area.objects.get(code=demo_town.TOWN_CODE)
    for village in town.villages:
        area = Area.objects.filter(code=village.code).first()
        if area is None:
            area = Area.objects.create(code=village.code, name=village.name, level="village", parent=parent)
        known = set(Area.objects.filter(parent=area, level="group").values_list("name", flat=True))
        last = (
            Area.objects.filter(parent=area, level="group").order_by("-code").values_list("code", flat=True)
        )
        number = int(last[0][12:]) if last else 0
        for name in village.groups:
            if name not in known:
                number += 1
                Area.objects.create(code=f"{area.code}{number:03d}", name=name, level="group", parent=area)
        if village.poor:
            VillageDesignation.objects.get_or_create(
                village=area, designated_year=2016, defaults={"decision": DESIGNATION_DECISION}
            )
        for year, (population, income) in village.years.items():
            VillageYear.objects.update_or_create(
                village=area,
                year=year,
                defaults={"registered_population": population, "per_capita_income": income},
            )


def _stage(batch: Batch, town: demo_town.DemoTown) -> list[str]:
    """Clean every row with `registry.validation` and stage it; returns the problems found."""
    households, members, incomes, problems = [], [], [], []
    for data in town.households:
        number = data.household_no
        raw = data.as_form()
        household, found = clean_household(raw)
        try:
            head_id = idnumber.parse(raw["head_id_number"]).number
        except idnumber.IdNumberError as exc:
            head_id = None
            found = [*found, Problem("head_id_number", exc.code, exc.message)]
        household.update(row=len(households) + 1, group_name=household.pop("group"), head_name="")
        households.append({**household, "head_id_number": head_id})
        problems += [f"户 {number} {p.field}：{p.message}" for p in found]
        for form in (m.as_form() for m in data.members):
            member, found = clean_member(form)
            members.append({**member, "row": len(members) + 1, "household_no": number})
            problems += [f"户 {number} 成员 {p.field}：{p.message}" for p in found]
        for form in data.income_forms():
            income, found = clean_income(form)
            incomes.append({**income, "row": len(incomes) + 1, "household_no": number})
            problems += [f"户 {number} 收入 {p.field}：{p.message}" for p in found]
    batch.add("household", households)
    batch.add("member", members)
    batch.add("income", incomes)
    return problems


def _audit_created(actor: User, numbers: list[str]) -> None:
    """One `create` entry per row the batch wrote, as `core.tracking` writes for a single save: the
    set-based commit bypasses the model signals."""
    households = Household.objects.filter(household_no__in=numbers)
    entries = []
    for queryset in (
        households,
        Member.objects.filter(household__in=households),
        Income.objects.filter(household__in=households),
        StatusChange.objects.filter(household__in=households),
    ):
        for obj in queryset.order_by("pk").iterator(chunk_size=2000):
            entries.append(audit.Entry("create", obj._meta.label, str(obj.pk), {"label": obj.audit_label()}))
    audit.record_many(entries, actor=actor)


def _write_households(actor: User, town: demo_town.DemoTown) -> dict[str, Household]:
    """Households, members and incomes through `registry.bulk`; living conditions and the status
    history (exits, returns) through `registry.services`, one household at a time."""
    batch = Batch(actor=actor, reason="加载演示数据")
    try:
        problems = _stage(batch, town)
        problems += [f"{p.kind} 第{p.row}行 {p.field}：{p.message}" for p in batch.check()]
        if problems:
            raise CommandError("演示数据未通过校验：\n" + "\n".join(problems[:20]))
        batch.commit()
        figures.refresh(area=demo_town.TOWN_CODE)
    finally:
        batch.close()
    numbers = [data.household_no for data in town.households]
    _audit_created(actor, numbers)
    by_number = Household.objects.select_related("village").in_bulk(numbers, field_name="household_no")
    with figures_signals.deferred():
        _write_history(actor, town, by_number)
    return by_number


def _write_history(actor: User, town: demo_town.DemoTown, by_number: dict[str, Household]) -> None:
    for data in town.households:
        household = by_number[data.household_no]
        services.update_conditions(
            actor=actor, household=household, data=data.conditions, expected_version=None
        )
        for event in data.events:
            services.change_status(
                actor=actor,
                household=household,
                to_status=event.to_status,
                year=event.year,
                reason=event.reason,
                expected_version=household.version,
            )


def load(town: demo_town.DemoTown, *, reset: bool = False) -> tuple[dict[str, User], int]:
    """Write the demo town in one transaction, as the demo's town-office user.

    With `reset`, the town's registry data are removed first, in the same transaction.
    Returns the users and the number of households removed.
    """
    removed = 0
    with transaction.atomic():
        users = _users(town)
        actor = users[Role.TOWN_OFFICE]
        token = audit.current_actor.set(actor)
        HistoricalRecords.context.request = SimpleNamespace(user=actor)
        try:
            if reset:
                removed = reset_town(actor)
            _areas(town)
            by_number = _write_households(actor, town)
            helper = users[Role.HELPER]
            for number in town.helper_households:
                HelperAssignment.objects.create(
                    helper=helper, household=by_number[number], start_date=HELPER_START
                )
            for module in app_demos():
                module.load(town=town, users=users, households=by_number, actor=actor)
        finally:
            del HistoricalRecords.context.request
            audit.current_actor.reset(token)
    return users, removed


class Command(BaseCommand):
    help = "加载演示镇“星子镇”（441882101）：21个村（社区）、1466户3608人、2014–2018年收入、脱贫记录和各角色的演示用户"

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="先删除星子镇（441882101）下的登记数据，再重新加载演示数据"
        )

    def handle(self, *args, reset: bool = False, **options):
        if not Area.objects.filter(code=demo_town.TOWN_CODE, level="town").exists():
            raise CommandError("数据库中没有星子镇（441882101）：请先运行 fupin migrate")
        town = demo_town.generate()
        state = demo_state(town)
        if state == "loaded" and not reset:
            self.stdout.write("演示数据已经加载（星子镇 1466 户），未做任何修改；如需重新加载，请加 --reset")
            self._print_access(town)
            return
        if state == "other" and not reset:
            raise CommandError(
                "星子镇（441882101）已有不属于演示数据的登记户，未加载；如要替换为演示数据，请加 --reset"
            )
        started = time.monotonic()
        _users, removed = load(town, reset=reset and state != "empty")
        seconds = time.monotonic() - started
        if removed:
            self.stdout.write(f"已清除星子镇原有的 {removed} 户登记数据")
        households = Household.objects.filter(code_prefix("village_id", demo_town.TOWN_CODE))
        members = Member.objects.filter(household__in=households, left_on__isnull=True)
        villages = Area.objects.filter(code_prefix("code", demo_town.TOWN_CODE), level="village")
        exits = {year: members.filter(household__exit_year=year).count() for year in demo_town.EXIT_YEARS}
        self.stdout.write(
            f"已加载星子镇演示数据：{villages.count()} 个村（社区），{households.count()} 户，{members.count()} 人，"
            f"用时 {seconds:.1f} 秒"
        )
        self.stdout.write(
            "脱贫人数：" + "，".join(f"{year}年 {persons} 人" for year, persons in exits.items())
        )
        self._print_access(town)

    def _print_access(self, town: demo_town.DemoTown) -> None:
        labels = dict(Role.choices)
        names = dict(
            Area.objects.filter(code__in=[u.area for u in town.users if u.area]).values_list("code", "name")
        )
        self.stdout.write(f"\n地址：{ADDRESS}    演示密码（所有用户）：{demo_town.DEMO_PASSWORD}\n")
        self.stdout.write(_pad("用户名", 18) + _pad("角色", 22) + "区域")
        for user in town.users:
            area = f"{user.area} {names.get(user.area, '')}" if user.area else "（全部）"
            self.stdout.write(_pad(user.username, 18) + _pad(str(labels[user.role]), 22) + area)


def _pad(text: str, width: int) -> str:
    """Left-justify for a terminal, where a Chinese character takes two columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - used)
