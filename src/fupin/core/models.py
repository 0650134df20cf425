"""Users with a role and an area, and the hash-chained audit trail."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import (
    AGGREGATE_READERS,
    HOUSEHOLD_MANAGERS,
    HOUSEHOLD_READERS,
    REGISTRY_WRITERS,
    UNMASK_ALLOWED,
    Role,
)
from .tracking import TrackedModel


class User(TrackedModel, AbstractUser):
    """A user of the system. Its account changes go to the audit trail (fupin.core.signals)."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.VILLAGE_CADRE)
    # The area the user works in; a user without an area sees nothing (but an administrator).
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("所属区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN and self.is_active

    @property
    def reads_households(self) -> bool:
        return self.role in HOUSEHOLD_READERS

    @property
    def writes_registry(self) -> bool:
        return self.role in REGISTRY_WRITERS

    @property
    def manages_households(self) -> bool:
        return self.role in HOUSEHOLD_MANAGERS

    @property
    def may_unmask(self) -> bool:
        return self.role in UNMASK_ALLOWED

    @property
    def reads_aggregates(self) -> bool:
        return self.role in AGGREGATE_READERS

    @property
    def area_prefix(self) -> str | None:
        """The code prefix of the user's area; None means no area (and so no scoped data)."""
        return self.area_id or None


class AuditEvent(models.Model):
    """One entry of the append-only audit trail.

    Each entry has a gap-free sequence number and a keyed hash over all its fields and the hash of the
    one before, so a changed or deleted entry breaks the chain (`fupin audit verify`; fupin.core.audit).
    Rows are only ever inserted, by `fupin.core.audit.record`.
    """

    seq = models.BigIntegerField(_("序号"), unique=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    # The actor's id is hashed: it must stay as written even if the user is deleted later.
    actor = models.ForeignKey(
        User,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    actor_name = models.CharField(_("操作人账号"), max_length=150, blank=True)
    action = models.CharField(_("动作"), max_length=40, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=60, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True, db_index=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["seq"]

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.object_type} {self.object_id}"
        )


class ApiToken(models.Model):
    """A personal key for API scripts. Only its SHA-256 is kept; the key is shown once, on creation."""

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("用途"), max_length=100)
    prefix = models.CharField(_("开头"), max_length=8)  # lets the user tell their tokens apart
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Job(models.Model):
    """One piece of background work (an import, an export, a PDF …) run by `fupin worker`.

    Written only by fupin.core.jobs. A job is queued, running, succeeded or failed; a job whose worker
    died ends as failed with the reason (fupin.core.jobs.recover_interrupted), never stays running.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        SUCCEEDED = "succeeded", _("已完成")
        FAILED = "failed", _("失败")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(User, verbose_name=_("提交人"), on_delete=models.PROTECT, related_name="jobs")
    kind = models.CharField(_("类型"), max_length=200)  # the handler's dotted path
    title = models.CharField(_("名称"), max_length=200)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(_("阶段"), max_length=60, blank=True)
    done = models.PositiveBigIntegerField(default=0)
    total = models.PositiveBigIntegerField(null=True, blank=True)
    message = models.TextField(_("说明"), blank=True)
    result = models.JSONField(default=dict, blank=True)
    result_file = models.CharField(max_length=300, blank=True)  # under MEDIA_ROOT
    result_name = models.CharField(max_length=200, blank=True)  # the name the download gets
    result_type = models.CharField(max_length=100, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    worker = models.CharField(max_length=100, blank=True)  # host:pid of the process running it
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    files_removed_at = models.DateTimeField(null=True, blank=True)  # retention (fupin.core.retention)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)
