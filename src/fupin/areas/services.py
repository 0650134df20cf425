"""The write path of areas: villages added by users, and a village's facts per year.

Same style as `registry.services`: raw values in, every problem out with its field, a stable code and
a Chinese message; nothing written unless all is valid. core.tracking audits each write.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from fupin.core.models import User
from fupin.core.money import CENT

from .models import Area, VillageYear

MIN_YEAR, MAX_YEAR = 2000, 2100


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    message: str


class AreaError(Exception):
    pass


class ValidationFailed(AreaError):
    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(p.message for p in self.problems))


class ConcurrentEdit(AreaError):
    def __init__(self, record: object):
        super().__init__(f"“{record}”已被他人修改，请刷新页面后重新编辑（您的修改未保存）")


class NotPermitted(AreaError):
    pass


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _within(actor: User, code: str) -> bool:
    return actor.manages_households and (
        actor.is_admin or bool(actor.area_id and code.startswith(actor.area_id))
    )


@transaction.atomic
def create_village(*, actor: User, data: Mapping[str, Any]) -> Area:
    """Add a village (12-digit code) under a town in the actor's area."""
    town_code, code, name = _text(data.get("town")), _text(data.get("code")), _text(data.get("name"))
    problems: list[Problem] = []
    town = Area.objects.filter(code=town_code, level="town").first() if town_code else None
    if town is None:
        problems.append(
            Problem("town", "unknown_town", f"请选择村所属的乡镇（“{town_code}”不是系统中的乡镇）")
        )
    elif not _within(actor, town.code):
        raise NotPermitted(f"您无权在“{town.name}”下添加村")
    if not re.fullmatch(r"\d{12}", code):
        problems.append(Problem("code", "unknown_village", f"村的行政区划代码应为12位数字，现为“{code}”"))
    elif town is not None and not code.startswith(town.code):
        problems.append(
            Problem("code", "unknown_village", f"村代码“{code}”的前9位应为所属乡镇的代码{town.code}")
        )
    elif Area.objects.filter(code=code).exists():
        problems.append(Problem("code", "duplicate_village", f"行政区划代码“{code}”已存在，请核对代码"))
    if not name:
        problems.append(Problem("name", "required", "“村名称”不能为空，请填写"))
    elif len(name) > 60:
        problems.append(Problem("name", "too_long", f"“村名称”最多60个字，现有{len(name)}个"))
    elif town is not None and Area.objects.filter(parent=town, level="village", name=name).exists():
        problems.append(Problem("name", "duplicate_village", f"“{town.name}”已有名为“{name}”的村"))
    if problems:
        raise ValidationFailed(problems)
    return Area.objects.create(code=code, name=name, level="village", parent=town)


def clean_village_year(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    out: dict[str, Any] = {}
    problems: list[Problem] = []
    year = _text(raw.get("year"))
    if not year.isdigit() or not MIN_YEAR <= int(year) <= MAX_YEAR:
        problems.append(
            Problem("year", "bad_year", f"“年度”应为{MIN_YEAR}至{MAX_YEAR}之间的四位年份，现为“{year}”")
        )
    else:
        out["year"] = int(year)
    population = _text(raw.get("registered_population"))
    if not population:
        problems.append(Problem("registered_population", "required", "“户籍人口”不能为空，请填写"))
    elif not population.isdigit():
        problems.append(
            Problem(
                "registered_population", "not_a_number", f"“户籍人口”应为不小于0的整数，现为“{population}”"
            )
        )
    else:
        out["registered_population"] = int(population)
    income = _text(raw.get("per_capita_income")).replace(",", "")
    out["per_capita_income"] = None
    if income:
        try:
            amount = Decimal(income)
            if not amount.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            problems.append(
                Problem(
                    "per_capita_income",
                    "not_a_number",
                    f"“村人均可支配收入”应为金额数字（元），现为“{income}”",
                )
            )
        else:
            if amount < 0:
                problems.append(Problem("per_capita_income", "negative", "“村人均可支配收入”不能为负数"))
            elif amount != amount.quantize(CENT):
                problems.append(
                    Problem("per_capita_income", "not_a_number", "“村人均可支配收入”最多保留两位小数（元）")
                )
            out["per_capita_income"] = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    return out, problems


@transaction.atomic
def set_village_year(
    *, actor: User, village: Area, data: Mapping[str, Any], expected: Mapping[str, Any] | None = None
) -> VillageYear:
    """Record a village's facts for a year.

    `expected` None adds a new year; otherwise it holds the values the user saw
    (`registered_population`, `per_capita_income`): VillageYear has no version column, so the row is
    changed only while it still holds them, and a change by someone else meanwhile is ConcurrentEdit.
    """
    if village.level != "village" or not _within(actor, village.code):
        raise NotPermitted(f"您无权修改“{village.name}”的年度情况")
    row, problems = clean_village_year(data)
    if problems:
        raise ValidationFailed(problems)
    existing = VillageYear.objects.select_for_update().filter(village=village, year=row["year"]).first()
    if existing is None:
        if expected is not None:
            raise ConcurrentEdit(f"{village.name} {row['year']}")
        return VillageYear.objects.create(village=village, **row)
    if expected is None:
        raise ValidationFailed(
            [Problem("year", "duplicate_year", f"{village.name}{row['year']}年的情况已经登记，请编辑原记录")]
        )
    seen, _problems = clean_village_year({"year": row["year"], **expected})
    if (existing.registered_population, existing.per_capita_income) != (
        seen.get("registered_population"),
        seen.get("per_capita_income"),
    ):
        raise ConcurrentEdit(f"{village.name} {row['year']}")
    existing.registered_population = row["registered_population"]
    existing.per_capita_income = row["per_capita_income"]
    existing.save()
    return existing
