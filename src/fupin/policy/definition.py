"""A policy as data: loading, validation and the thresholds it gives for a year.

Plain Python (no Django): the web, the commands and the batch engine share it. Every number of a
policy carries a value, a status (V, V2, N, U — DOMAIN.md §0) and a source. A file that names an
unknown condition, leaves a needed number or yearly figure out, or carries a number without status
and source does not load: `PolicyError` says what is wrong, and nothing is evaluated.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field, replace
from decimal import ROUND_FLOOR, ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from typing import Any

from . import conditions as cond

POLICY_DIR = Path(__file__).resolve().parent / "policies"
STATUSES = ("V", "V2", "N", "U")
ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "up": ROUND_UP}
RULES = {
    "below_line": "household",
    "exit_eligible": "household",
    "village_relatively_poor": "village",
    "village_exit_eligible": "village",
}
RATIOS = ("village_poor_share", "household_exit_ratio", "village_exit_ratio")
# Numbers a user may change in a what-if run (simulate, the what-if page).
ADJUSTABLE = (
    "poverty_line",
    "village_income_line",
    "village_poor_share",
    "household_exit_ratio",
    "village_exit_ratio",
    "fiscal_input_per_person",
)


class PolicyError(ValueError):
    """A policy that cannot be loaded, or a question it cannot answer (e.g. a year without figures)."""


@dataclass(frozen=True)
class Number:
    value: Decimal
    status: str
    source: str
    unit: str = ""


@dataclass(frozen=True)
class YearThresholds:
    """Everything a rule needs for one year, rounded once here so explain and bulk use the same values."""

    year: int
    price_index: Decimal | None
    provincial_income: Decimal | None
    poverty_line: Decimal | None
    village_income_line: Decimal | None
    household_exit_threshold: Decimal | None
    village_exit_threshold: Decimal | None
    poor_share: Decimal
    school_min_age: int
    school_max_age: int
    reference_date: dt.date
    in_school: tuple[str, ...]
    labour_capable: tuple[str, ...]
    policy_name: str

    def need(self, name: str) -> Decimal:
        value = getattr(self, name)
        if value is None:
            what = {
                "poverty_line": "农村居民消费价格指数",
                "village_income_line": "农村居民消费价格指数",
                "price_index": "农村居民消费价格指数",
                "household_exit_threshold": "全省农村居民人均可支配收入",
                "village_exit_threshold": "全省农村居民人均可支配收入",
                "provincial_income": "全省农村居民人均可支配收入",
            }.get(name, name)
            raise PolicyError(f"政策 {self.policy_name} 没有 {self.year} 年的{what}，无法评估该年度")
        return value


def cents(amount: Decimal) -> int:
    """Yuan with two decimals as integer cents (the bulk engine compares integers, never floats)."""
    return int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Policy:
    name: str
    title: str
    effective_from: dt.date
    effective_to: dt.date
    price_base_year: int
    numbers: dict[str, Number]
    price_index: dict[int, Number]
    provincial_income: dict[int, Number]
    provincial_income_applies: str
    rounding_quantum: Decimal
    rounding_mode: str
    rounding: Number
    reference_day: tuple[int, int]
    in_school: tuple[str, ...]
    labour_capable: tuple[str, ...]
    target_shares: dict[int, Decimal]
    target_notice_persons: int | None
    rules: dict[str, cond.Node]
    notes: dict[str, Number] = field(default_factory=dict)
    overrides: dict[str, Decimal] = field(default_factory=dict)

    # -- numbers -----------------------------------------------------------------------------------
    def number(self, name: str) -> Decimal:
        return self.numbers[name].value

    def round(self, amount: Decimal) -> Decimal:
        return amount.quantize(self.rounding_quantum, rounding=ROUNDING_MODES[self.rounding_mode])

    def covers(self, year: int) -> bool:
        return self.effective_from.year <= year <= self.effective_to.year

    def thresholds(self, year: int) -> YearThresholds:
        return self._thresholds_cache.setdefault(year, self._thresholds(year))

    @cached_property
    def _thresholds_cache(self) -> dict[int, YearThresholds]:
        return {}

    def _thresholds(self, year: int) -> YearThresholds:
        index = self.price_index.get(year)
        base = self.price_index[self.price_base_year].value
        provincial_year = year - 1 if self.provincial_income_applies == "previous_year" else year
        provincial = self.provincial_income.get(provincial_year)

        def carried(name: str) -> Decimal | None:
            return None if index is None else self.round(self.number(name) * index.value / base)

        def share_of(name: str) -> Decimal | None:
            return None if provincial is None else self.round(self.number(name) * provincial.value)

        month, day = self.reference_day
        return YearThresholds(
            year=year,
            price_index=None if index is None else index.value,
            provincial_income=None if provincial is None else provincial.value,
            poverty_line=carried("poverty_line"),
            village_income_line=carried("village_income_line"),
            household_exit_threshold=share_of("household_exit_ratio"),
            village_exit_threshold=share_of("village_exit_ratio"),
            poor_share=self.number("village_poor_share"),
            school_min_age=int(self.number("compulsory_school_min_age")),
            school_max_age=int(self.number("compulsory_school_max_age")),
            reference_date=dt.date(year, month, day),
            in_school=self.in_school,
            labour_capable=self.labour_capable,
            policy_name=self.name,
        )

    # -- targets -----------------------------------------------------------------------------------
    def plan(self, persons: int) -> list[tuple[int, int]]:
        """(year, planned exits): each year but the last rounds down, the last takes the remainder."""
        years = sorted(self.target_shares)
        planned: list[tuple[int, int]] = []
        for year in years[:-1]:
            share = (Decimal(persons) * self.target_shares[year]).to_integral_value(rounding=ROUND_FLOOR)
            planned.append((year, int(share)))
        planned.append((years[-1], persons - sum(n for _y, n in planned)))
        return planned

    # -- what-if -----------------------------------------------------------------------------------
    def with_overrides(self, changes: dict[str, Decimal]) -> Policy:
        """A copy with some numbers changed (what-if); the changed numbers are marked as such."""
        numbers = dict(self.numbers)
        for name, value in changes.items():
            if name not in ADJUSTABLE:
                raise PolicyError(f"不能调整的参数：{name}（可调整：{', '.join(ADJUSTABLE)}）")
            _check_number(name, value)
            numbers[name] = Number(value, "U", "假设（模拟）", numbers[name].unit)
        return replace(self, numbers=numbers, overrides={**self.overrides, **changes})


# -- loading ---------------------------------------------------------------------------------------


def available() -> list[str]:
    return sorted(p.stem for p in POLICY_DIR.glob("*.toml"))


def load(name: str) -> Policy:
    """Load a shipped policy by its name (`guangdong-2016`).

    Only the names of `available()` are accepted, never a path: a name typed into a web page or a
    command must not open an arbitrary file on the server.
    """
    if not isinstance(name, str) or name not in available():
        raise PolicyError(f"没有名为 {str(name)[:40]} 的政策（可用：{', '.join(available())}）")
    path = POLICY_DIR / f"{name}.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(f"{path.name}: 无法读取政策文件：{exc}") from exc
    try:
        return parse(data)
    except PolicyError as exc:
        raise PolicyError(f"{path.name}: {exc}") from exc


def for_year(year: int) -> Policy:
    """The shipped policy in force in `year`."""
    matching = [p for p in (load(n) for n in available()) if p.covers(year)]
    if not matching:
        raise PolicyError(f"没有适用于 {year} 年的政策（可用 --policy 指定：{', '.join(available())}）")
    return matching[-1]


def _decimal(where: str, value: Any) -> Decimal:
    if isinstance(value, float):
        raise PolicyError(f"{where}: 数值须写成字符串或整数（避免浮点）：{value!r}")
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise PolicyError(f"{where}: 不是数值：{value!r}") from exc
    if not result.is_finite():
        raise PolicyError(f"{where}: 不是数值：{value!r}")
    return result


def _sourced(where: str, entry: Any, *, with_value: bool = True) -> Number:
    if not isinstance(entry, dict):
        raise PolicyError(f"{where}: 须写成带 value、status、source 的表")
    missing = [
        k for k in (("value", "status", "source") if with_value else ("status", "source")) if k not in entry
    ]
    if missing:
        raise PolicyError(f"{where}: 缺少 {', '.join(missing)}")
    status = entry["status"]
    if status not in STATUSES:
        raise PolicyError(f"{where}: 状态 {status!r} 无效（应为 {' / '.join(STATUSES)}）")
    source = str(entry["source"]).strip()
    if not source:
        raise PolicyError(f"{where}: 来源为空")
    value = _decimal(where, entry["value"]) if with_value else Decimal(0)
    return Number(value, status, source, str(entry.get("unit", "")))


def _check_number(name: str, value: Decimal) -> None:
    if name in RATIOS and not (Decimal(0) <= value <= Decimal(1)):
        raise PolicyError(f"numbers.{name}: 比例须在 0 与 1 之间：{value}")
    if value < 0:
        raise PolicyError(f"numbers.{name}: 不能为负数：{value}")


def _section(data: dict, key: str) -> dict:
    value = data.get(key)
    if not isinstance(value, dict):
        raise PolicyError(f"缺少 [{key}] 部分")
    return value


def _series(data: dict, key: str) -> tuple[dict[int, Number], dict]:
    section = _section(_section(data, "series"), key)
    years = section.get("years")
    if not isinstance(years, dict) or not years:
        raise PolicyError(f"缺少 [series.{key}.years]")
    result = {}
    for year, entry in years.items():
        if not str(year).isdigit():
            raise PolicyError(f"series.{key}.years: 年份无效：{year!r}")
        result[int(year)] = _sourced(f"series.{key}.years.{year}", entry)
        if result[int(year)].value <= 0:
            raise PolicyError(f"series.{key}.years.{year}: 须为正数")
    return result, section


def parse(data: dict) -> Policy:
    head = _section(data, "policy")
    for key in ("name", "title", "effective_from", "effective_to", "price_base_year"):
        if key not in head:
            raise PolicyError(f"[policy] 缺少 {key}")
    start, end = head["effective_from"], head["effective_to"]
    if not isinstance(start, dt.date) or not isinstance(end, dt.date) or start > end:
        raise PolicyError("[policy] 生效日期无效（effective_from ≤ effective_to，写成日期）")
    base_year = int(head["price_base_year"])
    effective_years = range(start.year, end.year + 1)

    rounding_section = _section(data, "rounding")
    rounding = _sourced("rounding", {**rounding_section, "value": rounding_section.get("quantum")})
    if rounding.value <= 0:
        raise PolicyError("rounding.quantum: 须为正数")
    mode = rounding_section.get("mode")
    if mode not in ROUNDING_MODES:
        raise PolicyError(f"rounding.mode: 无效 {mode!r}（应为 {' / '.join(ROUNDING_MODES)}）")

    numbers_section = _section(data, "numbers")
    numbers = {name: _sourced(f"numbers.{name}", entry) for name, entry in numbers_section.items()}
    for name, number in numbers.items():
        _check_number(name, number.value)

    price_index, _ = _series(data, "rural_price_index")
    provincial, provincial_section = _series(data, "provincial_rural_income")
    applies = provincial_section.get("applies", "same_year")
    if applies not in ("same_year", "previous_year"):
        raise PolicyError(f"series.provincial_rural_income.applies: 无效 {applies!r}")
    if base_year not in price_index:
        raise PolicyError(f"series.rural_price_index: 缺少基期 {base_year} 年的指数")
    offset = 1 if applies == "previous_year" else 0
    for year in effective_years:
        if year not in price_index:
            raise PolicyError(f"series.rural_price_index: 缺少生效年度 {year} 年的指数")
        if year - offset not in provincial:
            raise PolicyError(f"series.provincial_rural_income: 缺少 {year - offset} 年的数值")

    education = _section(data, "education")
    notes = {"education": _sourced("education", education, with_value=False)}
    day = str(education.get("reference_day", ""))
    try:
        reference_day = (int(day[:2]), int(day[3:5]))
        dt.date(2001, *reference_day)
    except (ValueError, TypeError) as exc:
        raise PolicyError(f"education.reference_day: 须写成 MM-DD：{day!r}") from exc
    in_school = education.get("in_school")
    if not isinstance(in_school, list) or not in_school or not all(isinstance(s, str) for s in in_school):
        raise PolicyError("education.in_school: 须列出视为在校的在校生情况代码")
    labour = _section(data, "labour")
    notes["labour"] = _sourced("labour", labour, with_value=False)
    capable = labour.get("capable")
    if not isinstance(capable, list) or not capable or not all(isinstance(s, str) for s in capable):
        raise PolicyError("labour.capable: 须列出视为有劳动能力的劳动能力代码")

    targets = _section(data, "targets")
    notes["targets"] = _sourced("targets", targets, with_value=False)
    shares_section = targets.get("shares")
    if not isinstance(shares_section, dict) or not shares_section:
        raise PolicyError("缺少 [targets.shares]")
    shares = {int(y): _decimal(f"targets.shares.{y}", v) for y, v in shares_section.items()}
    if sum(shares.values()) != 1:
        raise PolicyError(f"targets.shares: 各年份额之和须为 1，现为 {sum(shares.values())}")
    notice_persons = targets.get("notice_persons")

    rules_section = _section(data, "rules")
    unknown_rules = sorted(set(rules_section) - set(RULES))
    if unknown_rules:
        raise PolicyError(f"[rules] 未知规则：{', '.join(unknown_rules)}")
    rules = {}
    for rule, scope in RULES.items():
        if rule not in rules_section:
            raise PolicyError(f"[rules] 缺少规则 {rule}")
        rules[rule] = cond.parse(rules_section[rule], scope=scope, where=f"rules.{rule}")

    needed = set()
    for node in rules.values():
        for leaf in cond.leaves(node):
            needed.update(cond.LIBRARY[leaf].numbers)
    missing = sorted(needed - set(numbers))
    if missing:
        raise PolicyError(f"[numbers] 缺少规则所需的数值：{', '.join(missing)}")
    for name in ("compulsory_school_min_age", "compulsory_school_max_age"):
        if name in numbers and numbers[name].value != numbers[name].value.to_integral_value():
            raise PolicyError(f"numbers.{name}: 须为整数")

    return Policy(
        name=str(head["name"]),
        title=str(head["title"]),
        effective_from=start,
        effective_to=end,
        price_base_year=base_year,
        numbers=numbers,
        price_index=price_index,
        provincial_income=provincial,
        provincial_income_applies=applies,
        rounding_quantum=rounding.value,
        rounding_mode=mode,
        rounding=rounding,
        reference_day=reference_day,
        in_school=tuple(in_school),
        labour_capable=tuple(capable),
        target_shares=shares,
        target_notice_persons=int(notice_persons) if notice_persons is not None else None,
        rules=rules,
        notes=notes,
    )
