"""Facts builders and a runner that evaluates one household both ways (explain and bulk)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fupin.batch import engine as bulk
from fupin.batch.facts import to_tables
from fupin.policy import definition
from fupin.policy.conditions import HouseholdFacts, MemberFacts, VillageFacts
from fupin.policy.engine import explain, explain_village

POLICY = definition.load("guangdong-2016")


def member(**overrides) -> MemberFacts:
    data = {
        "labour": "ordinary",
        "school_status": "none",
        "birth_date": dt.date(1970, 1, 1),
        "medical_insurance": True,
        "dibao": False,
        "tekun": False,
    }
    data.update(overrides)
    return MemberFacts(**data)


def household(members=None, disposable="10000.00", **overrides) -> HouseholdFacts:
    data = {
        "household_id": 1,
        "household_no": "H1",
        "village_code": "441882101201",
        "housing_safe": True,
        "water_safe": True,
        "members": tuple(members if members is not None else [member()]),
        "disposable": None if disposable is None else Decimal(disposable),
    }
    data.update(overrides)
    return HouseholdFacts(**data)


def bulk_rows(facts: list[HouseholdFacts], year: int, policy=POLICY) -> dict[int, dict]:
    con = bulk.connect()
    bulk.register(con, to_tables(facts, year=year), year)
    bulk.evaluate(con, policy, year)
    return {row["household_id"]: row for row in bulk.display(con).to_pylist()}


def both(facts: HouseholdFacts, year: int, policy=POLICY):
    """(explanation, bulk row) — and asserts that they agree."""
    explanation = explain(policy, facts, year)
    row = bulk_rows([facts], year, policy)[facts.household_id]
    pc = None if row["pc_cents"] is None else Decimal(row["pc_cents"]).scaleb(-2)
    assert pc == explanation.per_capita
    assert row["below_line"] == explanation.below_line.verdict
    assert row["exit_eligible"] == (
        None if explanation.exit_eligible is None else explanation.exit_eligible.verdict
    )
    assert row["unmet"] == ";".join(explanation.unmet)
    return explanation, row


def village(poor_persons: int, registered: int | None, income: str | None, **overrides) -> VillageFacts:
    return VillageFacts(
        village_code=overrides.get("village_code", "441882101201"),
        name="昌黎村",
        registered_population=registered,
        per_capita_income=None if income is None else Decimal(income),
        poor_persons=poor_persons,
    )


def village_both(facts: VillageFacts, year: int, policy=POLICY):
    """Village verdicts both ways; the bulk side gets `poor_persons` from one below-line household."""
    explanation = explain_village(policy, facts, year)
    people = [member() for _ in range(facts.poor_persons)]
    poor = household(people, disposable="0.00", village_code=facts.village_code) if people else None
    con = bulk.connect()
    bulk.register(con, to_tables([poor] if poor else [], [facts], year=year), year)
    bulk.evaluate(con, policy, year)
    (row,) = bulk.evaluate_villages(con, policy, year).to_pylist()
    assert row["poor_persons"] == facts.poor_persons
    assert row["relatively_poor"] == explanation.relatively_poor.verdict
    assert row["exit_eligible"] == (
        None if explanation.exit_eligible is None else explanation.exit_eligible.verdict
    )
    share = None if row["share_bp"] is None else Decimal(row["share_bp"]).scaleb(-4)
    assert share == explanation.poor_share
    return explanation, row
