"""A policy as data: loading, validation and the thresholds it gives for a year.

Plain Python (no Django): the web, the commands and the batch engine share it. Every number of a
policy carries a value, a status (V, V2, N, U — DOMAIN.md §0) and a source. A file that names an
unknown condition, leaves a needed number or yearly figure out, or carries a number without status
and source does not load: `PolicyError` says what is wrong, and nothing is evaluated.

A policy is one *reading* of the rules (`[policy] reading`, with its source): the shipped default
`guangdong-2016` reads them as the Guangdong platform computed them (a yearly exit standard, the 4,000
line flat, school age "over 6 and up to 15 on 31 August"); `guangdong-2016-notice` reads the notice
literally (45 % of the same year's provincial income, the line carried by a price index). A file with
`alternative_of` is never chosen by year: it is asked for by name, to compare.

Years: a policy judges its effective years in full; a year between its price base year and its first
year (2014 and 2015 for `guangdong-2016`) is judged by its identification rule only (`identification_only`).
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
from .ages import AgeBand

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
# Numbers a user may change in a what-if run (simulate, the what-if page). `household_exit_standard`
# replaces the assessed year's standard of a policy that uses the yearly standard series.
ADJUSTABLE = (
    "poverty_line",
    "village_income_line",
    "village_poor_share",
    "household_exit_ratio",
    "household_exit_standard",
    "village_exit_ratio",
    "fiscal_input_per_person",
)
EXIT_INCOME_METHODS = ("yearly_standard", "provincial_share")
AGE_NUMBERS = (
    "compulsory_school_min_age",
    "compulsory_school_max_age",
    "labour_age_min",
    "labour_age_max",
    "pension_age",
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
    school_age: AgeBand
    labour_age: AgeBand
    pension_age: AgeBand
    reference_date: dt.date
    in_school: tuple[str, ...]
    labour_capable: tuple[str, ...]
    policy_name: str
    lines_indexed: bool
    exit_method: str
    # A year before the policy's first year: only the identification rules apply (no exit verdicts).
    identification_only: bool

    @property
    def school_min_age(self) -> int:
        return self.school_age.low

    @property
    def school_max_age(self) -> int:
        return self.school_age.high or 0

    def need(self, name: str) -> Decimal:
        value = getattr(self, name)
        if value is None:
            what = {
                "poverty_line": "农村居民消费价格指数",
                "village_income_line": "农村居民消费价格指数",
                "price_index": "农村居民消费价格指数",
                "household_exit_threshold": "脱贫标准"
                if self.exit_method == "yearly_standard"
                else "全省农村居民人均可支配收入",
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
    reading: str
    reading_source: str
    lines_indexed: bool
    exit_method: str
    exit_standard: dict[int, Number]
    school_min_exclusive: bool
    alternative_of: str | None = None
    notes: dict[str, Number] = field(default_factory=dict)
    overrides: dict[str, Decimal] = field(default_factory=dict)

    # -- numbers -----------------------------------------------------------------------------------
    def number(self, name: str) -> Decimal:
        return self.numbers[name].value

    def round(self, amount: Decimal) -> Decimal:
        return amount.quantize(self.rounding_quantum, rounding=ROUNDING_MODES[self.rounding_mode])

    def covers(self, year: int) -> bool:
        return self.effective_from.year <= year <= self.effective_to.year

    def judges(self, year: int) -> bool:
        """Its effective years, and (identification only) the years from its price base year on."""
        return self.price_base_year <= year <= self.effective_to.year

    def reference_date(self, year: int) -> dt.date:
        month, day = self.reference_day
        return dt.date(year, month, day)

    def thresholds(self, year: int) -> YearThresholds:
        return self._thresholds_cache.setdefault(year, self._thresholds(year))

    @cached_property
    def _thresholds_cache(self) -> dict[int, YearThresholds]:
        return {}

    def _thresholds(self, year: int) -> YearThresholds:
        if not self.judges(year):
            raise PolicyError(
                f"政策 {self.name} 只能评估 {self.price_base_year}–{self.effective_to.year} 年（{year} 年不在其中）"
            )
        identification_only = not self.covers(year)
        index = self.price_index.get(year)
        provincial_year = year - 1 if self.provincial_income_applies == "previous_year" else year
        provincial = self.provincial_income.get(provincial_year)

        def line(name: str) -> Decimal | None:
            if not self.lines_indexed:
                return self.number(name)
            if index is None:
                return None
            return self.round(self.number(name) * index.value / self.price_index[self.price_base_year].value)

        def share_of(name: str) -> Decimal | None:
            return None if provincial is None else self.round(self.number(name) * provincial.value)

        if identification_only:
            household_exit = village_exit = None
        else:
            village_exit = share_of("village_exit_ratio")
            if self.exit_method == "provincial_share":
                household_exit = share_of("household_exit_ratio")
            elif "household_exit_standard" in self.overrides:
                household_exit = self.overrides["household_exit_standard"]
            else:
                household_exit = self.exit_standard[year].value if year in self.exit_standard else None
        return YearThresholds(
            year=year,
            price_index=None if index is None or not self.lines_indexed else index.value,
            provincial_income=None if provincial is None else provincial.value,
            poverty_line=line("poverty_line"),
            village_income_line=line("village_income_line"),
            household_exit_threshold=household_exit,
            village_exit_threshold=village_exit,
            poor_share=self.number("village_poor_share"),
            school_age=AgeBand(
                int(self.number("compulsory_school_min_age")),
                int(self.number("compulsory_school_max_age")),
                self.school_min_exclusive,
            ),
            labour_age=AgeBand(int(self.number("labour_age_min")), int(self.number("labour_age_max"))),
            pension_age=AgeBand(int(self.number("pension_age"))),
            reference_date=self.reference_date(year),
            in_school=self.in_school,
            labour_capable=self.labour_capable,
            policy_name=self.name,
            lines_indexed=self.lines_indexed,
            exit_method=self.exit_method,
            identification_only=identification_only,
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
    def adjustable(self) -> tuple[str, ...]:
        """The numbers a what-if may change: the exit income number this reading uses, not the other."""
        unused = (
            "household_exit_ratio" if self.exit_method == "yearly_standard" else "household_exit_standard"
        )
        return tuple(n for n in ADJUSTABLE if n != unused)

    def with_overrides(self, changes: dict[str, Decimal]) -> Policy:
        """A copy with some numbers changed (what-if); the changed numbers are marked as such."""
        numbers = dict(self.numbers)
        for name, value in changes.items():
            if name not in self.adjustable():
                raise PolicyError(f"不能调整的参数：{name}（可调整：{', '.join(self.adjustable())}）")
            _check_number(name, value)
            if name in numbers:
                numbers[name] = Number(value, "U", "假设（模拟）", numbers[name].unit)
        return replace(self, numbers=numbers, overrides={**self.overrides, **changes})

    def exit_basis(self, year: int) -> Number | None:
        """Where the year's household exit income threshold comes from (for the explanation)."""
        if self.exit_method == "provincial_share":
            return self.provincial_income.get(year)
        return self.exit_standard.get(year)


