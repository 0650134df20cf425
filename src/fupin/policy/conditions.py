"""The condition library and its composition (all / any / not / if-then-else).

Each named condition is written twice, side by side: as Python over one household's (or village's)
facts, for the explanation, and as a DuckDB SQL expression over the per-household (per-village)
columns of the bulk engine. Both compare against the same pre-rounded thresholds (integer cents in
SQL), and the property test holds them equal. The explanation counts ages; the SQL compares birth
dates with the age band's range (`ages.AgeBand.born`). A household condition names the member
aggregates it reads (`AGGREGATES`: boolean aggregates, one pass over the members).

Unmet codes: a failed condition that lies on the path that decided the verdict reports its code —
every failed child of an `all`, every child of an `any` that failed as a whole, the taken branch of
an `if` (the guard itself, e.g. labour capacity, is a fact, not a shortfall).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .definition import YearThresholds

UNMET_CODES = ("income", "safety_net", "education", "medical", "housing", "water")
# The unmet codes as bits of one integer (`unmet_mask`); names only where they are shown.
UNMET_BITS = {code: 1 << i for i, code in enumerate(UNMET_CODES)}


def unmet_names(mask: int | None) -> list[str]:
    if not mask:
        return []
    return [code for code in UNMET_CODES if mask & UNMET_BITS[code]]


# -- facts -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberFacts:
    labour: str
    school_status: str
    birth_date: dt.date
    medical_insurance: bool
    dibao: bool
    tekun: bool
    member_id: int | None = None  # the registry's member, to show the facts beside its name


@dataclass(frozen=True)
class HouseholdFacts:
    household_id: int
    household_no: str
    village_code: str
    housing_safe: bool
    water_safe: bool
    members: tuple[MemberFacts, ...]
    disposable: Decimal | None  # the year's disposable income; None when no income was recorded


@dataclass(frozen=True)
class VillageFacts:
    village_code: str
    name: str
    registered_population: int | None
    per_capita_income: Decimal | None
    poor_persons: int


def sql_list(values: tuple[str, ...]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def to_cents(amount: Decimal) -> int:
    from .definition import cents

    return cents(amount)


# -- the library -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    verdict: bool
    inputs: dict[str, Any]
    threshold: Any = None


@dataclass(frozen=True)
class Condition:
    name: str
    scope: str  # "household" or "village"
    code: str | None
    numbers: tuple[str, ...]
    python: Callable[[Any, YearThresholds, dict], Outcome]
    sql: Callable[[YearThresholds], str]
    aggregates: tuple[str, ...] = ()


def _date(day: dt.date) -> str:
    return f"DATE '{day.isoformat()}'"


def _school_out_sql(t: YearThresholds) -> str:
    after, by = t.school_age.born(t.reference_date)
    born = f"birth_date <= {_date(by)}" + ("" if after is None else f" AND birth_date > {_date(after)}")
    return f"bool_or({born} AND school_status NOT IN ({sql_list(t.in_school)}))"


# Per-household member aggregates (name → SQL over the `mem` relation). Each is NULL for a household
# without members on the register; the conditions say what that means.
AGGREGATES: dict[str, Callable[[YearThresholds], str]] = {
    "any_capable": lambda t: f"bool_or(labour IN ({sql_list(t.labour_capable)}))",
    "all_covered": lambda t: "bool_and(dibao OR tekun)",
    "all_insured": lambda t: "bool_and(medical_insurance)",
    "any_out_of_school": _school_out_sql,
}


def _income_below_line(f: HouseholdFacts, t: YearThresholds, d: dict) -> Outcome:
    line = t.need("poverty_line")
    pc = d["per_capita"]
    return Outcome(pc is not None and pc < line, {"per_capita": pc, "price_index": t.price_index}, line)


def _income_exit(f: HouseholdFacts, t: YearThresholds, d: dict) -> Outcome:
    threshold = t.need("household_exit_threshold")
    pc = d["per_capita"]
    return Outcome(
        pc is not None and pc >= threshold,
        {"per_capita": pc, "provincial_income": t.provincial_income, "method": t.exit_method},
        threshold,
    )


def _labour_capable(f: HouseholdFacts, t: YearThresholds, d: dict) -> Outcome:
    n = sum(1 for m in f.members if m.labour in t.labour_capable)
    return Outcome(n >= 1, {"capable": n, "members": len(f.members)}, 1)


def _safety_net(f: HouseholdFacts, t: YearThresholds, d: dict) -> Outcome:
    covered = sum(1 for m in f.members if m.dibao or m.tekun)
    return Outcome(
        len(f.members) >= 1 and covered == len(f.members), {"covered": covered, "members": len(f.members)}
    )


def _education(f: HouseholdFacts, t: YearThresholds, d: dict) -> Outcome:
    school_age = [m for m in f.members if t.school_age.contains(m.birth_date, t.reference_date)]
    out = sum(1 for m in school_age if m.school_status not in t.in_school)
    return Outcome(
        out == 0,
        {
            "school_age": len(school_age),
            "out_of_school": out,
            "min_age": t.school_min_age,
            "max_age": t.school_max_age,
            "min_exclusive": t.school_age.low_exclusive,
            "reference_date": t.reference_date,
        },
    )


def _medical(f: HouseholdFacts, t: YearThresholds, d: dict) -> Outcome:
    insured = sum(1 for m in f.members if m.medical_insurance)
    return Outcome(insured == len(f.members), {"insured": insured, "members": len(f.members)})


def _housing(f: HouseholdFacts, t: YearThresholds, d: dict) -> Outcome:
    return Outcome(bool(f.housing_safe), {"housing_safe": bool(f.housing_safe)})


def _water(f: HouseholdFacts, t: YearThresholds, d: dict) -> Outcome:
    return Outcome(bool(f.water_safe), {"water_safe": bool(f.water_safe)})


def _village_income_below_line(v: VillageFacts, t: YearThresholds, d: dict) -> Outcome:
    line = t.need("village_income_line")
    pc = v.per_capita_income
    return Outcome(pc is not None and pc < line, {"per_capita": pc, "price_index": t.price_index}, line)


def _village_poor_share(v: VillageFacts, t: YearThresholds, d: dict) -> Outcome:
    registered = v.registered_population
    num, den = t.poor_share.as_integer_ratio()
    verdict = bool(registered) and v.poor_persons * den >= num * registered
    return Outcome(
        verdict, {"poor_persons": v.poor_persons, "registered_population": registered}, t.poor_share
    )


def _village_income_exit(v: VillageFacts, t: YearThresholds, d: dict) -> Outcome:
    threshold = t.need("village_exit_threshold")
    pc = v.per_capita_income
    return Outcome(
        pc is not None and pc >= threshold,
        {"per_capita": pc, "provincial_income": t.provincial_income},
        threshold,
    )


def _share_sql(t: YearThresholds) -> str:
    num, den = t.poor_share.as_integer_ratio()
    return f"coalesce(registered_population > 0 AND poor_persons * {den} >= {num} * registered_population, false)"


LIBRARY: dict[str, Condition] = {
    c.name: c
    for c in (
        Condition(
            "income_below_line",
            "household",
            "income",
            ("poverty_line",),
            _income_below_line,
            lambda t: f"coalesce(pc_cents < {to_cents(t.need('poverty_line'))}, false)",
        ),
        Condition(
            "income_exit",
            "household",
            "income",
            (),
            _income_exit,
            lambda t: f"coalesce(pc_cents >= {to_cents(t.need('household_exit_threshold'))}, false)",
        ),
        Condition(
            "labour_capable",
            "household",
            None,
            (),
            _labour_capable,
            lambda t: "coalesce(any_capable, false)",
            ("any_capable",),
        ),
        Condition(
            "safety_net",
            "household",
            "safety_net",
            (),
            _safety_net,
            lambda t: "(members >= 1 AND coalesce(all_covered, false))",
            ("all_covered",),
        ),
        Condition(
            "education",
            "household",
            "education",
            ("compulsory_school_min_age", "compulsory_school_max_age"),
            _education,
            lambda t: "NOT coalesce(any_out_of_school, false)",
            ("any_out_of_school",),
        ),
        Condition(
            "medical",
            "household",
            "medical",
            (),
            _medical,
            lambda t: "coalesce(all_insured, true)",
            ("all_insured",),
        ),
        Condition("housing", "household", "housing", (), _housing, lambda t: "coalesce(housing_safe, false)"),
        Condition("water", "household", "water", (), _water, lambda t: "coalesce(water_safe, false)"),
        Condition(
            "village_income_below_line",
            "village",
            None,
            ("village_income_line",),
            _village_income_below_line,
            lambda t: f"coalesce(pc_cents < {to_cents(t.need('village_income_line'))}, false)",
        ),
        Condition(
            "village_poor_share", "village", None, ("village_poor_share",), _village_poor_share, _share_sql
        ),
        Condition(
            "village_income_exit",
            "village",
            None,
            ("village_exit_ratio",),
            _village_income_exit,
            lambda t: f"coalesce(pc_cents >= {to_cents(t.need('village_exit_threshold'))}, false)",
        ),
    )
}


# -- composition -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    op: str  # "leaf", "all", "any", "not", "if"
    name: str = ""
    children: tuple[Node, ...] = ()


def parse(spec: Any, *, scope: str, where: str) -> Node:
    from .definition import PolicyError

    if isinstance(spec, str):
        condition = LIBRARY.get(spec)
        if condition is None:
            raise PolicyError(f"{where}: 未知条件 {spec!r}（条件库：{', '.join(sorted(LIBRARY))}）")
        if condition.scope != scope:
            raise PolicyError(
                f"{where}: 条件 {spec!r} 适用于{'村' if condition.scope == 'village' else '户'}，不能用于此规则"
            )
        return Node("leaf", spec)
    if not isinstance(spec, dict):
        raise PolicyError(f"{where}: 无法理解的条件 {spec!r}")
    keys = set(spec)
    if keys == {"all"} or keys == {"any"}:
        op = next(iter(keys))
        items = spec[op]
        if not isinstance(items, list) or not items:
            raise PolicyError(f"{where}.{op}: 须为非空列表")
        return Node(
            op, children=tuple(parse(s, scope=scope, where=f"{where}.{op}[{i}]") for i, s in enumerate(items))
        )
    if keys == {"not"}:
        return Node("not", children=(parse(spec["not"], scope=scope, where=f"{where}.not"),))
    if keys == {"if", "then", "else"}:
        return Node(
            "if",
            children=tuple(parse(spec[k], scope=scope, where=f"{where}.{k}") for k in ("if", "then", "else")),
        )
    raise PolicyError(f"{where}: 组合须为 all / any / not / if-then-else 之一，而不是 {sorted(keys)}")


def leaves(node: Node) -> Iterator[str]:
    if node.op == "leaf":
        yield node.name
    for child in node.children:
        yield from leaves(child)


@dataclass
class Result:
    """One evaluated node of a rule, for the explanation."""

    node: Node
    verdict: bool
    children: list[Result] = field(default_factory=list)
    outcome: Outcome | None = None
    relevant: bool = True
    condition: Condition | None = None

    def walk(self) -> Iterator[Result]:
        yield self
        for child in self.children:
            yield from child.walk()


def evaluate(node: Node, facts: Any, t: YearThresholds, derived: dict, cache: dict | None = None) -> Result:
    cache = {} if cache is None else cache
    if node.op == "leaf":
        if node.name not in cache:
            cache[node.name] = LIBRARY[node.name].python(facts, t, derived)
        outcome = cache[node.name]
        return Result(node, outcome.verdict, outcome=outcome, condition=LIBRARY[node.name])
    children = [evaluate(c, facts, t, derived, cache) for c in node.children]
    if node.op == "all":
        verdict = all(c.verdict for c in children)
    elif node.op == "any":
        verdict = any(c.verdict for c in children)
    elif node.op == "not":
        verdict = not children[0].verdict
    else:
        verdict = children[1].verdict if children[0].verdict else children[2].verdict
    return Result(node, verdict, children)


def mark_relevance(result: Result, relevant: bool = True) -> None:
    """Which parts of a rule decided its verdict (shown in the explanation, and the unmet codes)."""
    result.relevant = relevant
    node = result.node
    if node.op in ("all", "leaf"):
        child_relevance = [relevant] * len(result.children)
    elif node.op == "any":
        child_relevance = [relevant and not result.verdict] * len(result.children)
    elif node.op == "not":
        child_relevance = [False]
    else:
        taken = result.children[0].verdict
        child_relevance = [False, relevant and taken, relevant and not taken]
    for child, flag in zip(result.children, child_relevance, strict=True):
        mark_relevance(child, flag)


def unmet(result: Result) -> list[str]:
    mark_relevance(result)
    found = {
        r.condition.code
        for r in result.walk()
        if r.node.op == "leaf" and r.relevant and not r.verdict and r.condition and r.condition.code
    }
    return [code for code in UNMET_CODES if code in found]


def to_sql(node: Node) -> str:
    if node.op == "leaf":
        return f"c_{node.name}"
    parts = [to_sql(c) for c in node.children]
    if node.op == "all":
        return "(" + " AND ".join(parts) + ")"
    if node.op == "any":
        return "(" + " OR ".join(parts) + ")"
    if node.op == "not":
        return f"(NOT {parts[0]})"
    return f"(CASE WHEN {parts[0]} THEN {parts[1]} ELSE {parts[2]} END)"


def unmet_mask_sql(node: Node) -> str:
    """One integer: the bit of each unmet code (`UNMET_BITS`) set when the code is unmet."""
    codes = unmet_sql(node)
    parts = [
        f"CASE WHEN {' OR '.join(codes[c])} THEN {UNMET_BITS[c]} ELSE 0 END"
        for c in UNMET_CODES
        if c in codes
    ]
    return "(" + " + ".join(parts) + ")" if parts else "0"


def unmet_sql(node: Node, relevant: str = "true") -> dict[str, list[str]]:
    """code → SQL expressions; the code is unmet when any of them holds (mirrors `mark_relevance`)."""
    found: dict[str, list[str]] = {}

    def visit(n: Node, rel: str) -> None:
        if n.op == "leaf":
            code = LIBRARY[n.name].code
            if code and rel != "false":
                found.setdefault(code, []).append(f"({rel} AND NOT c_{n.name})")
            return
        if n.op == "all":
            for c in n.children:
                visit(c, rel)
        elif n.op == "any":
            inner = "false" if rel == "false" else f"({rel} AND NOT {to_sql(n)})"
            for c in n.children:
                visit(c, inner)
        elif n.op == "if":
            guard = to_sql(n.children[0])
            visit(n.children[1], "false" if rel == "false" else f"({rel} AND {guard})")
            visit(n.children[2], "false" if rel == "false" else f"({rel} AND NOT {guard})")

    visit(node, relevant)
    return found
