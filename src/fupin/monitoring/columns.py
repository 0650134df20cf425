"""The columns of each department list (docs/monitoring.md says the same, for the people who send them).

A column is found by its header or one of its aliases (spaces ignored); extra columns are ignored; a list
without one of its required columns is refused whole.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import ListKind


@dataclass(frozen=True)
class Column:
    field: str  # ExternalRecord field it fills
    header: str
    required: bool = True
    aliases: tuple[str, ...] = ()
    kind: str = "text"  # text | date | money


NAME = Column("name", "姓名", aliases=("名字", "户主姓名", "人员姓名", "车主姓名", "权利人", "法定代表人"))
ID = Column("id_number", "证件号码", aliases=("身份证号", "身份证号码", "公民身份号码", "身份证", "证件号"))
BIRTH = Column("birth_date", "出生日期", required=False, kind="date")
PLACE = Column("place", "地址", required=False, aliases=("住址", "户籍地址", "所在村", "居住地址"))

KINDS: dict[str, tuple[Column, ...]] = {
    ListKind.CIVIL: (
        NAME,
        ID,
        Column("category", "类别", aliases=("救助类别", "保障类别")),
        Column("event_date", "开始日期", kind="date", aliases=("起始日期", "享受日期", "批准日期")),
        Column("amount", "家庭人均收入", required=False, kind="money", aliases=("人均收入",)),
        BIRTH,
        PLACE,
    ),
    ListKind.DEATHS: (NAME, ID, Column("event_date", "死亡日期", kind="date"), BIRTH, PLACE),
    ListKind.MOVES: (
        NAME,
        ID,
        Column("event_date", "迁出日期", kind="date"),
        Column("detail", "迁往地址", required=False, aliases=("迁往地",)),
        BIRTH,
        PLACE,
    ),
    ListKind.DISABILITY: (
        NAME,
        ID,
        Column("category", "残疾类别"),
        Column("detail", "残疾等级", required=False),
        Column("event_date", "发证日期", required=False, kind="date"),
        BIRTH,
        PLACE,
    ),
    ListKind.VEHICLES: (
        NAME,
        ID,
        Column("detail", "号牌号码", aliases=("车牌号", "车牌号码")),
        Column("category", "车辆类型", required=False),
        Column("amount", "车辆价值", required=False, kind="money", aliases=("购置价格",)),
        Column("event_date", "登记日期", required=False, kind="date"),
        BIRTH,
        PLACE,
    ),
    ListKind.PROPERTY: (
        NAME,
        ID,
        Column("detail", "房屋坐落", aliases=("坐落", "不动产坐落")),
        Column("category", "房屋用途", required=False, aliases=("用途",)),
        Column("amount", "建筑面积", required=False, kind="money"),
        Column("event_date", "登记日期", required=False, kind="date"),
        BIRTH,
        PLACE,
    ),
    ListKind.BUSINESS: (
        NAME,
        ID,
        Column("detail", "企业名称", aliases=("名称", "字号名称")),
        Column("category", "登记状态", required=False, aliases=("经营状态",)),
        Column("event_date", "成立日期", required=False, kind="date"),
        BIRTH,
        PLACE,
    ),
    ListKind.PAYROLL: (
        NAME,
        ID,
        Column("detail", "工作单位", aliases=("单位名称", "单位")),
        Column("event_date", "开始日期", required=False, kind="date", aliases=("入职日期",)),
        BIRTH,
        PLACE,
    ),
}

CIVIL_CATEGORIES = {
    "低保": "dibao",
    "特困": "tekun",
    "五保": "tekun",
    "特困供养": "tekun",
    "农村低保": "dibao",
}
LIST_SOURCES = {
    ListKind.CIVIL: _("民政"),
    ListKind.DEATHS: _("公安"),
    ListKind.MOVES: _("公安"),
    ListKind.DISABILITY: _("残联"),
    ListKind.VEHICLES: _("公安"),
    ListKind.PROPERTY: _("房管"),
    ListKind.BUSINESS: _("工商"),
    ListKind.PAYROLL: _("财政供养"),
}


def squash(header: object) -> str:
    return "".join(str(header or "").split()).replace("（", "(").replace("）", ")")


def locate(kind: str, headers: list[object]) -> tuple[dict[str, int], list[str]]:
    """Column positions by field, and the headers of the required columns that are missing."""
    found = [squash(h) for h in headers]
    positions: dict[str, int] = {}
    missing: list[str] = []
    for column in KINDS[kind]:
        for name in (column.header, *column.aliases):
            if name in found:
                positions[column.field] = found.index(name)
                break
        else:
            if column.required:
                missing.append(column.header)
    return positions, missing
