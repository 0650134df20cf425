"""Stored verdicts of a bulk assessment (`fupin assess --save`), one row per household, policy and year."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
    exit_eligible = models.BooleanField(_("符合脱贫条件"))
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
