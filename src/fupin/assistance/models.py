"""Helpers (帮扶责任人) and the households assigned to them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fupin.core.tracking import TrackedModel


class HelperAssignment(TrackedModel):
    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("帮扶责任人"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="assignments"
    )
    start_date = models.DateField(_("开始帮扶时间"))
    end_date = models.DateField(_("结束帮扶时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("结对帮扶")
        verbose_name_plural = _("结对帮扶")
        constraints = [
            models.UniqueConstraint(
                fields=["helper", "household"],
                condition=Q(end_date__isnull=True),
                name="assignment_live_unique",
            )
        ]
        indexes = [models.Index(fields=["helper", "end_date"], name="assignment_helper_live")]

    def __str__(self) -> str:
        return f"{self.helper} → {self.household_id}"

    def audit_label(self) -> str:
        return f"{self.helper_id}->{self.household_id}"
