"""Every code list (码表) of the system, in one place.

A code list maps a stable internal code (ASCII, stored in the database) to the Chinese label of the
national/provincial forms. Labels are the exchange vocabulary of the registry workbook, so they are
exact; the web shows them through gettext so that English users see a translation. Legacy or
alternative spellings an import must accept are listed as aliases.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as _


@dataclass(frozen=True)
class CodeList:
    name: str
    items: tuple[tuple[str, str], ...]
    aliases: dict[str, str] = field(default_factory=dict)

    @property
    def choices(self) -> list[tuple[str, object]]:
        return [(code, gettext_lazy(label)) for code, label in self.items]

    @functools.cached_property
    def codes(self) -> list[str]:
        # Cached: an import checks millions of cells against these lists.
        return [code for code, _label in self.items]

    @functools.cached_property
    def _by_label(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for code, item_label in self.items:
            found.setdefault(item_label, code)
        return found

    @property
    def labels(self) -> list[str]:
        return [label for _code, label in self.items]

    def label(self, code: str | None) -> str:
        return dict(self.items).get(code or "", "")

    def code_for(self, label: str) -> str | None:
        """The code for a Chinese label or one of its aliases; None when unknown."""
        text = (label or "").strip()
        code = self._by_label.get(text)
        return code if code is not None else self.aliases.get(text)


# The national system's labels (DOMAIN §3.1, §13.3). 低保户 and 五保户 are households registered from
# 民政's rolls, kept apart from 低保贫困户 and 特困供养贫困户 (the later label replacing 五保贫困户) so that a
# national file comes back out as it went in.
HOUSEHOLD_ATTRIBUTE = CodeList(
    "贫困户属性",
    (
        ("general", _("一般贫困户")),
        ("dibao", _("低保贫困户")),
        ("tekun", _("特困供养贫困户")),
        ("dibao_hh", _("低保户")),
        ("wubao", _("五保户")),
    ),
    aliases={"五保贫困户": "tekun", "特困供养户": "tekun"},
)
# Attributes whose members draw 低保 / 特困供养 (五保): a national file has no member column for either.
ATTRIBUTE_DIBAO = frozenset({"dibao", "dibao_hh"})
ATTRIBUTE_TEKUN = frozenset({"tekun", "wubao"})

POVERTY_CAUSE = CodeList(
    "致贫原因",
    (
        ("illness", _("因病")),
        ("disability", _("因残")),
        ("schooling", _("因学")),
        ("disaster", _("因灾")),
        ("marriage", _("因婚")),
        ("land", _("缺土地")),
        ("water", _("缺水")),
        ("skills", _("缺技术")),
        ("labour", _("缺劳力")),
        ("capital", _("缺资金")),
        ("transport", _("交通条件落后")),
        ("motivation", _("自身发展动力不足")),
        ("other", _("其他")),
    ),
    aliases={"缺劳动力": "labour", "交通不便": "transport"},
)

HOUSEHOLD_STATUS = CodeList(
    "户状态",
    (("registered", _("在册")), ("exited", _("已脱贫")), ("returned", _("返贫")), ("removed", _("已销号"))),
)

RELATION = CodeList(
    "与户主关系",
    (
        ("head", _("户主")),
        ("spouse", _("配偶")),
        ("son", _("之子")),
        ("daughter", _("之女")),
        ("daughter_in_law", _("之儿媳")),
        ("son_in_law", _("之女婿")),
        ("grandson", _("之孙子")),
        ("granddaughter", _("之孙女")),
        ("daughters_son", _("之外孙子")),
        ("daughters_daughter", _("之外孙女")),
        ("father", _("之父")),
        ("mother", _("之母")),
        ("wifes_father", _("之岳父")),
        ("wifes_mother", _("之岳母")),
        ("husbands_father", _("之公公")),
        ("husbands_mother", _("之婆婆")),
        ("grandfather", _("之祖父")),
        ("grandmother", _("之祖母")),
        ("maternal_grandfather", _("之外祖父")),
        ("maternal_grandmother", _("之外祖母")),
        ("other", _("其他")),
    ),
    aliases={"本人": "head"},
)

EDUCATION = CodeList(
    "文化程度",
    (
        ("illiterate", _("文盲或半文盲")),
        ("primary", _("小学")),
        ("junior", _("初中")),
        ("senior", _("高中")),
        ("college", _("大专及以上")),
        ("preschool_child", _("学龄前儿童")),
    ),
)

# The national 在校生状况 (DOMAIN §3.3, §13.3): 小学 is one value, later stages by grade. The stage-only
# codes (初中, 高中, 中职, 高职) of earlier registries stay valid; SCHOOL_STAGE maps every code to its stage.
SCHOOL_STATUS = CodeList(
    "在校生情况",
    (
        ("none", _("非在校生")),
        ("preschool", _("学前教育")),
        ("primary", _("小学")),
        ("junior_1", _("七年级")),
        ("junior_2", _("八年级")),
        ("junior_3", _("九年级")),
        ("senior_1", _("高中一年级")),
        ("senior_2", _("高中二年级")),
        ("senior_3", _("高中三年级")),
        ("secondary_vocational_1", _("中职一年级")),
        ("secondary_vocational_2", _("中职二年级")),
        ("secondary_vocational_3", _("中职三年级")),
        ("higher_vocational_1", _("高职一年级")),
        ("higher_vocational_2", _("高职二年级")),
        ("higher_vocational_3", _("高职三年级")),
        ("college", _("大专")),
        ("university", _("本科及以上")),
        ("junior", _("初中")),
        ("senior", _("高中")),
        ("secondary_vocational", _("中职")),
        ("higher_vocational", _("高职")),
    ),
    aliases={
        **{f"小学{grade}年级": "primary" for grade in "一二三四五六"},
        **{f"{grade}年级": "primary" for grade in "一二三四五六"},
        "小学一至六年级": "primary",
        "初一": "junior_1",
        "初二": "junior_2",
        "初三": "junior_3",
        "初中一年级": "junior_1",
        "初中二年级": "junior_2",
        "初中三年级": "junior_3",
        "高一": "senior_1",
        "高二": "senior_2",
        "高三": "senior_3",
        "大学本科": "university",
        "本科": "university",
    },
)
SCHOOL_STAGE = {
    code: code.rsplit("_", 1)[0] if code[-1].isdigit() else code for code, _label in SCHOOL_STATUS.items
}

# National labels (患有大病, not 大病) and Guangdong's 体弱多病 (DOMAIN §13.3).
HEALTH = CodeList(
    "健康状况",
    (
        ("healthy", _("健康")),
        ("chronic", _("长期慢性病")),
        ("serious", _("患有大病")),
        ("disabled", _("残疾")),
        ("frail", _("体弱多病")),
    ),
    aliases={"大病": "serious", "患大病": "serious", "长期慢性病患者": "chronic"},
)

# The national 劳动技能: four values (DOMAIN §3.3).
LABOUR = CodeList(
    "劳动能力",
    (
        ("ordinary", _("普通劳动力")),
        ("skilled", _("技能劳动力")),
        ("lost", _("丧失劳动力")),
        ("none", _("无劳动力")),
    ),
    aliases={"丧失劳动能力": "lost", "无劳动能力": "none"},
)
LABOUR_CAPABLE = frozenset({"ordinary", "skilled"})

# The national labels with full-width brackets (DOMAIN §13.3); the earlier labels and half-width
# brackets are read too.
MIGRANT_WORK = CodeList(
    "务工状况",
    (
        ("in_town", _("乡（镇）内务工")),
        ("in_county", _("乡（镇）外县内务工")),
        ("in_province", _("县外省内务工")),
        ("out_of_province", _("省外务工")),
        ("other", _("其他")),
    ),
    aliases={
        "乡镇内务工": "in_town",
        "乡(镇)内务工": "in_town",
        "乡镇外县内务工": "in_county",
        "乡(镇)外县内务工": "in_county",
        "省内县外务工": "in_province",
    },
)

# GB 3304 names of China's nationalities; the code is the two-digit GB 3304 number.
ETHNICITY = CodeList(
    "民族",
    (
        ("01", _("汉族")),
        ("02", _("蒙古族")),
        ("03", _("回族")),
        ("04", _("藏族")),
        ("05", _("维吾尔族")),
        ("06", _("苗族")),
        ("07", _("彝族")),
        ("08", _("壮族")),
        ("09", _("布依族")),
        ("10", _("朝鲜族")),
        ("11", _("满族")),
        ("12", _("侗族")),
        ("13", _("瑶族")),
        ("14", _("白族")),
        ("15", _("土家族")),
        ("16", _("哈尼族")),
        ("17", _("哈萨克族")),
        ("18", _("傣族")),
        ("19", _("黎族")),
        ("20", _("傈僳族")),
        ("21", _("佤族")),
        ("22", _("畲族")),
        ("23", _("高山族")),
        ("24", _("拉祜族")),
        ("25", _("水族")),
        ("26", _("东乡族")),
        ("27", _("纳西族")),
        ("28", _("景颇族")),
        ("29", _("柯尔克孜族")),
        ("30", _("土族")),
        ("31", _("达斡尔族")),
        ("32", _("仫佬族")),
        ("33", _("羌族")),
        ("34", _("布朗族")),
        ("35", _("撒拉族")),
        ("36", _("毛南族")),
        ("37", _("仡佬族")),
        ("38", _("锡伯族")),
        ("39", _("阿昌族")),
        ("40", _("普米族")),
        ("41", _("塔吉克族")),
        ("42", _("怒族")),
        ("43", _("乌孜别克族")),
        ("44", _("俄罗斯族")),
        ("45", _("鄂温克族")),
        ("46", _("德昂族")),
        ("47", _("保安族")),
        ("48", _("裕固族")),
        ("49", _("京族")),
        ("50", _("塔塔尔族")),
        ("51", _("独龙族")),
        ("52", _("鄂伦春族")),
        ("53", _("赫哲族")),
        ("54", _("门巴族")),
        ("55", _("珞巴族")),
        ("56", _("基诺族")),
    ),
    aliases={"汉": "01"},
)

SEX = CodeList("性别", (("M", _("男")), ("F", _("女"))))

AREA_LEVEL = CodeList(
    "区划级别",
    (
        ("province", _("省")),
        ("city", _("市")),
        ("county", _("县")),
        ("town", _("镇")),
        ("village", _("村")),
        ("group", _("村民小组")),
    ),
)

HOUSE_STRUCTURE = CodeList(
    "房屋主要结构",
    (
        ("concrete", _("钢筋混凝土")),
        ("brick_concrete", _("砖混")),
        ("brick_wood", _("砖瓦砖木")),
        ("earth", _("竹草土坯")),
        ("other", _("其他")),
    ),
)

DRINKING_WATER = CodeList(
    "饮水情况",
    (
        ("tap", _("经过净化处理的自来水")),
        ("protected_well", _("受保护的井水和泉水")),
        ("unprotected_well", _("不受保护的井水和泉水")),
        ("river", _("江河湖泊水")),
        ("rain", _("收集雨水")),
        ("bottled", _("桶装水")),
        ("other", _("其他")),
    ),
)

ROAD_TYPE = CodeList(
    "入户路类型",
    (
        ("none", _("无路")),
        ("dirt", _("毛路")),
        ("gravel", _("砂石")),
        ("cement", _("水泥")),
        ("asphalt", _("沥青")),
    ),
)

FUEL = CodeList(
    "燃料类型",
    (
        ("firewood", _("柴草")),
        ("coal", _("煤炭")),
        ("lpg", _("液化石油气")),
        ("gas", _("管道煤气/天然气")),
        ("electric", _("电")),
        ("oil", _("燃料用油")),
        ("biogas", _("沼气")),
        ("other", _("其他")),
        ("no_cooking", _("无炊用行为")),
    ),
)

YES_WORDS = frozenset({"是", "1", "y", "yes", "true", "有", "t"})
NO_WORDS = frozenset({"否", "0", "n", "no", "false", "无", "f"})


def parse_yes_no(text: object) -> bool | None:
    """是/否 and the accepted variants; None when the cell is not a yes/no word."""
    if isinstance(text, bool):
        return text
    if isinstance(text, int | float) and text in (0, 1):
        return bool(text)
    word = str(text or "").strip().lower()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    return None
