"""What-if: the policy as it is against the policy with some numbers changed, or against another
reading of the same rules (e.g. the notice's literal reading), by village and household by household."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from fupin.batch import runner
from fupin.batch.sources import Scope

from .conditions import unmet_names
from .definition import Policy

COLUMNS = [
    "village_code",
    "name",
    "households_in",
    "persons_in",
    "households_out",
    "persons_out",
    "exit_persons_gained",
    "exit_persons_lost",
    "relatively_poor_before",
    "relatively_poor_after",
    "fiscal_cost_change",
]
COUNTS = COLUMNS[2:8]
HOUSEHOLD_COLUMNS = [
    "household_no",
    "village_code",
    "members",
    "per_capita_income",
    "below_line_before",
    "below_line_after",
    "exit_eligible_before",
    "exit_eligible_after",
    "unmet_before",
    "unmet_after",
]


@dataclass
class Simulation:
    base: Policy
    changed: Policy
    year: int
    rows: list[dict]
    total: dict
    poor_persons_before: int
    poor_persons_after: int
    households: list[dict]  # the households whose verdicts differ (HOUSEHOLD_COLUMNS, and household_id)
    source: runner.Source


def simulate(
    policy: Policy,
    changes: dict[str, Decimal],
    year: int,
    scope: Scope | None = None,
    *,
    against: Policy | None = None,
    own_process: bool = False,
) -> Simulation:
    """`policy` against `against` (default: itself) with `changes`. Fiscal cost: poor persons × the
    per-person input (20,000 yuan), after minus before."""
    other = against or policy
    changed = other.with_overrides(changes) if changes else other
    comparison = runner.simulate(policy, changed, year, scope, own_process=own_process)
    input_before = policy.number("fiscal_input_per_person")
    input_after = changed.number("fiscal_input_per_person")
    counts = {r["village_code"]: r for r in comparison.by_village.to_pylist()}
    rows = []
    for v in comparison.villages.to_pylist():
        c = counts.pop(v["village_code"], None) or {}
        rows.append(_row(v["village_code"], v["name"], c, v, input_before, input_after))
    for code, c in sorted(counts.items()):  # households in a village the area tree does not list
        rows.append(_row(code, "", c, {}, input_before, input_after))
    total = {col: sum(r[col] for r in rows) for col in COUNTS}
    before = sum(r["_poor_before"] for r in rows)
    after = sum(r["_poor_after"] for r in rows)
    total.update(
        village_code="",
        name="合计",
        relatively_poor_before=None,
        relatively_poor_after=None,
        fiscal_cost_change=(after * input_after - before * input_before).quantize(Decimal("0.01")),
    )
    households = [_household(r) for r in comparison.households.to_pylist()]
    return Simulation(policy, changed, year, rows, total, before, after, households, comparison.source)


def _household(r: dict) -> dict:
    return {
        "household_id": r["household_id"],
        "household_no": r["household_no"],
        "village_code": r["village_code"],
        "members": r["members"],
        "per_capita_income": None if r["pc_cents"] is None else Decimal(r["pc_cents"]).scaleb(-2),
        "below_line_before": r["below_line_before"],
        "below_line_after": r["below_line_after"],
        "exit_eligible_before": r["exit_eligible_before"],
        "exit_eligible_after": r["exit_eligible_after"],
        "unmet_before": ";".join(unmet_names(r["unmet_mask_before"])),
        "unmet_after": ";".join(unmet_names(r["unmet_mask_after"])),
    }


def _row(code: str, name: str, c: dict, v: dict, input_before: Decimal, input_after: Decimal) -> dict:
    before, after = c.get("poor_persons_before", 0), c.get("poor_persons_after", 0)
    row = {col: c.get(col, 0) for col in COUNTS}
    row.update(
        village_code=code,
        name=name,
        relatively_poor_before=v.get("relatively_poor_before"),
        relatively_poor_after=v.get("relatively_poor_after"),
        fiscal_cost_change=(after * input_after - before * input_before).quantize(Decimal("0.01")),
        _poor_before=before,
        _poor_after=after,
    )
    return row
