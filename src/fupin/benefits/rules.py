"""The benefit numbers of a policy file (`[benefits]` in src/fupin/policy/policies/*.toml) and the
arithmetic they drive. Plain Python, no Django: the services, the pages and the tests share it.

- Medical aid: due = share × (compliant cost − basic insurance − 大病保险 − other insurance), never
  below zero, rounded *up* to the fen so that the aid due is never below the share ("不低于70%").
- Microcredit: amount ≤ 50,000 yuan, term ≤ 3 years, borrower aged 18–65 on the loan day (all limits
  inclusive).
- Education: one living subsidy per student per school year; an amount the policy does not give is
  `None` (unknown), never invented.
- Housing: the deadline (end of 2018) by which every dilapidated house is renovated.
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from dataclasses import dataclass
from decimal import ROUND_UP, Decimal, InvalidOperation

from fupin.policy.definition import POLICY_DIR, PolicyError, available, for_year

CENT = Decimal("0.01")
STAGES = ("primary", "junior", "senior", "secondary_vocational", "college")
# 在校生状况 code (core.codes.SCHOOL_STAGE) → subsidy stage. 高职 counts as 大专 (same level).
STAGE_OF_SCHOOL = {
    "primary": "primary",
    "junior": "junior",
    "senior": "senior",
    "secondary_vocational": "secondary_vocational",
    "higher_vocational": "college",
    "college": "college",
}


@dataclass(frozen=True)
class Sourced:
    value: object
    status: str
    source: str


@dataclass(frozen=True)
class BenefitRules:
    policy: str
    medical_aid_share: Sourced
    microcredit_max_amount: Sourced
    microcredit_max_years: Sourced
    microcredit_age_min: Sourced
    microcredit_age_max: Sourced
    housing_deadline: Sourced
    education_amounts: dict[str, dict[int, Decimal | None]]
    education_source: str

    def education_amount(self, stage: str, year: int) -> Decimal | None:
        """The policy's subsidy for `stage` in school year `year`; None when the policy gives none."""
        return self.education_amounts.get(stage, {}).get(year)


def _decimal(where: str, value: object) -> Decimal:
    if isinstance(value, float):
        raise PolicyError(f"[benefits] {where}: 数值须写成字符串（避免浮点）")
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise PolicyError(f"[benefits] {where}: 不是数值：{value!r}") from exc
    if not result.is_finite() or result < 0:
        raise PolicyError(f"[benefits] {where}: 不是非负数值：{value!r}")
    return result


def _sourced(section: dict, name: str, *, date: bool = False) -> Sourced:
    entry = section.get(name)
    if not isinstance(entry, dict) or not {"value", "status", "source"} <= set(entry):
        raise PolicyError(f"[benefits.{name}] 缺少 value、status 或 source")
    value = entry["value"]
    if date:
        if not isinstance(value, dt.date):
            raise PolicyError(f"[benefits.{name}] 须写成日期")
    else:
        value = _decimal(name, value)
    return Sourced(value, str(entry["status"]), str(entry["source"]))


def parse(name: str, data: dict) -> BenefitRules:
    section = data.get("benefits")
    if not isinstance(section, dict):
        raise PolicyError(f"{name}: 缺少 [benefits]")
    education = section.get("education_subsidy") or {}
    amounts: dict[str, dict[int, Decimal | None]] = {}
    for stage, years in (education.get("amounts") or {}).items():
        if stage not in STAGES:
            raise PolicyError(f"[benefits.education_subsidy] 未知学段 {stage}")
        amounts[stage] = {
            int(year): None if value == "unknown" else _decimal(f"education_subsidy.{stage}.{year}", value)
            for year, value in years.items()
        }
    return BenefitRules(
        policy=name,
        medical_aid_share=_sourced(section, "medical_aid_share"),
        microcredit_max_amount=_sourced(section, "microcredit_max_amount"),
        microcredit_max_years=_sourced(section, "microcredit_max_years"),
        microcredit_age_min=_sourced(section, "microcredit_age_min"),
        microcredit_age_max=_sourced(section, "microcredit_age_max"),
        housing_deadline=_sourced(section, "housing_deadline", date=True),
        education_amounts=amounts,
        education_source=str(education.get("source", "")),
    )


@functools.cache
def load(name: str) -> BenefitRules:
    if name not in available():
        raise PolicyError(f"没有名为 {str(name)[:40]} 的政策")
    return parse(name, tomllib.loads((POLICY_DIR / f"{name}.toml").read_text(encoding="utf-8")))


def for_year_rules(year: int) -> BenefitRules:
    """The benefit numbers of the policy in force in `year` (the latest policy for a later year)."""
    try:
        return load(for_year(year).name)
    except PolicyError:
        return load("guangdong-2016")


# -- arithmetic --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MedicalAid:
    total: Decimal
    compliant: Decimal
    insurance: Decimal  # basic + 大病 + other
    remainder: Decimal  # compliant − insurance, not below zero
    share: Decimal
    due: Decimal  # share × remainder, up to the fen

    def lines(self) -> list[str]:
        """The arithmetic as an office checks it by hand."""
        return [
            f"{self.compliant:,.2f} − {self.insurance:,.2f} = {self.remainder:,.2f}",
            f"{self.remainder:,.2f} × {self.share * 100:.0f}% = {self.due:,.2f}",
        ]


def medical_aid(
    *,
    total: Decimal,
    compliant: Decimal,
    basic: Decimal,
    critical: Decimal,
    other: Decimal,
    share: Decimal,
) -> MedicalAid:
    insurance = basic + critical + other
    remainder = max(compliant - insurance, Decimal("0.00"))
    due = (remainder * share).quantize(CENT, rounding=ROUND_UP)
    return MedicalAid(total, compliant, insurance, remainder, share, due)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
