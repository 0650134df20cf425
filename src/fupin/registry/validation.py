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
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
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
                self.fail(field, "required", f"“{self.labels[field]}”不能为空，请填写")
            return False
        return True

    def text(self, field: str, *, required: bool = False, max_length: int = 60) -> None:
        if not self.present(field, required):
            self.out[field] = ""
            return
        value = _text(self.raw[field])
        if "\x00" in value:
            self.fail(field, "invalid_character", f"“{self.labels[field]}”含有不可见的控制字符，请重新输入")
            value = value.replace("\x00", "")
        if len(value) > max_length:
            self.fail(field, "too_long", f"“{self.labels[field]}”最多{max_length}个字，现有{len(value)}个")
        self.out[field] = value

    def code(self, field: str, code_list: CodeList, *, required: bool = False) -> None:
        if not self.present(field, required):
            self.out[field] = ""
            return
        value = _text(self.raw[field])
        code = value if value in code_list.codes else code_list.code_for(value)
        if code is None:
            self.fail(
                field,
                "unknown_code",
                f"“{self.labels[field]}”不认识“{value}”，请从下拉列表选择：{'、'.join(code_list.labels)}",
            )
            code = ""
        self.out[field] = code

    def yes_no(self, field: str, *, required: bool = False) -> None:
        if not self.present(field, required):
            self.out[field] = None
            return
        value = parse_yes_no(self.raw[field])
        if value is None:
            self.fail(
                field,
                "unknown_code",
                f"“{self.labels[field]}”只能填“是”或“否”，现为“{_text(self.raw[field])}”",
            )
        self.out[field] = value

    def year(self, field: str, *, required: bool = True) -> None:
        if not self.present(field, required):
            self.out[field] = None
            return
        value = _text(self.raw[field])
        if not value.isdigit() or not MIN_YEAR <= int(value) <= MAX_YEAR:
            self.fail(
                field,
                "bad_year",
                f"“{self.labels[field]}”应为{MIN_YEAR}至{MAX_YEAR}之间的四位年份，现为“{value}”",
            )
            self.out[field] = None
            return
        self.out[field] = int(value)

    def integer(self, field: str, *, low: int, high: int, required: bool = False) -> None:
        if not self.present(field, required):
            self.out[field] = None
            return
        value = _text(self.raw[field])
        if not re.fullmatch(r"-?\d+", value):
            self.fail(field, "not_a_number", f"“{self.labels[field]}”应为整数，现为“{value}”")
            self.out[field] = None
            return
        number = int(value)
        if number < 0:
            self.fail(field, "negative", f"“{self.labels[field]}”不能为负数，现为{number}")
        elif number > high or number < low:
            self.fail(field, "out_of_range", f"“{self.labels[field]}”应在{low}至{high}之间，现为{number}")
        self.out[field] = number

    def amount(self, field: str, *, required: bool = True, default: Decimal | None = None) -> None:
        if not self.present(field, required):
            self.out[field] = default
            return
        raw = self.raw[field]
        try:
            exact = raw if isinstance(raw, Decimal) else Decimal(_text(raw).replace(",", ""))
            if not exact.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            self.fail(field, "not_a_number", f"“{self.labels[field]}”应为金额数字（元），现为“{_text(raw)}”")
            self.out[field] = None
            return
        if exact < 0:
            self.fail(field, "negative", f"“{self.labels[field]}”不能为负数，现为{exact}")
        elif exact != exact.quantize(CENT):
            self.fail(field, "not_a_number", f"“{self.labels[field]}”最多保留两位小数（元），现为“{exact}”")
        self.out[field] = exact.quantize(CENT, rounding=ROUND_HALF_UP)


