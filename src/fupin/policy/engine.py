"""Explain: one household (or village) and one year, every condition with its inputs and verdict.

Plain Python; the bulk engine (`fupin.batch.engine`) evaluates the same policy over millions of rows,
and the property test holds the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from fupin.core.money import per_capita

from . import conditions as cond
from .conditions import HouseholdFacts, VillageFacts
from .definition import Policy, YearThresholds

SHARE_PLACES = Decimal("0.0001")


@dataclass
class HouseholdExplanation:
    policy: str
    year: int
    facts: HouseholdFacts
    members: int
    per_capita: Decimal | None
    thresholds: YearThresholds
    below_line: cond.Result
    exit_eligible: cond.Result | None  # None: a year judged by the identification rule only
    unmet: list[str]
    reading: str = ""
    reading_source: str = ""

    def as_dict(self) -> dict:
        return {
            "policy": self.policy,
            "reading": self.reading,
            "reading_source": self.reading_source,
            "year": self.year,
            "reference_date": self.thresholds.reference_date.isoformat(),
            "identification_only": self.thresholds.identification_only,
            "household_no": self.facts.household_no,
            "village_code": self.facts.village_code,
            "members": self.members,
            "disposable_income": _str(self.facts.disposable),
            "per_capita_income": _str(self.per_capita),
            "below_line": self.below_line.verdict,
            "exit_eligible": None if self.exit_eligible is None else self.exit_eligible.verdict,
            "unmet": self.unmet,
            "rules": {
                "below_line": _result_dict(self.below_line),
                "exit_eligible": None if self.exit_eligible is None else _result_dict(self.exit_eligible),
            },
        }


@dataclass
class VillageExplanation:
    policy: str
    year: int
    facts: VillageFacts
    poor_share: Decimal | None
    thresholds: YearThresholds
    relatively_poor: cond.Result
    exit_eligible: cond.Result | None


def _str(value: object) -> object:
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value.as_tuple().exponent >= -2 else str(value)
    return value


def _result_dict(result: cond.Result) -> dict:
    data: dict = {"op": result.node.op, "verdict": result.verdict, "relevant": result.relevant}
    if result.node.op == "leaf":
        outcome = result.outcome
        assert outcome is not None
        data["condition"] = result.node.name
        data["code"] = result.condition.code if result.condition else None
        data["inputs"] = {k: _json(v) for k, v in outcome.inputs.items()}
        data["threshold"] = _json(outcome.threshold)
    else:
        data["children"] = [_result_dict(c) for c in result.children]
    return data


def _json(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[union-attr]
    return value


def explain(policy: Policy, facts: HouseholdFacts, year: int) -> HouseholdExplanation:
    t = policy.thresholds(year)
    members = len(facts.members)
    pc = None if facts.disposable is None else per_capita(facts.disposable, members)
    derived = {"per_capita": pc}
    cache: dict = {}
    below = cond.evaluate(policy.rules["below_line"], facts, t, derived, cache)
    cond.mark_relevance(below)
    exit_result = None
    if not t.identification_only:
        exit_result = cond.evaluate(policy.rules["exit_eligible"], facts, t, derived, cache)
    return HouseholdExplanation(
        policy=policy.name,
        year=year,
        facts=facts,
        members=members,
        per_capita=pc,
        thresholds=t,
        below_line=below,
        exit_eligible=exit_result,
        unmet=[] if exit_result is None else cond.unmet(exit_result),
        reading=policy.reading,
        reading_source=policy.reading_source,
    )


def poor_share(poor_persons: int, registered: int | None) -> Decimal | None:
    if not registered:
        return None
    return (Decimal(poor_persons) / Decimal(registered)).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)


def explain_village(policy: Policy, facts: VillageFacts, year: int) -> VillageExplanation:
    t = policy.thresholds(year)
    relatively_poor = cond.evaluate(policy.rules["village_relatively_poor"], facts, t, {})
    cond.mark_relevance(relatively_poor)
    exit_result = None
    if not t.identification_only:
        exit_result = cond.evaluate(policy.rules["village_exit_eligible"], facts, t, {})
        cond.mark_relevance(exit_result)
    return VillageExplanation(
        policy=policy.name,
        year=year,
        facts=facts,
        poor_share=poor_share(facts.poor_persons, facts.registered_population),
        thresholds=t,
        relatively_poor=relatively_poor,
        exit_eligible=exit_result,
    )
