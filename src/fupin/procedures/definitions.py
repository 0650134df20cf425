"""Procedure types as data: one TOML file per type in `types/` (steps, who acts, what each step records).

A type lists its steps in order. Each step has
- `level`: who may act — `village` (村干部/驻村工作队 of the household's village), `town` (镇扶贫办 of its
  town) or `county` (上级 of its county); the system administrator may act at any level;
- `kind`: `record` (the default), `acceptance` (the household accepts, or refuses: a refusal ends the
  procedure), `approval` (maker-checker: whoever recorded an earlier step of the same procedure may not
  act; a refusal ends the procedure), `notice` (a 公示 or 公告 with start and end dates, at least
  `NOTICE_MIN_DAYS` long; the next step waits until it has ended and every objection is resolved);
- `fields`: what the step records (`date`, `text`, `longtext`, `int`, `bool`, `choice`, `file`);
- `days`: the deadline, in days from the previous step (or from the end of a notice), for the work lists.

A file that names an unknown level, kind or field type is refused when loaded, never half-used.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

TYPES_DIR = Path(__file__).resolve().parent / "types"
LEVELS = {"village": 12, "town": 9, "county": 6}
KINDS = {"record", "acceptance", "approval", "notice"}
FIELD_TYPES = {"date", "text", "longtext", "int", "bool", "choice", "file"}
# 公示 at least 7 days: DOMAIN.md §4.2 step 6 and §5.1 step 6 (村内公示 ≥ 7 days), §13.5 ("at least one week").
NOTICE_MIN_DAYS = 7


class DefinitionError(ValueError):
    pass


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    type: str
    required: bool = True
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class StepSpec:
    index: int
    code: str
    name: str
    level: str
    kind: str
    days: int
    fields: tuple[Field, ...]
    notice: str = ""  # 公示 or 公告 for a notice step

    @property
    def is_notice(self) -> bool:
        return self.kind == "notice"


@dataclass(frozen=True)
class ProcedureType:
    code: str
    name: str
    version: str
    source: str
    from_status: tuple[str, ...]
    to_status: str
    verdict: str  # "exit", "poverty" or "" (no engine verdict shown)
    change_label: str
    steps: tuple[StepSpec, ...]

    def step(self, index: int) -> StepSpec | None:
        return self.steps[index] if 0 <= index < len(self.steps) else None

    def by_code(self, code: str) -> StepSpec | None:
        return next((s for s in self.steps if s.code == code), None)


def _field(where: str, raw: dict) -> Field:
    kind = raw.get("type")
    if kind not in FIELD_TYPES:
        raise DefinitionError(f"{where}: unknown field type {kind!r}")
    if not raw.get("name") or not raw.get("label"):
        raise DefinitionError(f"{where}: a field needs a name and a label")
    choices = tuple(raw.get("choices", ()))
    if kind == "choice" and not choices:
        raise DefinitionError(f"{where}: a choice field needs choices")
    return Field(raw["name"], raw["label"], kind, bool(raw.get("required", True)), choices)


def parse(data: dict, where: str = "type") -> ProcedureType:
    steps = []
    for index, raw in enumerate(data.get("steps", [])):
        at = f"{where} step {index + 1}"
        level = raw.get("level")
        kind = raw.get("kind", "record")
        if level not in LEVELS:
            raise DefinitionError(f"{at}: unknown level {level!r}")
        if kind not in KINDS:
            raise DefinitionError(f"{at}: unknown kind {kind!r}")
        if kind == "notice" and raw.get("notice") not in ("公示", "公告"):
            raise DefinitionError(f"{at}: a notice step says 公示 or 公告")
        fields = tuple(_field(at, f) for f in raw.get("fields", []))
        if kind in ("acceptance", "approval") and not any(f.type == "bool" for f in fields):
            raise DefinitionError(f"{at}: an {kind} step needs a yes/no field")
        steps.append(
            StepSpec(
                index,
                raw["code"],
                raw["name"],
                level,
                kind,
                int(raw.get("days", 15)),
                fields,
                raw.get("notice", ""),
            )
        )
    if not steps:
        raise DefinitionError(f"{where}: no steps")
    if len({s.code for s in steps}) != len(steps):
        raise DefinitionError(f"{where}: step codes repeat")
    if steps[0].kind != "record":
        raise DefinitionError(f"{where}: the first step is the proposal (a record step)")
    return ProcedureType(
        code=data["code"],
        name=data["name"],
        version=str(data["version"]),
        source=data.get("source", ""),
        from_status=tuple(data["from_status"]),
        to_status=data["to_status"],
        verdict=data.get("verdict", ""),
        change_label=data.get("change_label", data["name"]),
        steps=tuple(steps),
    )


@functools.cache
def types() -> dict[str, ProcedureType]:
    found = {}
    for path in sorted(TYPES_DIR.glob("*.toml")):
        with path.open("rb") as handle:
            kind = parse(tomllib.load(handle), path.name)
        found[kind.code] = kind
    return found


def get(code: str) -> ProcedureType:
    try:
        return types()[code]
    except KeyError:
        raise DefinitionError(f"unknown procedure type {code!r}") from None
