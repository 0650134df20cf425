"""The funds' numbers, read from the `[funds]` table of the policy files (never constants in code).

`rules(year)` returns the numbers of the policy in force for `year` (`policy.definition.for_year`); a
file without the table, or with a number missing, a float or a negative, is an error, not a default.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from decimal import Decimal

from fupin.policy.definition import POLICY_DIR, PolicyError, for_year


@dataclass(frozen=True)
class FundRules:
    policy: str
    per_person: Decimal
    shares: tuple[int, int, int]  # province, Guangzhou, Qingyuan
    village_fund_mark: Decimal
    retention_days: int
    waste_factor: Decimal


def _number(table: dict, key: str, where: str) -> Decimal:
    entry = table.get(key)
    if not isinstance(entry, dict) or "value" not in entry or "source" not in entry:
        raise PolicyError(f"{where}: 缺少 [funds.{key}]（value、status、source）")
    value = entry["value"]
    if isinstance(value, float):
        raise PolicyError(f"{where}: funds.{key} 须写成字符串或整数（避免浮点）")
    result = Decimal(str(value))
    if not result.is_finite() or result < 0:
        raise PolicyError(f"{where}: funds.{key} 须为非负数")
    return result


@functools.cache
def _load(name: str) -> FundRules:
    path = POLICY_DIR / f"{name}.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    table = data.get("funds")
    if not isinstance(table, dict):
        raise PolicyError(f"{path.name}: 缺少 [funds] 部分")
    split = table.get("split")
    if not isinstance(split, dict):
        raise PolicyError(f"{path.name}: 缺少 [funds.split]")
    shares = []
    for key in ("province", "guangzhou", "qingyuan"):
        value = split.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise PolicyError(f"{path.name}: funds.split.{key} 须为非负整数")
        shares.append(value)
    if sum(shares) <= 0:
        raise PolicyError(f"{path.name}: funds.split 之和须为正数")
    days = _number(table, "retention_days", path.name)
    if days != days.to_integral_value():
        raise PolicyError(f"{path.name}: funds.retention_days 须为整数")
    return FundRules(
        policy=name,
        per_person=_number(table, "per_person", path.name),
        shares=(shares[0], shares[1], shares[2]),
        village_fund_mark=_number(table, "village_fund_mark", path.name),
        retention_days=int(days),
        waste_factor=_number(table, "waste_factor", path.name),
    )


def rules(year: int) -> FundRules:
    return _load(for_year(year).name)