# -- loading ---------------------------------------------------------------------------------------


def available() -> list[str]:
    return sorted(p.stem for p in POLICY_DIR.glob("*.toml"))


def load(name_or_path: str | Path) -> Policy:
    """Load a shipped policy by name (`guangdong-2016`) or a policy file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = POLICY_DIR / f"{name_or_path}.toml"
        if not path.exists():
            raise PolicyError(f"没有名为 {name_or_path} 的政策（可用：{', '.join(available())}）")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(f"{path.name}: 无法读取政策文件：{exc}") from exc
    try:
        return parse(data)
    except PolicyError as exc:
        raise PolicyError(f"{path.name}: {exc}") from exc


def for_year(year: int) -> Policy:
    """The shipped policy for `year`: the one in force, or, for a year before any policy's first year,
    the one whose price base year it follows (2014 prices → guangdong-2016), identification only.
    Alternative readings (`alternative_of`) are chosen by name only."""
    policies = [p for p in (load(n) for n in available()) if p.alternative_of is None]
    matching = [p for p in policies if p.covers(year)]
    if matching:
        return matching[-1]
    earlier = [p for p in policies if p.judges(year)]
    if earlier:
        return min(earlier, key=lambda p: p.effective_from)
    raise PolicyError(f"没有适用于 {year} 年的政策（可用 --policy 指定：{', '.join(available())}）")


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


def _series(data: dict, key: str, *, required: bool = True) -> tuple[dict[int, Number], dict]:
    if not required and key not in data.get("series", {}):
        return {}, {}
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


def _choice(section: dict, where: str, key: str, allowed: tuple) -> Any:
    value = section.get(key)
    if value not in allowed:
        raise PolicyError(f"{where}.{key}: 无效 {value!r}（应为 {' / '.join(map(str, allowed))}）")
    return value


def parse(data: dict) -> Policy:
    head = _section(data, "policy")
    for key in (
        "name",
        "title",
        "effective_from",
        "effective_to",
        "price_base_year",
        "reading",
        "reading_source",
    ):
        if key not in head:
            raise PolicyError(f"[policy] 缺少 {key}")
    start, end = head["effective_from"], head["effective_to"]
    if not isinstance(start, dt.date) or not isinstance(end, dt.date) or start > end:
        raise PolicyError("[policy] 生效日期无效（effective_from ≤ effective_to，写成日期）")
    base_year = int(head["price_base_year"])
    if base_year > start.year:
        raise PolicyError("[policy] price_base_year 不能晚于生效年度")
    effective_years = range(start.year, end.year + 1)

    rounding_section = _section(data, "rounding")
    rounding = _sourced("rounding", {**rounding_section, "value": rounding_section.get("quantum")})
    if rounding.value <= 0:
        raise PolicyError("rounding.quantum: 须为正数")
    mode = _choice(rounding_section, "rounding", "mode", tuple(ROUNDING_MODES))

    numbers_section = _section(data, "numbers")
    numbers = {name: _sourced(f"numbers.{name}", entry) for name, entry in numbers_section.items()}
    for name, number in numbers.items():
        _check_number(name, number.value)

    notes: dict[str, Number] = {}
    lines_section = _section(data, "lines")
    notes["lines"] = _sourced("lines", lines_section, with_value=False)
    indexed = lines_section.get("price_indexed")
    if not isinstance(indexed, bool):
        raise PolicyError("lines.price_indexed: 须为 true 或 false")
    exit_section = _section(data, "exit_income")
    notes["exit_income"] = _sourced("exit_income", exit_section, with_value=False)
    method = _choice(exit_section, "exit_income", "method", EXIT_INCOME_METHODS)

    price_index, _ = _series(data, "rural_price_index", required=indexed)
    provincial, provincial_section = _series(data, "provincial_rural_income")
    standard, _ = _series(data, "household_exit_standard", required=method == "yearly_standard")
    applies = provincial_section.get("applies", "same_year")
    if applies not in ("same_year", "previous_year"):
        raise PolicyError(f"series.provincial_rural_income.applies: 无效 {applies!r}")
    if indexed and base_year not in price_index:
        raise PolicyError(f"series.rural_price_index: 缺少基期 {base_year} 年的指数")
    offset = 1 if applies == "previous_year" else 0
    for year in effective_years:
        if indexed and year not in price_index:
            raise PolicyError(f"series.rural_price_index: 缺少生效年度 {year} 年的指数")
        if year - offset not in provincial:
            raise PolicyError(f"series.provincial_rural_income: 缺少 {year - offset} 年的数值")
        if method == "yearly_standard" and year not in standard:
            raise PolicyError(f"series.household_exit_standard: 缺少生效年度 {year} 年的脱贫标准")
    if method == "provincial_share" and "household_exit_ratio" not in numbers:
        raise PolicyError("[numbers] 缺少规则所需的数值：household_exit_ratio")

    education = _section(data, "education")
    notes["education"] = _sourced("education", education, with_value=False)
    day = str(education.get("reference_day", ""))
    try:
        reference_day = (int(day[:2]), int(day[3:5]))
        dt.date(2001, *reference_day)
    except (ValueError, TypeError) as exc:
        raise PolicyError(f"education.reference_day: 须写成 MM-DD：{day!r}") from exc
    min_exclusive = education.get("min_age_exclusive", False)
    if not isinstance(min_exclusive, bool):
        raise PolicyError("education.min_age_exclusive: 须为 true 或 false")
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

    needed = set(AGE_NUMBERS)
    for node in rules.values():
        for leaf in cond.leaves(node):
            needed.update(cond.LIBRARY[leaf].numbers)
    missing = sorted(needed - set(numbers))
    if missing:
        raise PolicyError(f"[numbers] 缺少规则所需的数值：{', '.join(missing)}")
    for name in AGE_NUMBERS:
        if numbers[name].value != numbers[name].value.to_integral_value():
            raise PolicyError(f"numbers.{name}: 须为整数")

    alternative_of = head.get("alternative_of")
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
        reading=str(head["reading"]),
        reading_source=str(head["reading_source"]),
        lines_indexed=indexed,
        exit_method=method,
        exit_standard=standard,
        school_min_exclusive=min_exclusive,
        alternative_of=str(alternative_of) if alternative_of else None,
        notes=notes,
    )
