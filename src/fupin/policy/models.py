"""Stored verdicts of a bulk assessment (`fupin assess --save`), and the registry snapshots."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.core.tracking import TrackedModel


class Assessment(models.Model):
    policy = models.CharField(_("政策"), max_length=40)
    year = models.PositiveSmallIntegerField(_("年度"))
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("户"), on_delete=models.CASCADE, related_name="assessments"
    )
    members = models.PositiveIntegerField(_("在册人口"))
    per_capita_income = models.DecimalField(
        _("人均可支配收入"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    below_line = models.BooleanField(_("低于贫困线"))
    # None in a year judged by the identification rule only (before the policy's first year).
    exit_eligible = models.BooleanField(_("符合脱贫条件"), null=True)
    unmet = models.CharField(_("未达标项"), max_length=80, blank=True)
    assessed_at = models.DateTimeField(_("评估时间"))

    class Meta:
        verbose_name = _("政策评估结果")
        verbose_name_plural = _("政策评估结果")
        constraints = [
            models.UniqueConstraint(fields=["policy", "year", "household"], name="assessment_unique")
        ]
        indexes = [models.Index(fields=["policy", "year", "below_line"], name="assessment_year_below")]

    def __str__(self) -> str:
        return f"{self.policy} {self.year} {self.household_id}"


class SnapshotLocked(Exception):
    """An attempt to change or delete a locked snapshot."""


class SnapshotQuerySet(models.QuerySet):
    def delete(self):
        if self.filter(locked=True).exists():
            raise SnapshotLocked("锁定的快照不能删除")
        return super().delete()


class Snapshot(TrackedModel):
    """A Parquet snapshot of the registry for one year (`fupin.batch.snapshot`), and whether it is locked.

    A locked snapshot never changes: its record refuses updates and deletes (the model, its queryset,
    and a database trigger for UPDATE), its files are made read-only, and every reader checks the files
    against the manifest, whose digest is kept here. Kinds: 'baseline' (the registry as identified:
    targets are planned from it), 'year_close' (the locked registry of a closed year: the batch engine
    and the pages read it instead of the live database), 'adhoc'.
    """

    KINDS = [
        ("baseline", _("基线（识别时的登记）")),
        ("year_close", _("年度锁定")),
        ("adhoc", _("临时")),
    ]

    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("类型"), max_length=12, choices=KINDS)
    area = models.CharField(_("范围（区划代码，空为全部）"), max_length=15, blank=True)
    path = models.CharField(_("目录"), max_length=500)
    manifest = models.JSONField(_("清单"))
    manifest_sha256 = models.CharField(_("清单校验值"), max_length=64)
    locked = models.BooleanField(_("已锁定"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("生成人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("锁定人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    locked_at = models.DateTimeField(_("锁定时间"), null=True, blank=True)

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        verbose_name = _("登记快照")
        verbose_name_plural = _("登记快照")
        ordering = ["-year", "-created_at"]
        constraints = [
            # One locked baseline and one locked year close per year and scope.
            models.UniqueConstraint(
                fields=["kind", "year", "area"],
                condition=models.Q(locked=True, kind__in=["baseline", "year_close"]),
                name="snapshot_one_locked_per_year",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year} {self.area or '*'}"

    def audit_label(self) -> str:
        return f"{self.kind} {self.year} {self.area or '*'}"

    def save(self, *args, **kwargs):
        if self.pk is not None and Snapshot.objects.filter(pk=self.pk, locked=True).exists():
            raise SnapshotLocked(f"快照 {self.audit_label()} 已锁定，不能修改")
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.pk is not None and Snapshot.objects.filter(pk=self.pk, locked=True).exists():
            raise SnapshotLocked(f"快照 {self.audit_label()} 已锁定，不能删除")
        return super().delete(*args, **kwargs)

    def covers(self, area: str | None) -> bool:
        """Whether the snapshot holds the whole of `area` (None: the whole registry)."""
        if not self.area:
            return True
        return area is not None and area.startswith(self.area)
