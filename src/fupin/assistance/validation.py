"""The details of a measure, declared once per 到户项目类型 and checked field by field.

`clean_details(kind, raw)` returns the cleaned details and the problems found, each with a stable code
and a Chinese message that says how to fix the value (as `registry.validation` does). The forms, the
API and the services all use it, so a measure is refused the same way wherever it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fupin.registry.validation import Problem

EMPLOYER_TYPES = [
    ("cooperative", gettext_lazy("农民专业合作社")),
    ("leading_enterprise", gettext_lazy("农业龙头企业")),
    ("family_farm", gettext_lazy("家庭农（林）场")),
    ("large_grower", gettext_lazy("种养大户")),
    ("workshop", gettext_lazy("扶贫车间")),
    ("public_welfare", gettext_lazy("公益性岗位")),
    ("ecological", gettext_lazy("生态岗位（护林员等）")),
    ("enterprise", gettext_lazy("其他企业")),
    ("other", gettext_lazy("其他")),
]
# The notice's test (三（四）): at least one person of a labour-capable household works in one of these.
AGRICULTURAL_EMPLOYERS = frozenset({"cooperative", "leading_enterprise", "family_farm", "large_grower"})

SECURITY_SCHEMES = [
    ("dibao", gettext_lazy("低保")),
    ("tekun", gettext_lazy("特困供养")),
    ("pension", gettext_lazy("养老保险")),
    ("medical_insurance", gettext_lazy("医疗保险")),
    ("medical_aid", gettext_lazy("医疗救助")),
    ("other", gettext_lazy("其他")),
]

HOUSING_WORKS = [
    ("renovation", gettext_lazy("危房改造")),
    ("relocation", gettext_lazy("易地扶贫搬迁")),
    ("other", gettext_lazy("其他")),
]


@dataclass(frozen=True)
class DetailField:
    name: str
    label: object
    type: str = "text"  # text | int | money | choice | bool
    required: bool = False
    choices: tuple = ()
    low: int | None = None
    high: int | None = None


def _f(name, label, type_="text", *, required=False, choices=(), low=None, high=None) -> DetailField:
    return DetailField(name, label, type_, required, tuple(choices), low, high)


FIELDS: dict[str, list[DetailField]] = {
    "industry": [
        _f("item", gettext_lazy("产业项目（如生姜、玉竹、烤烟、红葱）"), required=True),
        _f("scale", gettext_lazy("规模")),
        _f("cooperative", gettext_lazy("带动的合作社或企业")),
        _f("shares", gettext_lazy("入股金额（元）"), "money"),
    ],
    "finance": [
        _f("lender", gettext_lazy("贷款银行"), required=True),
        _f("term_months", gettext_lazy("贷款期限（月）"), "int", low=1, high=120),
        _f("interest_subsidy", gettext_lazy("贴息（元）"), "money"),
    ],
    "housing": [
        _f("work", gettext_lazy("住房项目"), "choice", required=True, choices=HOUSING_WORKS),
        _f("floor_area", gettext_lazy("面积（平方米）"), "int", low=1, high=1000),
    ],
    "asset": [
        _f("asset", gettext_lazy("资产（如光伏、入股项目）"), required=True),
        _f("dividend", gettext_lazy("年分红（元）"), "money"),
    ],
    "consolation": [_f("items", gettext_lazy("慰问物品"), required=True)],
    "employment": [
        _f("job", gettext_lazy("岗位"), required=True),
        _f("employer", gettext_lazy("用工单位"), required=True),
        _f("employer_type", gettext_lazy("用工主体类型"), "choice", required=True, choices=EMPLOYER_TYPES),
        _f("months", gettext_lazy("当年务工月数"), "int", required=True, low=1, high=12),
        _f("monthly_wage", gettext_lazy("月工资（元）"), "money", required=True),
    ],
    "training": [
        _f("course", gettext_lazy("培训项目"), required=True),
        _f("provider", gettext_lazy("培训机构"), required=True),
        _f("certificate", gettext_lazy("取得证书")),
    ],
    "education": [
        _f("school", gettext_lazy("就读学校"), required=True),
        _f("grade", gettext_lazy("年级")),
        _f("aid", gettext_lazy("资助项目")),
    ],
    "social_security": [
        _f("scheme", gettext_lazy("保障项目"), "choice", required=True, choices=SECURITY_SCHEMES),
    ],
}


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def clean_money(value: object, field: str, label: object) -> tuple[Decimal | None, Problem | None]:
    text = _text(value).replace(",", "")
    if not text:
        return None, None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None, Problem(
            field, "not_a_number", _("%(label)s应为数字（元），如 1200.00") % {"label": label}
        )
    if not amount.is_finite():
        return None, Problem(
            field, "not_a_number", _("%(label)s应为数字（元），如 1200.00") % {"label": label}
        )
    if amount < 0:
        return None, Problem(field, "negative", _("%(label)s不能为负数") % {"label": label})
    if amount >= Decimal("1e12"):
        return None, Problem(field, "too_large", _("%(label)s过大") % {"label": label})
    return amount.quantize(Decimal("0.01")), None


def clean_details(kind: str, raw: dict) -> tuple[dict, list[Problem]]:
    """Clean the details of a measure of `kind`; unknown keys are dropped."""
    if kind not in FIELDS:
        return {}, [Problem("kind", "unknown_kind", _("项目类型无效，请从列表中选择"))]
    clean: dict = {}
    problems: list[Problem] = []
    for spec in FIELDS[kind]:
        value = _text(raw.get(spec.name))
        where = f"details.{spec.name}"
        if not value:
            if spec.required:
                problems.append(Problem(where, "required", _("请填写%(label)s") % {"label": spec.label}))
            continue
        if spec.type == "text":
            if len(value) > 200:
                problems.append(Problem(where, "too_long", _("%(label)s不超过200字") % {"label": spec.label}))
            else:
                clean[spec.name] = value
        elif spec.type == "int":
            try:
                number = int(value)
            except ValueError:
                problems.append(
                    Problem(where, "not_a_number", _("%(label)s应为整数") % {"label": spec.label})
                )
                continue
            if (spec.low is not None and number < spec.low) or (spec.high is not None and number > spec.high):
                problems.append(
                    Problem(
                        where,
                        "out_of_range",
                        _("%(label)s应在 %(low)s 到 %(high)s 之间")
                        % {"label": spec.label, "low": spec.low, "high": spec.high},
                    )
                )
            else:
                clean[spec.name] = number
        elif spec.type == "money":
            amount, problem = clean_money(value, where, spec.label)
            if problem:
                problems.append(problem)
            elif amount is not None:
                clean[spec.name] = str(amount)
        elif spec.type == "choice":
            codes = {code for code, _label in spec.choices}
            if value not in codes:
                problems.append(
                    Problem(where, "not_in_list", _("%(label)s请从列表中选择") % {"label": spec.label})
                )
            else:
                clean[spec.name] = value
    return clean, problems


def label_of(kind: str, name: str, value: object) -> str:
    """The text a page shows for one detail value (a choice's label, else the value)."""
    for spec in FIELDS.get(kind, []):
        if spec.name == name and spec.type == "choice":
            return str(dict(spec.choices).get(value, value))
    return str(value)


def describe(kind: str, details: dict) -> list[tuple[str, str]]:
    """(label, value) pairs of a measure's details, in the declared order."""
    return [
        (str(spec.label), label_of(kind, spec.name, details[spec.name]))
        for spec in FIELDS.get(kind, [])
        if details.get(spec.name) not in (None, "")
    ]
