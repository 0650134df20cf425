"""The funds' code lists: fund sources and project types as the Guangdong platform lists them
(DOMAIN.md §13.3), project states, document kinds and bank-figure kinds."""

from __future__ import annotations

from django.utils.translation import gettext_noop as _

from fupin.core.codes import CodeList

# The 20,000-yuan-per-person fund arrives as three shares (province : Guangzhou : Qingyuan = 6 : 3 : 1).
PER_PERSON_SOURCES = ("pp_province", "pp_guangzhou", "pp_qingyuan")

SOURCE = CodeList(
    "资金来源",
    (
        ("pp_province", _("人均2万元·省级分担")),
        ("pp_guangzhou", _("人均2万元·广州市分担")),
        ("pp_qingyuan", _("人均2万元·清远市分担")),
        ("province_fiscal", _("省级财政")),
        ("city_fiscal", _("市级财政")),
        ("county_fiscal", _("县级财政")),
        ("town_fiscal", _("镇级财政")),
        ("unit_raised", _("单位自筹")),
        ("social", _("社会资金")),
        ("sector_province", _("省级行业资金")),
        ("sector_city", _("市级行业资金")),
        ("sector_county", _("县级行业资金")),
    ),
)

HOUSEHOLD_TYPES = (
    ("industry", _("产业扶贫")),
    ("finance", _("金融扶贫")),
    ("housing", _("住房改造")),
    ("asset", _("资产扶贫")),
    ("relief", _("慰问扶贫")),
    ("employment", _("就业扶贫")),
    ("training", _("技能培训")),
    ("education", _("教育扶贫")),
    ("social_security", _("政策补贴和社会保障")),
)
VILLAGE_TYPES = (
    ("road", _("村道硬底化")),
    ("water", _("饮水工程")),
    ("culture", _("文体设施")),
    ("sanitation", _("卫生设施")),
    ("lighting", _("路灯安装")),
    ("irrigation", _("农田水利")),
    ("public", _("公共设施")),
    ("collective", _("集体经济")),
    ("schooling", _("教育教学")),
    ("village_other", _("其他")),
)
PROJECT_TYPE = CodeList("项目类型", HOUSEHOLD_TYPES + VILLAGE_TYPES)
HOUSEHOLD_TYPE_CODES = tuple(code for code, _label in HOUSEHOLD_TYPES)
VILLAGE_TYPE_CODES = tuple(code for code, _label in VILLAGE_TYPES)
# What the per-person fund may pay for: "直接促进扶贫开发帮扶对象增收，包括扶持就业、发展特色产业、增强创收能力、
# 资产收益扶持、扶贫贷款贴息及教育、基本医疗保障等" (连星府〔2016〕114号 三（三）) — the 到户 types.
PER_PERSON_PURPOSES = (
    "industry",
    "finance",
    "asset",
    "employment",
    "training",
    "education",
    "social_security",
)

PROJECT_STATUS = CodeList(
    "项目状态",
    (
        ("proposed", _("申报")),
        ("approved", _("已审批")),
        ("tendering", _("招标中")),
        ("implementing", _("实施中")),
        ("accepted", _("已验收")),
        ("evaluated", _("已绩效评价")),
        ("rejected", _("未通过审批")),
    ),
)
# The lifecycle: state → the states it may move to.
TRANSITIONS = {
    "proposed": ("approved", "rejected"),
    "approved": ("tendering",),
    "tendering": ("implementing",),
    "implementing": ("accepted",),
    "accepted": ("evaluated",),
    "evaluated": (),
    "rejected": (),
}
# States in which a project holds (commits) its budget and may be paid.
COMMITTING = ("approved", "tendering", "implementing", "accepted", "evaluated")
PAYABLE = ("implementing", "accepted", "evaluated")

DOCUMENT_KIND = CodeList(
    "项目文件",
    (
        ("proposal", _("立项申报")),
        ("approval", _("审批文件")),
        ("tender", _("招标文件")),
        ("contract", _("施工合同")),
        ("acceptance", _("验收报告")),
        ("evaluation", _("绩效评价")),
        ("other", _("其他")),
    ),
)

EVALUATION_GRADE = CodeList(
    "绩效评价等级", (("excellent", _("优")), ("good", _("良")), ("fair", _("中")), ("poor", _("差")))
)

LOAN_KIND = CodeList(
    "贷款数据类别",
    (
        ("village", _("贫困村")),
        ("household", _("贫困户")),
        ("city", _("全市")),
        ("rural", _("全市农村")),
    ),
)
