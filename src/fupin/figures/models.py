"""Stored area figures, so whole-area pages read a few rows per village instead of recounting a province.

Per village: households and persons on the register by household status (`VillageFigure`), and exits
by year (`ExitFigure`). Towns, counties and the province are sums over the villages whose code lies in
their range. `services.refresh` recounts villages from the registry; every registry write keeps them
current (`signals.py` for the ORM paths, an explicit call after the bulk import's commit).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.core import codes


class VillageFigure(models.Model):
    village = models.ForeignKey(
        "areas.Area", verbose_name=_("村"), on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    status = models.CharField(_("状态"), max_length=10, choices=codes.HOUSEHOLD_STATUS.choices)
    households = models.PositiveIntegerField(_("户数"))
    persons = models.PositiveIntegerField(_("人数"))

    class Meta:
        verbose_name = _("村统计数")
        verbose_name_plural = _("村统计数")
        constraints = [models.UniqueConstraint(fields=["village", "status"], name="village_figure_unique")]

    def __str__(self) -> str:
        return f"{self.village_id} {self.status}"


class ExitFigure(models.Model):
    """Households recorded as exited (a status change to 已脱贫) in a year, with their persons on the
    register now (the targets page's rule)."""

    village = models.ForeignKey(
        "areas.Area", verbose_name=_("村"), on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    households = models.PositiveIntegerField(_("户数"))
    persons = models.PositiveIntegerField(_("人数"))

    class Meta:
        verbose_name = _("脱贫统计数")
        verbose_name_plural = _("脱贫统计数")
        constraints = [models.UniqueConstraint(fields=["village", "year"], name="exit_figure_unique")]

    def __str__(self) -> str:
        return f"{self.village_id} {self.year}"


class VillageVerdict(models.Model):
    """One row of the policy's village table (/policy/villages/) for a policy, year and village, as the
    batch engine computed it. Any registry change in the village deletes its rows (signals.py); the page
    evaluates only the villages without a row and stores them."""

    policy_key = models.CharField(_("政策"), max_length=100)
    year = models.PositiveSmallIntegerField(_("年度"))
    village = models.ForeignKey(
        "areas.Area", verbose_name=_("村"), on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    row = models.JSONField(_("结果"))
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("村评估结果")
        verbose_name_plural = _("村评估结果")
        constraints = [
            models.UniqueConstraint(fields=["policy_key", "year", "village"], name="village_verdict_unique")
        ]

    def __str__(self) -> str:
        return f"{self.policy_key} {self.year} {self.village_id}"
