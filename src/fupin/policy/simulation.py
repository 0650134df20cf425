"""What-if: the policy as it is against the policy with some numbers changed, by village."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from fupin.batch import runner
from fupin.batch.sources import Scope

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


@dataclass
class Simulation:
    base: Policy
    changed: Policy
    year: int
    rows: list[dict]
    total: dict
    poor_persons_before: int
    poor_persons_after: int


def simulate(
    policy: Policy, changes: dict[str, Decimal], year: int, scope: Scope | None = None
) -> Simulation:
    """Fiscal cost: poor persons × the per-person input (20,000 yuan), after minus before."""
    changed = policy.with_overrides(changes)
    by_village, verdicts = runner.simulate(policy, changed, year, scope)
    input_before = policy.number("fiscal_input_per_person")
    input_after = changed.number("fiscal_input_per_person")
    counts = {r["village_code"]: r for r in by_village.to_pylist()}
    rows = []
    for v in verdicts.to_pylist():
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
    return Simulation(policy, changed, year, rows, total, before, after)


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
