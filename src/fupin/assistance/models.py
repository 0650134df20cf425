"""Helpers (帮扶责任人), helping units, plans, measures, visits and the left-behind register.

"规划到户、责任到人": every registered poor household has a helper (an assignment, with history), a
plan per year (一户一策) whose items are carried out as typed measures (到户项目类型), and visits. The
helper cadre's scope on households is its live `HelperAssignment`s (`registry.selectors`); the
`helper` column of an assignment is the helper's user account, `person` the 帮扶责任人 record (a helper
need not have an account). Writes go through `services.py`, scoped reads through `selectors.py`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fupin.core.tracking import TrackedModel

MONEY = {"max_digits": 14, "decimal_places": 2}

# 单位隶属关系 (the Guangxi form's list, DOMAIN §2.5).
UNIT_LEVELS = [
    ("central", _("中央")),
    ("province", _("省")),
    ("city", _("市")),
    ("county", _("县")),
    ("town", _("乡镇")),
    ("army", _("部队")),
    ("other", _("其他")),
]

HELPER_KINDS = [
    ("cadre", _("帮扶干部")),
    ("first_secretary", _("第一书记")),
    ("team_member", _("驻村工作队员")),
    ("town_team", _("镇帮扶工作班子")),
]

# The platform's 到户项目类型 (DOMAIN §13.3).
MEASURE_KINDS = [
    ("industry", _("产业扶贫")),
    ("finance", _("金融扶贫")),
    ("housing", _("住房改造")),
    ("asset", _("资产扶贫")),
    ("consolation", _("慰问扶贫")),
    ("employment", _("就业扶贫")),
    ("training", _("技能培训")),
    ("education", _("教育扶贫")),
    ("social_security", _("政策补贴和社会保障")),
]

ITEM_STATES = [
    ("planned", _("计划")),
    ("in_progress", _("实施中")),
    ("completed", _("已完成")),
    ("cancelled", _("已取消")),
]

MEASURE_STATES = [
    ("in_progress", _("实施中")),
    ("completed", _("已完成")),
    ("stopped", _("已中止")),
]

LEADER_DUTIES = [
    ("team", _("党政领导班子成员")),
    ("responsible", _("分管领导")),
]

LEFT_BEHIND_KINDS = [
    ("child", _("留守儿童")),
    ("woman", _("留守妇女")),
    ("elderly", _("留守老人")),
    ("disabled", _("残疾人")),
]


class HelpingUnit(TrackedModel):
    """帮扶单位: a unit that sends helpers (e.g. the paired 广州市荔湾区 units) and stations a 驻村工作队."""

    name = models.CharField(_("单位名称"), max_length=100)
    level = models.CharField(_("单位隶属关系"), max_length=10, choices=UNIT_LEVELS)
    paired_with = models.CharField(_("对口帮扶"), max_length=60, blank=True)
    # The area the unit helps (a town or a village): pages are scoped by it.
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("帮扶区域"), on_delete=models.PROTECT, related_name="helping_units"
    )
    village = models.ForeignKey(
        "areas.Area",
        verbose_name=_("驻村工作队所在村"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resident_units",
    )

    class Meta:
        verbose_name = _("帮扶单位")
        verbose_name_plural = _("帮扶单位")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name", "area"], name="helping_unit_name_area")]

    def __str__(self) -> str:
        return self.name

    def audit_label(self) -> str:
        return self.name


class Helper(TrackedModel):
    """帮扶责任人: a person who helps households; optionally a user of the system."""

    name = models.CharField(_("姓名"), max_length=50)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("系统账号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="helper_profile",
    )
    unit = models.ForeignKey(
        HelpingUnit,
        verbose_name=_("所在单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="helpers",
    )
    kind = models.CharField(_("类别"), max_length=16, choices=HELPER_KINDS, default="cadre")
    position = models.CharField(_("职务"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("工作区域"), on_delete=models.PROTECT, related_name="helpers"
    )
    start_date = models.DateField(_("开始帮扶时间"))
    end_date = models.DateField(_("结束帮扶时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("帮扶责任人")
        verbose_name_plural = _("帮扶责任人")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def audit_label(self) -> str:
        return self.name


class HelperAssignment(TrackedModel):
    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("帮扶责任人账号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    person = models.ForeignKey(
        Helper,
        verbose_name=_("帮扶责任人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="assignments"
    )
    start_date = models.DateField(_("开始帮扶时间"))
    end_date = models.DateField(_("结束帮扶时间"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("结对帮扶")
        verbose_name_plural = _("结对帮扶")
        constraints = [
            models.UniqueConstraint(
                fields=["helper", "household"],
                condition=Q(end_date__isnull=True),
                name="assignment_live_unique",
            ),
            models.UniqueConstraint(
                fields=["person", "household"],
                condition=Q(end_date__isnull=True),
                name="assignment_person_live_unique",
            ),
        ]
        indexes = [models.Index(fields=["helper", "end_date"], name="assignment_helper_live")]

    def __str__(self) -> str:
        return f"{self.person or self.helper} → {self.household_id}"

    def audit_label(self) -> str:
        return f"{self.person_id or self.helper_id}->{self.household_id}"

    def save(self, *args, **kwargs):
        # An assignment made with a user account only (older code, tests, the registry demo) gets the
        # user's 帮扶责任人 record; one made with a person carries the person's account for scoping.
        if self.person_id is None and self.helper_id is not None:
            self.person = helper_for_user(self.helper)
        elif self.person_id is not None and self.helper_id is None and self.person.user_id:
            self.helper_id = self.person.user_id
        super().save(*args, **kwargs)


def helper_for_user(user) -> Helper:
    """The 帮扶责任人 record of a user account, created on first use."""
    found = Helper.objects.filter(user=user).first()
    if found is not None:
        return found
    import datetime as dt

    return Helper.objects.create(
        name=user.full_name or user.username,
        user=user,
        phone=user.phone,
        area_id=user.area_id or "44",
        start_date=dt.date(2016, 1, 1),
    )


class Plan(TrackedModel):
    """帮扶计划 (一户一策): the household's needs; its items are planned per year."""

    household = models.OneToOneField(
        "registry.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="plan"
    )
    needs = models.TextField(_("帮扶需求"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("帮扶计划")
        verbose_name_plural = _("帮扶计划")

    def __str__(self) -> str:
        return f"{self.household_id}"

    def audit_label(self) -> str:
        return str(self.household_id)


class PlanItem(TrackedModel):
    plan = models.ForeignKey(Plan, verbose_name=_("帮扶计划"), on_delete=models.CASCADE, related_name="items")
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("项目类型"), max_length=16, choices=MEASURE_KINDS)
    content = models.CharField(_("帮扶内容"), max_length=200)
    expected_income = models.DecimalField(
        _("预期增收(元)"), **MONEY, default=0, validators=[MinValueValidator(0)]
    )
    state = models.CharField(_("状态"), max_length=12, choices=ITEM_STATES, default="planned")
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("计划项目")
        verbose_name_plural = _("计划项目")
        ordering = ["year", "id"]
        indexes = [models.Index(fields=["year", "state"], name="plan_item_year_state")]

    def __str__(self) -> str:
        return f"{self.year} {self.content}"

    def audit_label(self) -> str:
        return f"{self.plan_id}:{self.year}"


class Measure(TrackedModel):
    """帮扶措施: one thing done for a household (or one of its members), typed by 到户项目类型."""

    household = models.ForeignKey(
        "registry.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="measures"
    )
    member = models.ForeignKey(
        "registry.Member",
        verbose_name=_("受益成员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="measures",
    )
    kind = models.CharField(_("项目类型"), max_length=16, choices=MEASURE_KINDS)
    details = models.JSONField(_("明细"), default=dict, blank=True)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    amount = models.DecimalField(
        _("金额(元)"), **MONEY, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    state = models.CharField(_("状态"), max_length=12, choices=MEASURE_STATES, default="in_progress")
    plan_item = models.ForeignKey(
        PlanItem,
        verbose_name=_("计划项目"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="measures",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("帮扶措施")
        verbose_name_plural = _("帮扶措施")
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["kind", "start_date"], name="measure_kind_start")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.kind}"

    def audit_label(self) -> str:
        return f"{self.household_id}:{self.kind}"


class Visit(TrackedModel):
    """走访: a helper's or a leader's visit to a household or a village."""

    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    village = models.ForeignKey(
        "areas.Area", verbose_name=_("村"), on_delete=models.PROTECT, related_name="visits"
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("走访人"), on_delete=models.PROTECT, related_name="visits"
    )
    visited_on = models.DateField(_("走访日期"))
    found = models.TextField(_("了解到的情况"), blank=True)
    done = models.TextField(_("解决的问题"), blank=True)
    # The form's hidden token: a resubmit after a dropped connection finds the visit it already made.
    token = models.UUIDField(unique=True, null=True, blank=True, editable=False)
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("走访")
        verbose_name_plural = _("走访")
        ordering = ["-visited_on", "-id"]
        indexes = [
            models.Index(fields=["visitor", "visited_on"], name="visit_visitor_date"),
            models.Index(fields=["household", "visited_on"], name="visit_household_date"),
        ]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.visitor_id}"

    def audit_label(self) -> str:
        return f"{self.household_id or self.village_id}:{self.visited_on}"


class Photo(TrackedModel):
    """Evidence photo of a measure or a visit, with a small thumbnail; served only through a scoped view."""

    measure = models.ForeignKey(
        Measure, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("照片"), upload_to="assistance/photos/%Y/%m/")
    thumbnail = models.FileField(upload_to="assistance/thumbs/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("照片")
        verbose_name_plural = _("照片")
        constraints = [
            models.CheckConstraint(
                condition=Q(measure__isnull=False) | Q(visit__isnull=False), name="photo_has_owner"
            )
        ]

    def __str__(self) -> str:
        return self.image.name

    @property
    def household_id(self):
        return self.measure.household_id if self.measure_id else self.visit.household_id

    @property
    def village_id(self):
        return self.measure.household.village_id if self.measure_id else self.visit.village_id


class LeaderDuty(TrackedModel):
    """A leader the policy obliges to visit: 党政领导班子成员 or 分管领导, for a period."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("领导"),
        on_delete=models.PROTECT,
        related_name="leader_duties",
    )
    duty = models.CharField(_("职责"), max_length=12, choices=LEADER_DUTIES)
    start_date = models.DateField(_("开始时间"))
    end_date = models.DateField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("领导走访责任")
        verbose_name_plural = _("领导走访责任")
        ordering = ["duty", "user_id"]

    def __str__(self) -> str:
        return f"{self.user} {self.duty}"


class LeftBehindEntry(TrackedModel):
    """One person on the 三留守/残疾人 register: derived from the registry, kept with its history
    (`ended_on` when the person no longer qualifies: a child turned 16, a parent came back)."""

    member = models.ForeignKey(
        # Derived from the member: an entry means nothing without it (a deleted member takes it along).
        "registry.Member",
        verbose_name=_("成员"),
        on_delete=models.CASCADE,
        related_name="left_behind",
    )
    kind = models.CharField(_("类别"), max_length=10, choices=LEFT_BEHIND_KINDS)
    village = models.ForeignKey(
        "areas.Area", verbose_name=_("村"), on_delete=models.PROTECT, related_name="+"
    )
    since = models.DateField(_("列入日期"))
    ended_on = models.DateField(_("移出日期"), null=True, blank=True)
    end_reason = models.CharField(_("移出原因"), max_length=100, blank=True)
    confirmed = models.BooleanField(_("已摸底核实"), default=False)
    care = models.TextField(_("关爱服务记录"), blank=True)

    class Meta:
        verbose_name = _("三留守及残疾人")
        verbose_name_plural = _("三留守及残疾人")
        ordering = ["village_id", "kind", "member_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "kind"], condition=Q(ended_on__isnull=True), name="left_behind_live_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind}"

    def audit_label(self) -> str:
        return f"{self.member_id}:{self.kind}"
