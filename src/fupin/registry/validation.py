"""Field rules of the registry, shared by the web forms, the API and the workbook import.

Each `clean_*` takes raw values keyed by model field name — workbook text, form strings or API
JSON; a coded field takes its code or its Chinese label — and returns the cleaned values plus every
problem found, each with the field, the stable error code of REGISTRY-TEMPLATE.md and a Chinese
message that says how to fix it. Rules across records (one head, unique ID numbers) live in
`services`, which call these.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from fupin.core import codes
from fupin.core.codes import CodeList, parse_yes_no
from fupin.core.money import CENT

from . import idnumber

MIN_YEAR, MAX_YEAR = 2000, 2100
CAUSE_SEPARATORS = re.compile(r"[、;；，,]")


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    message: str


# Field name → the column header of the registry workbook (and the label on forms).
HOUSEHOLD_LABELS = {
    "household_no": "户编号",
    "village": "行政区划代码",
    "group": "村民小组",
    "head_name": "户主姓名",
    "head_id_number": "户主证件号码",
    "attribute": "贫困户属性",
    "main_cause": "主要致贫原因",
    "other_causes": "其他致贫原因",
    "identified_year": "识别年度",
    "housing_safe": "住房是否安全",
    "water_safe": "饮水是否安全",
    "phone": "联系电话",
    "bank_name": "开户银行",
    "bank_account": "一卡通账号",
}
MEMBER_LABELS = {
    "household_no": "户编号",
    "name": "姓名",
    "id_number": "证件号码",
    "relation": "与户主关系",
    "ethnicity": "民族",
    "education": "文化程度",
    "school_status": "在校生情况",
    "health": "健康状况",
    "labour": "劳动能力",
    "migrant_work": "务工状况",
    "work_months": "务工时间(月)",
    "medical_insurance": "是否参加基本医疗保险",
    "pension_insurance": "是否参加养老保险",
    "dibao": "是否享受低保",
    "tekun": "是否特困供养",
}
INCOME_LABELS = {
    "household_no": "户编号",
    "year": "年度",
    "wages": "工资性收入",
    "business_income": "生产经营性收入",
    "business_cost": "生产经营性支出",
    "property_income": "财产性收入",
    "transfer_income": "转移性收入",
    "transfer_cost": "转移性支出",
}
# Sheet 村 of the workbook: a village and its facts for one year (areas.Area + areas.VillageYear).
VILLAGE_LABELS = {
    "code": "行政区划代码",
    "name": "村名",
    "year": "年度",
    "registered_population": "户籍人口",
    "per_capita_income": "村人均可支配收入",
}
# The household fields a user edits (forms, API), and the household columns cleaning produces.
HOUSEHOLD_EDITABLE = tuple(
    n for n in HOUSEHOLD_LABELS if n not in ("household_no", "village", "head_name", "head_id_number")
)
HOUSEHOLD_COLUMNS = (
    "attribute",
    "main_cause",
    "other_cause_1",
    "other_cause_2",
    "identified_year",
    "housing_safe",
    "water_safe",
    "phone",
    "bank_name",
    "bank_account",
)
# The editable fields of a member and an income row, in workbook column order (forms, API, exports).
MEMBER_FIELDS = tuple(name for name in MEMBER_LABELS if name != "household_no")
INCOME_FIELDS = tuple(name for name in INCOME_LABELS if name != "household_no")
INCOME_AMOUNTS = ("wages", "business_income", "business_cost", "property_income", "transfer_income")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def is_number(value: Any) -> bool:
    """A spreadsheet number (not a bool): in an identifier column its last digits may be lost."""
    return isinstance(value, int | float) and not isinstance(value, bool)


# -- the rule table ----------------------------------------------------------------------------------
# Each field's rule is declared once below; `_Cleaner` applies a rule to one record (forms, API, the
# demo loader) and `registry.columnar` applies the same rule to a whole column of an import. Both build
# their messages with the functions of this section, so a cell gets the same code and the same words
# whichever path checks it (tests/registry/test_columnar.py holds the two equal on random rows).

TEXT, CODE, YES_NO, YEAR, INTEGER, AMOUNT, ID_NUMBER, CAUSES = (
    "text",
    "code",
    "yes_no",
    "year",
    "integer",
    "amount",
    "id_number",
    "causes",
)
# An amount: digits with at most one decimal point, an optional sign, thousands commas removed first.
AMOUNT_PATTERN = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)"
INTEGER_PATTERN = r"-?[0-9]+"
AMOUNT_LIMIT = Decimal(10) ** 12  # NUMERIC(14,2)
YEAR_PATTERN = r"[0-9]+"


@dataclass(frozen=True)
class Rule:
    field: str
    kind: str
    required: bool = False
    max_length: int = 60
    code_list: CodeList | None = None
    low: int = 0
    high: int = 0
    default: Any = None  # an amount left blank
    pattern: str = ""  # text: must match in full, else `pattern_code` with `pattern_message`
    pattern_code: str = ""
    pattern_message: str = ""  # formatted with the cell's text as {value}
    number_refused: str = ""  # text: a spreadsheet number in this cell gets id_format with this message


def msg_required(label: str) -> str:
    return f"“{label}”不能为空，请填写"


def msg_control_character(label: str) -> str:
    return f"“{label}”含有不可见的控制字符，请重新输入"


def msg_too_long(label: str, limit: int, length: int) -> str:
    return f"“{label}”最多{limit}个字，现有{length}个"


def msg_unknown_code(label: str, value: str, code_list: CodeList) -> str:
    return f"“{label}”不认识“{value}”，请从下拉列表选择：{'、'.join(code_list.labels)}"


def msg_yes_no(label: str, value: str) -> str:
    return f"“{label}”只能填“是”或“否”，现为“{value}”"


def msg_bad_year(label: str, value: str) -> str:
    return f"“{label}”应为{MIN_YEAR}至{MAX_YEAR}之间的四位年份，现为“{value}”"


def msg_not_integer(label: str, value: str) -> str:
    return f"“{label}”应为整数，现为“{value}”"


def msg_negative(label: str, number: object) -> str:
    return f"“{label}”不能为负数，现为{number}"


def msg_out_of_range(label: str, low: int, high: int, number: int) -> str:
    return f"“{label}”应在{low}至{high}之间，现为{number}"


def msg_not_amount(label: str, value: str) -> str:
    return f"“{label}”应为金额数字（元），现为“{value}”"


def msg_amount_too_large(label: str, exact: Decimal) -> str:
    return f"“{label}”应小于一万亿元，现为{exact}"


def msg_decimals(label: str, exact: Decimal) -> str:
    return f"“{label}”最多保留两位小数（元），现为“{exact}”"


def amount_text(value: str) -> str:
    """The text an amount is read from: thousands separators removed."""
    return value.replace(",", "")


def integer_problem(rule: Rule, label: str, number: int) -> Problem | None:
    if number < 0:
        return Problem(rule.field, "negative", msg_negative(label, number))
    if number > rule.high or number < rule.low:
        return Problem(rule.field, "out_of_range", msg_out_of_range(label, rule.low, rule.high, number))
    return None


def amount_problem(rule: Rule, label: str, exact: Decimal) -> Problem | None:
    if exact < 0:
        return Problem(rule.field, "negative", msg_negative(label, exact))
    if exact >= AMOUNT_LIMIT:
        return Problem(rule.field, "out_of_range", msg_amount_too_large(label, exact))
    if exact != exact.quantize(CENT):
        return Problem(rule.field, "not_a_number", msg_decimals(label, exact))
    return None


def cause_problems(main_cause: str, value: Any) -> tuple[list[str], list[Problem]]:
    """The other causes of poverty in one cell (a list, or text separated by 、;，): their codes, at most
    two, distinct and other than the main cause, and the problems found."""
    if isinstance(value, list | tuple):
        items = [_text(x) for x in value if not _blank(x)]
    else:
        items = [part.strip() for part in CAUSE_SEPARATORS.split(_text(value)) if part.strip()]
    found: list[str] = []
    problems: list[Problem] = []
    for item in items:
        code = item if item in codes.POVERTY_CAUSE.codes else codes.POVERTY_CAUSE.code_for(item)
        if code is None:
            problems.append(
                Problem(
                    "other_causes",
                    "unknown_code",
                    f"“其他致贫原因”不认识“{item}”，可选：{'、'.join(codes.POVERTY_CAUSE.labels)}",
                )
            )
        elif code == main_cause or code in found:
            problems.append(
                Problem(
                    "other_causes",
                    "duplicate_cause",
                    f"“其他致贫原因”中的“{item}”与主要致贫原因或其他原因重复",
                )
            )
        else:
            found.append(code)
    if len(items) > 2:
        problems.append(
            Problem(
                "other_causes",
                "too_many_causes",
                f"“其他致贫原因”最多填两个，现有{len(items)}个：{'、'.join(items)}",
            )
        )
        found = found[:2]
    return found, problems


VILLAGE_CODE_RULE = dict(
    pattern=r"[0-9]{12}",
    pattern_code="unknown_village",
    pattern_message="“行政区划代码”应为12位数字的村代码，现为“{value}”",
)
HOUSEHOLD_RULES: tuple[Rule, ...] = (
    Rule("household_no", TEXT, required=True, max_length=30),
    Rule("village", TEXT, required=True, max_length=12, **VILLAGE_CODE_RULE),
    Rule("group", TEXT, max_length=60),
    Rule("attribute", CODE, required=True, code_list=codes.HOUSEHOLD_ATTRIBUTE),
    Rule("main_cause", CODE, required=True, code_list=codes.POVERTY_CAUSE),
    Rule("other_causes", CAUSES),
    Rule("identified_year", YEAR, required=True),
    Rule("housing_safe", YES_NO, required=True),
    Rule("water_safe", YES_NO, required=True),
    Rule(
        "phone",
        TEXT,
        max_length=20,
        pattern=r"[0-9\-+ ]{5,20}",
        pattern_code="not_a_number",
        pattern_message="“联系电话”只能包含数字和“-”，现为“{value}”",
    ),
    Rule("bank_name", TEXT, max_length=60),
    Rule(
        "bank_account",
        TEXT,
        max_length=32,
        pattern=r"[0-9]+",
        pattern_code="not_a_number",
        pattern_message="“一卡通账号”只能是数字，现为“{value}”",
        number_refused="“一卡通账号”被存成了数字，长账号的末几位可能已丢失：请把该列设为文本格式后重新输入完整账号",
    ),
)
MEMBER_RULES: tuple[Rule, ...] = (
    Rule("name", TEXT, required=True, max_length=50),
    Rule("id_number", ID_NUMBER, required=True),
    Rule("relation", CODE, required=True, code_list=codes.RELATION),
    Rule("ethnicity", CODE, code_list=codes.ETHNICITY),
    Rule("education", CODE, code_list=codes.EDUCATION),
    Rule("school_status", CODE, required=True, code_list=codes.SCHOOL_STATUS),
    Rule("health", CODE, required=True, code_list=codes.HEALTH),
    Rule("labour", CODE, required=True, code_list=codes.LABOUR),
    Rule("migrant_work", CODE, code_list=codes.MIGRANT_WORK),
    Rule("work_months", INTEGER, low=0, high=12),
    Rule("medical_insurance", YES_NO, required=True),
    Rule("pension_insurance", YES_NO),
    Rule("dibao", YES_NO, required=True),
    Rule("tekun", YES_NO),
)
INCOME_RULES: tuple[Rule, ...] = (
    Rule("year", YEAR, required=True),
    *(Rule(field, AMOUNT, required=True) for field in INCOME_AMOUNTS),
    Rule("transfer_cost", AMOUNT, default=Decimal("0.00")),
)
VILLAGE_RULES: tuple[Rule, ...] = (
    Rule("code", TEXT, required=True, max_length=12, **VILLAGE_CODE_RULE),
    Rule("name", TEXT, required=True, max_length=60),
    Rule("year", YEAR, required=True),
    Rule("registered_population", INTEGER, required=True, low=0, high=100_000_000),
    Rule("per_capita_income", AMOUNT),
)
# What an import adds: the household's head as the 户 sheet states it, the household a member or an
# income row belongs to.
HOUSEHOLD_IMPORT_RULES: tuple[Rule, ...] = (
    *HOUSEHOLD_RULES,
    Rule("head_name", TEXT, required=True, max_length=50),
    Rule("head_id_number", ID_NUMBER, required=True),
)
MEMBER_IMPORT_RULES: tuple[Rule, ...] = (
    Rule("household_no", TEXT, required=True, max_length=30),
    *MEMBER_RULES,
)
INCOME_IMPORT_RULES: tuple[Rule, ...] = (
    Rule("household_no", TEXT, required=True, max_length=30),
    *INCOME_RULES,
)


class _Cleaner:
    def __init__(self, raw: Mapping[str, Any], labels: Mapping[str, str]):
        self.raw = raw
        self.labels = labels
        self.out: dict[str, Any] = {}
        self.problems: list[Problem] = []

    def fail(self, field: str, code: str, message: str) -> None:
        self.problems.append(Problem(field, code, message))

    def present(self, field: str, required: bool) -> bool:
        if _blank(self.raw.get(field)):
            if required:
                self.fail(field, "required", msg_required(self.labels[field]))
            return False
        return True

    def apply(self, rules: tuple[Rule, ...]) -> tuple[dict[str, Any], list[Problem]]:
        for rule in rules:
            getattr(self, rule.kind)(rule)
        return self.out, self.problems

    def text(self, rule: Rule) -> None:
        field = rule.field
        if not self.present(field, rule.required):
            self.out[field] = ""
            return
        if rule.number_refused and is_number(self.raw[field]):
            self.fail(field, "id_format", rule.number_refused)
            self.out[field] = _text(self.raw[field])
            return
        value = _text(self.raw[field])
        if "\x00" in value:
            self.fail(field, "invalid_character", msg_control_character(self.labels[field]))
            value = value.replace("\x00", "")
        if len(value) > rule.max_length:
            self.fail(field, "too_long", msg_too_long(self.labels[field], rule.max_length, len(value)))
        if rule.pattern and not re.fullmatch(rule.pattern, value):
            self.fail(field, rule.pattern_code, rule.pattern_message.format(value=value))
        self.out[field] = value

    def code(self, rule: Rule) -> None:
        field, code_list = rule.field, rule.code_list
        assert code_list is not None
        if not self.present(field, rule.required):
            self.out[field] = ""
            return
        value = _text(self.raw[field])
        code = value if value in code_list.codes else code_list.code_for(value)
        if code is None:
            self.fail(field, "unknown_code", msg_unknown_code(self.labels[field], value, code_list))
            code = ""
        self.out[field] = code

    def yes_no(self, rule: Rule) -> None:
        field = rule.field
        if not self.present(field, rule.required):
            self.out[field] = None
            return
        value = parse_yes_no(self.raw[field])
        if value is None:
            self.fail(field, "unknown_code", msg_yes_no(self.labels[field], _text(self.raw[field])))
        self.out[field] = value

    def year(self, rule: Rule) -> None:
        field = rule.field
        if not self.present(field, rule.required):
            self.out[field] = None
            return
        value = _text(self.raw[field])
        if not re.fullmatch(YEAR_PATTERN, value) or not MIN_YEAR <= int(value) <= MAX_YEAR:
            self.fail(field, "bad_year", msg_bad_year(self.labels[field], value))
            self.out[field] = None
            return
        self.out[field] = int(value)

    def integer(self, rule: Rule) -> None:
        field = rule.field
        if not self.present(field, rule.required):
            self.out[field] = None
            return
        value = _text(self.raw[field])
        if not re.fullmatch(INTEGER_PATTERN, value):
            self.fail(field, "not_a_number", msg_not_integer(self.labels[field], value))
            self.out[field] = None
            return
        number = int(value)
        problem = integer_problem(rule, self.labels[field], number)
        if problem:
            self.problems.append(problem)
        self.out[field] = number

    def amount(self, rule: Rule) -> None:
        field = rule.field
        if not self.present(field, rule.required):
            self.out[field] = rule.default
            return
        raw = self.raw[field]
        if isinstance(raw, Decimal):
            exact = raw if raw.is_finite() else None
        else:
            text = amount_text(_text(raw))
            exact = Decimal(text) if re.fullmatch(AMOUNT_PATTERN, text) else None
        if exact is None:
            self.fail(field, "not_a_number", msg_not_amount(self.labels[field], _text(raw)))
            self.out[field] = None
            return
        problem = amount_problem(rule, self.labels[field], exact)
        if problem:
            self.problems.append(problem)
        self.out[field] = None if abs(exact) >= AMOUNT_LIMIT else exact.quantize(CENT, rounding=ROUND_HALF_UP)

    def id_number(self, rule: Rule) -> None:
        field = rule.field
        if not self.present(field, rule.required):
            self.out[field] = ""
            return
        try:
            facts = idnumber.parse(self.raw[field])
        except idnumber.IdNumberError as exc:
            self.fail(field, exc.code, exc.message)
            self.out[field] = idnumber.normalise(self.raw[field])
            return
        self.out[field] = facts.number
        if field == "id_number":
            self.out.update(sex=facts.sex, birth_date=facts.birth_date)

    def causes(self, rule: Rule) -> None:
        found, problems = cause_problems(self.out.get("main_cause", ""), self.raw.get(rule.field))
        self.problems += problems
        self.out["other_cause_1"] = found[0] if found else ""
        self.out["other_cause_2"] = found[1] if len(found) > 1 else ""


def clean_household(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """Household fields; `village` is a 12-digit code whose existence `services` checks."""
    return _Cleaner(raw, HOUSEHOLD_LABELS).apply(HOUSEHOLD_RULES)


def clean_member(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """Member fields; sex and birth date are derived from the ID number."""
    return _Cleaner(raw, MEMBER_LABELS).apply(MEMBER_RULES)


def clean_income(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    return _Cleaner(raw, INCOME_LABELS).apply(INCOME_RULES)


def clean_village(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """A village and its year; whether its town exists is checked against the database by the caller."""
    return _Cleaner(raw, VILLAGE_LABELS).apply(VILLAGE_RULES)


def clean_with(rules: tuple[Rule, ...], labels: Mapping[str, str], raw: Mapping[str, Any]):
    """Clean one record by `rules` (the import's tables above): the per-row reference of the bulk path."""
    return _Cleaner(raw, labels).apply(rules)
