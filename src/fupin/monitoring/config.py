"""The monitoring part of the policy file ([monitoring] in src/fupin/policy/policies/<name>.toml).

Rules are data there: which checks run, on which list, their labels and parameters; the numbers of the
防返贫 monitoring (the monitoring line …) with status and source like every policy number. An unknown rule
code, a rule missing from the file, or a number that is not a decimal string is an error, never "no rule".
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings

from fupin.policy.definition import POLICY_DIR, PolicyError, available

RULE_CODES = (
    "id_mismatch",
    "dibao_mismatch",
    "disability_mismatch",
    "owns_property",
    "owns_vehicle",
    "business_registered",
    "public_payroll",
    "deceased",
    "moved",
    "dibao_not_registered",
    "no_labour_not_dibao",
    "head_id_error",
    "member_id_error",
    "duplicate_id",
)
NUMBERS = ("monitoring_line", "medical_cost", "disaster_loss")
DEFAULT_POLICY = "guangdong-2016"


@dataclass(frozen=True)
class Rule:
    code: str
    label: str
    list: str
    min_value: Decimal | None = None
    exempt: tuple[str, ...] = ()
    enabled: bool = True


@dataclass(frozen=True)
class MonitoringConfig:
    policy: str
    rules: dict[str, Rule]
    numbers: dict[str, Decimal]
    poverty_line: Decimal

    def label(self, code: str) -> str:
        rule = self.rules.get(code)
        return rule.label if rule else code


def _decimal(where: str, value: object) -> Decimal:
    if not isinstance(value, str):
        raise PolicyError(f'[monitoring] {where}: 金额应写成字符串（如 "6000.00"）')
    try:
        return Decimal(value)
    except InvalidOperation as exc:
        raise PolicyError(f"[monitoring] {where}: 不是数字：{value}") from exc


def parse(name: str, data: dict) -> MonitoringConfig:
    section = data.get("monitoring")
    if not isinstance(section, dict):
        raise PolicyError(f"{name}: 政策文件没有 [monitoring] 表")
    raw_rules = section.get("rules", {})
    unknown = sorted(set(raw_rules) - set(RULE_CODES))
    if unknown:
        raise PolicyError(f"[monitoring.rules] 未知规则：{', '.join(unknown)}")
    missing = [c for c in RULE_CODES if c not in raw_rules]
    if missing:
        raise PolicyError(f"[monitoring.rules] 缺少规则：{', '.join(missing)}")
    rules = {}
    for code in RULE_CODES:
        entry = raw_rules[code]
        rules[code] = Rule(
            code=code,
            label=str(entry["label"]),
            list=str(entry.get("list", "")),
            min_value=_decimal(f"{code}.min_value", entry["min_value"]) if "min_value" in entry else None,
            exempt=tuple(entry.get("exempt", ())),
            enabled=bool(entry.get("enabled", True)),
        )
    numbers = {}
    for key in NUMBERS:
        entry = section.get("numbers", {}).get(key)
        if not isinstance(entry, dict) or "value" not in entry or "source" not in entry:
            raise PolicyError(f"[monitoring.numbers.{key}] 缺少 value 或 source")
        numbers[key] = _decimal(key, entry["value"])
    poverty_line = _decimal("poverty_line", data["numbers"]["poverty_line"]["value"])
    return MonitoringConfig(policy=name, rules=rules, numbers=numbers, poverty_line=poverty_line)


@functools.cache
def load(name: str | None = None) -> MonitoringConfig:
    name = name or getattr(settings, "FUPIN_MONITORING_POLICY", DEFAULT_POLICY)
    if name not in available():
        raise PolicyError(f"没有名为 {name[:40]} 的政策")
    data = tomllib.loads((POLICY_DIR / f"{name}.toml").read_text(encoding="utf-8"))
    return parse(name, data)