def clean_household(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """Household fields; `village` is a 12-digit code whose existence `services` checks."""
    c = _Cleaner(raw, HOUSEHOLD_LABELS)
    c.text("household_no", required=True, max_length=30)
    c.text("village", required=True, max_length=12)
    village = c.out["village"]
    if village and not re.fullmatch(r"\d{12}", village):
        c.fail("village", "unknown_village", f"“行政区划代码”应为12位数字的村代码，现为“{village}”")
    c.text("group", max_length=60)
    c.code("attribute", codes.HOUSEHOLD_ATTRIBUTE, required=True)
    c.code("main_cause", codes.POVERTY_CAUSE, required=True)
    _other_causes(c)
    c.year("identified_year")
    c.yes_no("housing_safe", required=True)
    c.yes_no("water_safe", required=True)
    c.text("phone", max_length=20)
    if c.out["phone"] and not re.fullmatch(r"[\d\-+ ]{5,20}", c.out["phone"]):
        c.fail("phone", "not_a_number", f"“联系电话”只能包含数字和“-”，现为“{c.out['phone']}”")
    c.text("bank_name", max_length=60)
    c.text("bank_account", max_length=32)
    if c.out["bank_account"] and not c.out["bank_account"].isdigit():
        c.fail("bank_account", "not_a_number", f"“一卡通账号”只能是数字，现为“{c.out['bank_account']}”")
    return c.out, c.problems


def _other_causes(c: _Cleaner) -> None:
    raw = c.raw.get("other_causes")
    if isinstance(raw, list | tuple):
        items = [_text(x) for x in raw if not _blank(x)]
    else:
        items = [part.strip() for part in CAUSE_SEPARATORS.split(_text(raw)) if part.strip()]
    found: list[str] = []
    for item in items:
        code = item if item in codes.POVERTY_CAUSE.codes else codes.POVERTY_CAUSE.code_for(item)
        if code is None:
            c.fail(
                "other_causes",
                "unknown_code",
                f"“其他致贫原因”不认识“{item}”，可选：{'、'.join(codes.POVERTY_CAUSE.labels)}",
            )
        elif code == c.out.get("main_cause") or code in found:
            c.fail(
                "other_causes", "duplicate_cause", f"“其他致贫原因”中的“{item}”与主要致贫原因或其他原因重复"
            )
        else:
            found.append(code)
    if len(items) > 2:
        c.fail(
            "other_causes",
            "too_many_causes",
            f"“其他致贫原因”最多填两个，现有{len(items)}个：{'、'.join(items)}",
        )
        found = found[:2]
    c.out["other_cause_1"] = found[0] if found else ""
    c.out["other_cause_2"] = found[1] if len(found) > 1 else ""


def clean_member(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """Member fields; sex and birth date are derived from the ID number."""
    c = _Cleaner(raw, MEMBER_LABELS)
    c.text("name", required=True, max_length=50)
    if c.present("id_number", True):
        try:
            facts = idnumber.parse(raw["id_number"])
        except idnumber.IdNumberError as exc:
            c.fail("id_number", exc.code, exc.message)
            c.out["id_number"] = idnumber.normalise(raw["id_number"])
        else:
            c.out.update(id_number=facts.number, sex=facts.sex, birth_date=facts.birth_date)
    c.code("relation", codes.RELATION, required=True)
    c.code("ethnicity", codes.ETHNICITY)
    c.code("education", codes.EDUCATION)
    c.code("school_status", codes.SCHOOL_STATUS, required=True)
    c.code("health", codes.HEALTH, required=True)
    c.code("labour", codes.LABOUR, required=True)
    c.code("migrant_work", codes.MIGRANT_WORK)
    c.integer("work_months", low=0, high=12)
    c.yes_no("medical_insurance", required=True)
    c.yes_no("pension_insurance")
    c.yes_no("dibao", required=True)
    c.yes_no("tekun")
    return c.out, c.problems


def clean_income(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    c = _Cleaner(raw, INCOME_LABELS)
    c.year("year")
    for field in INCOME_AMOUNTS:
        c.amount(field)
    c.amount("transfer_cost", required=False, default=Decimal("0.00"))
    return c.out, c.problems


def clean_village(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """A village and its year; whether its town exists is checked against the database by the caller."""
    c = _Cleaner(raw, VILLAGE_LABELS)
    c.text("code", required=True, max_length=12)
    if c.out["code"] and not re.fullmatch(r"\d{12}", c.out["code"]):
        c.fail("code", "unknown_village", f"“行政区划代码”应为12位数字的村代码，现为“{c.out['code']}”")
    c.text("name", required=True, max_length=60)
    c.year("year")
    c.integer("registered_population", low=0, high=100_000_000, required=True)
    c.amount("per_capita_income", required=False)
    return c.out, c.problems
