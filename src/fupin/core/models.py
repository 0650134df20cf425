"""Users with a role and an area, and the hash-chained audit trail."""

from __future__ import annotations

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


class User(AbstractUser):
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

    Each entry carries the hash of the one before, so a changed or deleted entry breaks the chain
    (`fupin audit verify`). Rows are only ever inserted, by `fupin.core.audit.record`.
    """

    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        User, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL, db_constraint=False
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
        ordering = ["id"]

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.object_type} {self.object_id}"
        )
