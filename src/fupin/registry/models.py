"""The registry (建档立卡): households, members, income by year, living conditions, status history."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from fupin.core import codes
from fupin.core.money import per_capita
from fupin.core.tracking import TrackedModel

MONEY = {"max_digits": 14, "decimal_places": 2}
# History rows are written by the million by imports: no foreign-key check of the acting user per row
# (users are deactivated, never deleted), and on households no indexes on the copied household number,
# village and group (history is looked up by record id and household id).
HISTORY = {"user_db_constraint": False}
YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]


class Household(TrackedModel):
    household_no = models.CharField(_("户编号"), max_length=30, unique=True)
    village = models.ForeignKey(
        "areas.Area", verbose_name=_("村"), on_delete=models.PROTECT, related_name="households"
    )
    group = models.ForeignKey(
        "areas.Area",
        verbose_name=_("村民小组"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="group_households",
    )
    attribute = models.CharField(_("贫困户属性"), max_length=10, choices=codes.HOUSEHOLD_ATTRIBUTE.choices)
    main_cause = models.CharField(_("主要致贫原因"), max_length=12, choices=codes.POVERTY_CAUSE.choices)
    other_cause_1 = models.CharField(
        _("其他致贫原因一"), max_length=12, choices=codes.POVERTY_CAUSE.choices, blank=True
    )
    other_cause_2 = models.CharField(
        _("其他致贫原因二"), max_length=12, choices=codes.POVERTY_CAUSE.choices, blank=True
    )
    identified_year = models.PositiveSmallIntegerField(_("识别年度"), validators=YEAR_VALIDATORS)
    housing_safe = models.BooleanField(_("住房是否安全"))
    water_safe = models.BooleanField(_("饮水是否安全"))
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    bank_name = models.CharField(_("开户银行"), max_length=60, blank=True)
    bank_account = models.CharField(_("一卡通账号"), max_length=32, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=codes.HOUSEHOLD_STATUS.choices, default="registered"
    )
    exit_year = models.PositiveSmallIntegerField(_("脱贫年度"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(
        excluded_fields=["version", "updated_at"], no_db_index=["household_no", "village", "group"], **HISTORY
    )

    class Meta:
        verbose_name = _("贫困户")
        verbose_name_plural = _("贫困户")
        ordering = ["household_no"]
        indexes = [
            models.Index(fields=["village", "status"], name="household_village_status"),
            models.Index(fields=["status", "exit_year"], name="household_status_exit"),
            models.Index(fields=["attribute"], name="household_attribute"),
            models.Index(fields=["main_cause"], name="household_main_cause"),
            # The list's 致贫原因 filter looks at the other two causes as well.
            models.Index(fields=["other_cause_1"], name="household_other_cause_1"),
            models.Index(fields=["other_cause_2"], name="household_other_cause_2"),
        ]

    def __str__(self) -> str:
        return self.household_no

    def audit_label(self) -> str:
        return self.household_no

    @property
    def other_causes(self) -> list[str]:
        return [c for c in (self.other_cause_1, self.other_cause_2) if c]


class Member(TrackedModel):
    LEFT_REASONS = [
        ("death", _("死亡")),
        ("marriage", _("婚出")),
        ("split", _("分户")),
        ("moved", _("迁出")),
        ("error", _("错误录入")),
        ("other", _("其他")),
    ]

    household = models.ForeignKey(
        Household, verbose_name=_("户"), on_delete=models.PROTECT, related_name="members"
    )
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("证件号码"), max_length=18)
    sex = models.CharField(_("性别"), max_length=1, choices=codes.SEX.choices)
    birth_date = models.DateField(_("出生日期"))
    relation = models.CharField(_("与户主关系"), max_length=24, choices=codes.RELATION.choices)
    ethnicity = models.CharField(_("民族"), max_length=2, choices=codes.ETHNICITY.choices, blank=True)
    education = models.CharField(_("文化程度"), max_length=16, choices=codes.EDUCATION.choices, blank=True)
    school_status = models.CharField(_("在校生情况"), max_length=24, choices=codes.SCHOOL_STATUS.choices)
    health = models.CharField(_("健康状况"), max_length=10, choices=codes.HEALTH.choices)
    labour = models.CharField(_("劳动能力"), max_length=10, choices=codes.LABOUR.choices)
    migrant_work = models.CharField(
        _("务工状况"), max_length=16, choices=codes.MIGRANT_WORK.choices, blank=True
    )
    work_months = models.PositiveSmallIntegerField(
        _("务工时间(月)"), null=True, blank=True, validators=[MaxValueValidator(12)]
    )
    medical_insurance = models.BooleanField(_("是否参加基本医疗保险"))
    pension_insurance = models.BooleanField(_("是否参加养老保险"), null=True, blank=True)
    dibao = models.BooleanField(_("是否享受低保"))
    tekun = models.BooleanField(_("是否特困供养"), null=True, blank=True)
    left_on = models.DateField(_("离开日期"), null=True, blank=True)
    left_reason = models.CharField(_("离开原因"), max_length=10, choices=LEFT_REASONS, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["version", "updated_at"], **HISTORY)

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        ordering = ["household_id", "id"]
        constraints = [
            # One live registration per person; a member who left may be registered elsewhere.
            models.UniqueConstraint(
                fields=["id_number"], condition=Q(left_on__isnull=True), name="member_id_number_live_unique"
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(relation="head", left_on__isnull=True),
                name="member_one_head_per_household",
            ),
        ]
        indexes = [
            models.Index(fields=["id_number"], name="member_id_number"),
            models.Index(fields=["name"], name="member_name"),
            # The list's 劳动能力 and 低保 filters read (value → households) from the index alone.
            models.Index(fields=["labour", "household"], name="member_labour_household"),
            models.Index(fields=["dibao", "household"], name="member_dibao_household"),
            # Not declared here (expressions the ORM cannot spell the same on both databases): the ID
            # number's reversed tail and, on PostgreSQL, the trigram index of names — see search.py and
            # migration 0003_scale_search.
        ]

    def __str__(self) -> str:
        return self.name

    def audit_label(self) -> str:
        return f"{self.household_id}:{self.name}"

    @property
    def on_register(self) -> bool:
        return self.left_on is None

    @property
    def labour_capable(self) -> bool:
        return self.labour in codes.LABOUR_CAPABLE


class Income(TrackedModel):
    """A household's income for one year (yuan, nominal)."""

    household = models.ForeignKey(
        Household, verbose_name=_("户"), on_delete=models.PROTECT, related_name="incomes"
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=YEAR_VALIDATORS)
    wages = models.DecimalField(_("工资性收入"), **MONEY, validators=[MinValueValidator(0)])
    business_income = models.DecimalField(_("生产经营性收入"), **MONEY, validators=[MinValueValidator(0)])
    business_cost = models.DecimalField(_("生产经营性支出"), **MONEY, validators=[MinValueValidator(0)])
    property_income = models.DecimalField(_("财产性收入"), **MONEY, validators=[MinValueValidator(0)])
    transfer_income = models.DecimalField(_("转移性收入"), **MONEY, validators=[MinValueValidator(0)])
    transfer_cost = models.DecimalField(
        _("转移性支出"), **MONEY, default=Decimal("0.00"), validators=[MinValueValidator(0)]
    )
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords(excluded_fields=["version"], **HISTORY)

    class Meta:
        verbose_name = _("收入")
        verbose_name_plural = _("收入")
        ordering = ["household_id", "year"]
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="income_household_year_unique")
        ]
        indexes = [models.Index(fields=["year"], name="income_year")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year}"

    def audit_label(self) -> str:
        return f"{self.household_id}:{self.year}"

    @property
    def disposable(self) -> Decimal:
        """工资性 + 生产经营性收入 − 生产经营性支出 + 财产性 + 转移性收入 − 转移性支出."""
        return (
            self.wages
            + self.business_income
            - self.business_cost
            + self.property_income
            + self.transfer_income
            - self.transfer_cost
        )

    def per_capita(self, members: int) -> Decimal | None:
        return per_capita(self.disposable, members)


