"""Procedures: a typed case (exit, return, removal) of one household, its steps, notices and objections.

A step, once recorded, is frozen: `Step.save` refuses to change a frozen row (a later change needs a
correction procedure). The procedure row carries a version; a step is recorded only by the request that
moved the procedure from the step it saw (`services.act`), and `(procedure, index)` is unique, so two
people approving the same step at once cannot both succeed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.core.tracking import TrackedModel


class FrozenStep(Exception):
    """A recorded step cannot be changed."""


class Procedure(TrackedModel):
    STATES = (
        ("open", _("办理中")),
        ("completed", _("已完成")),
        ("refused", _("未通过")),
    )
    kind = models.CharField(_("程序类型"), max_length=20)
    type_version = models.CharField(_("类型版本"), max_length=20)
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="procedures"
    )
    village = models.ForeignKey(
        "areas.Area", verbose_name=_("村"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    state = models.CharField(_("状态"), max_length=10, choices=STATES, default="open")
    current = models.PositiveSmallIntegerField(_("当前步骤"), default=0)
    due_date = models.DateField(_("办理期限"), null=True, blank=True)
    reason = models.TextField(_("提出理由"), blank=True)
    verdict = models.JSONField(_("政策引擎结论"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提出人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("程序")
        verbose_name_plural = _("程序")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "village"], name="procedure_state_village"),
            models.Index(fields=["kind", "year"], name="procedure_kind_year"),
        ]
        constraints = [
            # one open procedure per household: two exits of the same household cannot run side by side
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(state="open"),
                name="procedure_one_open_per_household",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.household_id} {self.year}"

    def audit_label(self) -> str:
        return f"{self.kind}:{self.household_id}:{self.year}"

    @property
    def definition(self):
        from .definitions import get

        return get(self.kind)

    @property
    def current_step(self):
        return self.definition.step(self.current) if self.state == "open" else None


class Notice(TrackedModel):
    """A 公示 or 公告 posted in a village: start and end dates, the issuing office; the PDF lists its steps."""

    KINDS = (("公示", _("公示")), ("公告", _("公告")))
    kind = models.CharField(_("类别"), max_length=4, choices=KINDS)
    village = models.ForeignKey(
        "areas.Area", verbose_name=_("村"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    office = models.CharField(_("发布单位"), max_length=60)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("公示公告")
        verbose_name_plural = _("公示公告")
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.village_id} {self.start_date}"

    def audit_label(self) -> str:
        return f"{self.kind}:{self.village_id}:{self.start_date}"


class Step(TrackedModel):
    procedure = models.ForeignKey(
        Procedure, verbose_name=_("程序"), on_delete=models.PROTECT, related_name="steps"
    )
    index = models.PositiveSmallIntegerField(_("序号"))
    code = models.CharField(_("步骤"), max_length=30)
    data = models.JSONField(_("记录"), default=dict, blank=True)
    attachment = models.FileField(_("附件"), upload_to="procedures/%Y/", blank=True)
    notice = models.ForeignKey(
        Notice,
        verbose_name=_("公示公告"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="steps",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("办理人"), on_delete=models.PROTECT, related_name="+"
    )
    acted_at = models.DateTimeField(_("办理时间"), default=timezone.now)
    frozen = models.BooleanField(_("已冻结"), default=True)

    class Meta:
        verbose_name = _("程序步骤")
        verbose_name_plural = _("程序步骤")
        ordering = ["procedure", "index"]
        constraints = [models.UniqueConstraint(fields=["procedure", "index"], name="step_once_per_procedure")]

    def __str__(self) -> str:
        return f"{self.procedure_id}#{self.index} {self.code}"

    def audit_label(self) -> str:
        return f"{self.procedure_id}:{self.index}:{self.code}"

    def save(self, *args, **kwargs):
        if self.pk is not None and Step.objects.filter(pk=self.pk, frozen=True).exists():
            raise FrozenStep(self.pk)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.frozen:
            raise FrozenStep(self.pk)
        return super().delete(*args, **kwargs)


class Objection(TrackedModel):
    """An objection received while a notice was posted; open until resolved with a finding."""

    notice = models.ForeignKey(
        Notice, verbose_name=_("公示公告"), on_delete=models.PROTECT, related_name="objections"
    )
    procedure = models.ForeignKey(
        Procedure, verbose_name=_("程序"), on_delete=models.PROTECT, related_name="objections"
    )
    text = models.TextField(_("异议内容"))
    received = models.DateField(_("收到日期"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    finding = models.TextField(_("核查结论"), blank=True)
    upheld = models.BooleanField(_("异议成立"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        ordering = ["received", "id"]

    def __str__(self) -> str:
        return f"{self.procedure_id} {self.received}"

    def audit_label(self) -> str:
        return f"{self.procedure_id}:{self.received}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
