"""Every code list (码表) of the system, in one place.

A code list maps a stable internal code (ASCII, stored in the database) to the Chinese label of the
national/provincial forms. Labels are the exchange vocabulary of the registry workbook, so they are
exact; the web shows them through gettext so that English users see a translation. Legacy or
alternative spellings an import must accept are listed as aliases.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class CodeList:
    name: str
    items: tuple[tuple[str, str], ...]
    aliases: dict[str, str] = field(default_factory=dict)

    @property
    def choices(self) -> list[tuple[str, object]]:
        return [(code, _(label)) for code, label in self.items]

    @property
    def codes(self) -> list[str]:
        return [code for code, _label in self.items]

    @property
    def labels(self) -> list[str]:
        return [label for _code, label in self.items]

    def label(self, code: str | None) -> str:
        return dict(self.items).get(code or "", "")

    def code_for(self, label: str) -> str | None:
        """The code for a Chinese label or one of its aliases; None when unknown."""
        text = (label or "").strip()
        for code, item_label in self.items:
            if text == item_label:
                return code
        return self.aliases.get(text)


HOUSEHOLD_ATTRIBUTE = CodeList(
    "贫困户属性",
    (("general", "一般贫困户"), ("dibao", "低保贫困户"), ("tekun", "特困供养贫困户")),
    aliases={"低保户": "dibao", "五保户": "tekun", "五保贫困户": "tekun"},
)

POVERTY_CAUSE = CodeList(
    "致贫原因",
    (
        ("illness", "因病"),
        ("disability", "因残"),
        ("schooling", "因学"),
        ("disaster", "因灾"),
        ("marriage", "因婚"),
        ("land", "缺土地"),
        ("water", "缺水"),
        ("skills", "缺技术"),
        ("labour", "缺劳力"),
        ("capital", "缺资金"),
        ("transport", "交通条件落后"),
        ("motivation", "自身发展动力不足"),
        ("other", "其他"),
    ),
    aliases={"缺劳动力": "labour", "交通不便": "transport"},
)

HOUSEHOLD_STATUS = CodeList(
    "户状态",
    (("registered", "在册"), ("exited", "已脱贫"), ("returned", "返贫"), ("removed", "已销号")),
)

RELATION = CodeList(
    "与户主关系",
    (
        ("head", "户主"),
        ("spouse", "配偶"),
        ("son", "之子"),
        ("daughter", "之女"),
        ("daughter_in_law", "之儿媳"),
        ("son_in_law", "之女婿"),
        ("grandson", "之孙子"),
        ("granddaughter", "之孙女"),
        ("daughters_son", "之外孙子"),
        ("daughters_daughter", "之外孙女"),
        ("father", "之父"),
        ("mother", "之母"),
        ("wifes_father", "之岳父"),
        ("wifes_mother", "之岳母"),
        ("husbands_father", "之公公"),
        ("husbands_mother", "之婆婆"),
        ("grandfather", "之祖父"),
        ("grandmother", "之祖母"),
        ("maternal_grandfather", "之外祖父"),
        ("maternal_grandmother", "之外祖母"),
        ("other", "其他"),
    ),
    aliases={"本人": "head"},
)

EDUCATION = CodeList(
    "文化程度",
    (
        ("illiterate", "文盲或半文盲"),
        ("primary", "小学"),
        ("junior", "初中"),
        ("senior", "高中"),
        ("college", "大专及以上"),
        ("preschool_child", "学龄前儿童"),
    ),
)

SCHOOL_STATUS = CodeList(
    "在校生情况",
    (
        ("none", "非在校生"),
        ("preschool", "学前教育"),
        ("primary", "小学"),
        ("junior", "初中"),
        ("senior", "高中"),
        ("secondary_vocational", "中职"),
        ("higher_vocational", "高职"),
        ("college", "大专"),
        ("university", "本科及以上"),
    ),
)

HEALTH = CodeList(
    "健康状况",
    (("healthy", "健康"), ("chronic", "长期慢性病"), ("serious", "大病"), ("disabled", "残疾")),
)

LABOUR = CodeList(
    "劳动能力",
    (("ordinary", "普通劳动力"), ("skilled", "技能劳动力"), ("lost", "丧失劳动力"), ("none", "无劳动力")),
)
LABOUR_CAPABLE = frozenset({"ordinary", "skilled"})

MIGRANT_WORK = CodeList(
    "务工状况",
    (
        ("in_town", "乡镇内务工"),
        ("in_county", "乡镇外县内务工"),
        ("in_province", "县外省内务工"),
        ("out_of_province", "省外务工"),
        ("other", "其他"),
    ),
)

# GB 3304 names of China's nationalities; the code is the two-digit GB 3304 number.
ETHNICITY = CodeList(
    "民族",
    tuple(
        (f"{i:02d}", name)
        for i, name in enumerate(
            (
                "汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族 哈尼族 "
                "哈萨克族 傣族 黎族 傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 柯尔克孜族 土族 "
                "达斡尔族 仫佬族 羌族 布朗族 撒拉族 毛南族 仡佬族 锡伯族 阿昌族 普米族 塔吉克族 怒族 乌孜别克族 "
                "俄罗斯族 鄂温克族 德昂族 保安族 裕固族 京族 塔塔尔族 独龙族 鄂伦春族 赫哲族 门巴族 珞巴族 基诺族"
            ).split(),
            start=1,
        )
    ),
    aliases={"汉": "01"},
)

SEX = CodeList("性别", (("M", "男"), ("F", "女")))

AREA_LEVEL = CodeList(
    "区划级别",
    (
        ("province", "省"),
        ("city", "市"),
        ("county", "县"),
        ("town", "镇"),
        ("village", "村"),
        ("group", "村民小组"),
    ),
)

HOUSE_STRUCTURE = CodeList(
    "房屋主要结构",
    (
        ("concrete", "钢筋混凝土"),
        ("brick_concrete", "砖混"),
        ("brick_wood", "砖瓦砖木"),
        ("earth", "竹草土坯"),
        ("other", "其他"),
    ),
)

DRINKING_WATER = CodeList(
    "饮水情况",
    (
        ("tap", "经过净化处理的自来水"),
        ("protected_well", "受保护的井水和泉水"),
        ("unprotected_well", "不受保护的井水和泉水"),
        ("river", "江河湖泊水"),
        ("rain", "收集雨水"),
        ("bottled", "桶装水"),
        ("other", "其他"),
    ),
)

ROAD_TYPE = CodeList(
    "入户路类型",
    (("none", "无路"), ("dirt", "毛路"), ("gravel", "砂石"), ("cement", "水泥"), ("asphalt", "沥青")),
)

FUEL = CodeList(
    "燃料类型",
    (
        ("firewood", "柴草"),
        ("coal", "煤炭"),
        ("lpg", "液化石油气"),
        ("gas", "管道煤气/天然气"),
        ("electric", "电"),
        ("oil", "燃料用油"),
        ("biogas", "沼气"),
        ("other", "其他"),
        ("no_cooking", "无炊用行为"),
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