class ReportedIncome(TrackedModel):
    """A household's per-capita net income (人均纯收入) for one year as another system reported it —
    the national system's export carries only this figure, not the items of `Income`. Kept beside
    the items, never mixed into them."""

    household = models.ForeignKey(
        Household, verbose_name=_("户"), on_delete=models.PROTECT, related_name="reported_incomes"
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=YEAR_VALIDATORS)
    per_capita = models.DecimalField(_("人均纯收入"), **MONEY, validators=[MinValueValidator(0)])
    source = models.CharField(_("来源"), max_length=20, default="national")
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords(excluded_fields=["version"], **HISTORY)

    class Meta:
        verbose_name = _("上报人均纯收入")
        verbose_name_plural = _("上报人均纯收入")
        ordering = ["household_id", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "year"], name="reported_income_household_year_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year}"

    def audit_label(self) -> str:
        return f"{self.household_id}:{self.year}"


class LivingConditions(TrackedModel):
    """Production and living conditions (生产生活条件) of the national form."""

    household = models.OneToOneField(
        Household, verbose_name=_("户"), on_delete=models.PROTECT, related_name="conditions"
    )
    house_area = models.DecimalField(
        _("住房面积(平方米)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    house_structure = models.CharField(
        _("房屋主要结构"), max_length=16, choices=codes.HOUSE_STRUCTURE.choices, blank=True
    )
    dilapidated = models.BooleanField(_("是否危房"), null=True, blank=True)
    electricity = models.BooleanField(_("是否通生活用电"), null=True, blank=True)
    drinking_water = models.CharField(
        _("饮水情况"), max_length=20, choices=codes.DRINKING_WATER.choices, blank=True
    )
    water_difficulty = models.BooleanField(_("饮水是否困难"), null=True, blank=True)
    road_type = models.CharField(_("入户路类型"), max_length=10, choices=codes.ROAD_TYPE.choices, blank=True)
    sanitary_toilet = models.BooleanField(_("有无卫生厕所"), null=True, blank=True)
    fuel = models.CharField(_("主要燃料类型"), max_length=12, choices=codes.FUEL.choices, blank=True)
    market_distance_km = models.DecimalField(
        _("距离最近乡镇集市(公里)"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    farmland_mu = models.DecimalField(
        _("耕地面积(亩)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    forest_mu = models.DecimalField(_("林地面积(亩)"), max_digits=8, decimal_places=2, null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords(excluded_fields=["version"], **HISTORY)

    class Meta:
        verbose_name = _("生产生活条件")
        verbose_name_plural = _("生产生活条件")

    def __str__(self) -> str:
        return str(self.household_id)

    def audit_label(self) -> str:
        return str(self.household_id)


class StatusChange(TrackedModel):
    """One change of a household's status: who, when, why. The household's status history."""

    household = models.ForeignKey(
        Household, verbose_name=_("户"), on_delete=models.PROTECT, related_name="status_changes"
    )
    from_status = models.CharField(
        _("原状态"), max_length=10, choices=codes.HOUSEHOLD_STATUS.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=10, choices=codes.HOUSEHOLD_STATUS.choices)
    year = models.PositiveSmallIntegerField(_("年度"), validators=YEAR_VALIDATORS)
    reason = models.CharField(_("原因"), max_length=200)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT
    )
    changed_at = models.DateTimeField(_("变更时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("状态变更")
        verbose_name_plural = _("状态变更")
        ordering = ["household_id", "changed_at", "id"]
        indexes = [models.Index(fields=["to_status", "year"], name="status_change_to_year")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.from_status}→{self.to_status}"

    def audit_label(self) -> str:
        return f"{self.household_id}:{self.from_status}->{self.to_status}"
