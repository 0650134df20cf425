"""The registry workbook (建档立卡数据表) of REGISTRY-TEMPLATE.md: sheets, columns, codes.

Headers come from the `*_LABELS` of `registry.validation`, so a column's name in the workbook, the
label of the web form and the field the validation reports on are one and the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from fupin.core import codes
from fupin.core.codes import CodeList
from fupin.registry.validation import HOUSEHOLD_LABELS, INCOME_LABELS, MEMBER_LABELS, VILLAGE_LABELS

INSTRUCTIONS_SHEET = "说明"
CODES_SHEET = "代码表"  # hidden: the drop-down lists too long to write inline (民族 has 56 names)
IGNORED_SHEETS = frozenset({INSTRUCTIONS_SHEET, CODES_SHEET, "错误汇总"})

# Codes the import report uses beyond REGISTRY-TEMPLATE.md's list (docs/registry-template.md).
STRUCTURE_CODES = (
    "not_a_workbook",
    "empty_file",
    "sheet_missing",
    "unknown_sheet",
    "missing_column",
    "unknown_column",
)


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    required: bool
    code_list: CodeList | None = None
    yes_no: bool = False
    text: bool = False  # formatted as text in the template and written as text by exports
    identifier: bool = False  # a number in this cell has lost digits: rejected with id_format
    multiple: bool = False  # several codes separated by 、
    width: int = 12
    note: str = ""  # what goes in it, for the 说明 sheet and the header comment


@dataclass(frozen=True)
class Sheet:
    name: str
    kind: str  # registry.bulk kind
    required: bool
    columns: tuple[Column, ...]
    # Written by exports after the columns, read back as nothing: facts that change only through the
    # registry's own paths (a household's status).
    extras: tuple[Column, ...] = ()

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def ignored(self) -> frozenset[str]:
        return frozenset(c.field for c in self.extras)

    def column(self, field: str) -> Column:
        return next(c for c in self.columns if c.field == field)

    def header_of(self, field: str) -> str:
        for column in self.columns:
            if column.field == field:
                return column.header
        return ""


def _c(
    labels: dict[str, str], field: str, required: bool, code_list: CodeList | None = None, **kwargs
) -> Column:
    return Column(field=field, header=labels[field], required=required, code_list=code_list, **kwargs)


V, H, M, N = VILLAGE_LABELS, HOUSEHOLD_LABELS, MEMBER_LABELS, INCOME_LABELS
YES_NO = "填“是”或“否”"
AMOUNT = "元，不小于0，最多两位小数"

VILLAGES = Sheet(
    "村",
    "village",
    False,
    (
        _c(V, "code", True, text=True, width=16, note="12位村级行政区划代码，前9位须是系统中已有的乡镇"),
        _c(V, "name", True, width=14, note="村委会或社区名称"),
        _c(V, "year", True, width=8, note="以下数字所属年度，四位年份"),
        _c(V, "registered_population", True, width=10, note="该年户籍人口，不小于0的整数"),
        _c(V, "per_capita_income", False, width=16, note="该年村人均可支配收入（元）"),
    ),
)
HOUSEHOLDS = Sheet(
    "户",
    "household",
    True,
    (
        _c(H, "household_no", True, text=True, width=16, note="户的唯一编号；已在系统中的编号表示更新该户"),
        _c(H, "village", True, text=True, width=16, note="12位村代码：系统中已有的村或“村”表中的村"),
        _c(H, "group", False, width=10, note="村民小组名称，如“一组”；新名称会自动建立"),
        _c(H, "head_name", True, width=10, note="须与“成员”表中该户户主的姓名一致"),
        _c(
            H, "head_id_number", True, text=True, identifier=True, width=21, note="须与该户户主的证件号码一致"
        ),
        _c(H, "attribute", True, codes.HOUSEHOLD_ATTRIBUTE, width=16, note="下拉选择；低保户、五保户亦可"),
        _c(H, "main_cause", True, codes.POVERTY_CAUSE, width=14, note="下拉选择"),
        _c(
            H,
            "other_causes",
            False,
            codes.POVERTY_CAUSE,
            multiple=True,
            width=18,
            note="最多两个，用“、”分隔，不能与主要致贫原因重复",
        ),
        _c(H, "identified_year", True, width=10, note="识别为贫困户的年度"),
        _c(H, "housing_safe", True, yes_no=True, width=12, note=YES_NO),
        _c(H, "water_safe", True, yes_no=True, width=12, note=YES_NO),
        _c(H, "phone", False, text=True, width=14, note="手机或固定电话，只含数字和“-”"),
        _c(H, "bank_name", False, width=16),
        _c(H, "bank_account", False, text=True, identifier=True, width=22, note="只含数字；请按文本输入"),
    ),
    (
        Column("status", "状态", False, codes.HOUSEHOLD_STATUS, width=10, note="导出时填写；导入时不读取"),
        Column("exit_year", "脱贫年度", False, width=10, note="导出时填写；导入时不读取"),
    ),
)
MEMBERS = Sheet(
    "成员",
    "member",
    True,
    (
        _c(M, "household_no", True, text=True, width=16, note="“户”表中的户编号（或系统中已有的户）"),
        _c(M, "name", True, width=10),
        _c(
            M,
            "id_number",
            True,
            text=True,
            identifier=True,
            width=21,
            note="18位公民身份号码，按文本输入；性别和出生日期由号码得出",
        ),
        _c(M, "relation", True, codes.RELATION, width=12, note="每户恰好一名“户主”"),
        _c(M, "ethnicity", False, codes.ETHNICITY, width=10),
        _c(M, "education", False, codes.EDUCATION, width=14),
        _c(M, "school_status", True, codes.SCHOOL_STATUS, width=12),
        _c(M, "health", True, codes.HEALTH, width=12),
        _c(M, "labour", True, codes.LABOUR, width=12),
        _c(M, "migrant_work", False, codes.MIGRANT_WORK, width=16),
        _c(M, "work_months", False, width=12, note="0至12的整数"),
        _c(M, "medical_insurance", True, yes_no=True, width=14, note=YES_NO),
        _c(M, "pension_insurance", False, yes_no=True, width=14, note=YES_NO),
        _c(M, "dibao", True, yes_no=True, width=12, note=YES_NO),
        _c(M, "tekun", False, yes_no=True, width=12, note=YES_NO),
    ),
)
INCOMES = Sheet(
    "收入",
    "income",
    False,
    (
        _c(N, "household_no", True, text=True, width=16, note="“户”表中的户编号（或系统中已有的户）"),
        _c(N, "year", True, width=8, note="收入所属年度；每户每年一行"),
        _c(N, "wages", True, width=12, note=AMOUNT),
        _c(N, "business_income", True, width=14, note=AMOUNT),
        _c(N, "business_cost", True, width=14, note=AMOUNT),
        _c(N, "property_income", True, width=12, note=AMOUNT),
        _c(N, "transfer_income", True, width=12, note=AMOUNT),
        _c(N, "transfer_cost", False, width=12, note=AMOUNT + "；空白为0"),
    ),
)
SHEETS: tuple[Sheet, ...] = (VILLAGES, HOUSEHOLDS, MEMBERS, INCOMES)
SHEET_BY_NAME = {sheet.name: sheet for sheet in SHEETS}
SHEET_BY_KIND = {sheet.kind: sheet for sheet in SHEETS}
