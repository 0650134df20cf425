"""Village indicators (R13): a village's infrastructure and public services for a year, with history."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from fupin.core.tracking import TrackedModel


class VillageIndicators(TrackedModel):
    village = models.ForeignKey(
        "areas.Area", verbose_name=_("村"), on_delete=models.PROTECT, related_name="indicators"
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000)])
    road_km_hardened = models.DecimalField(
        _("本年硬底化村道（公里）"),
        max_digits=8,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    roads_reach_all = models.BooleanField(_("200人以上自然村全部通硬底化路"), default=False)
    road_widened = models.BooleanField(_("通行政村道路已扩宽"), default=False)
    safe_water = models.BooleanField(_("饮水安全全覆盖"), default=False)
    electricity = models.BooleanField(_("通电"), default=False)
    radio_tv = models.BooleanField(_("广播电视"), default=False)
    broadband = models.BooleanField(_("宽带/4G"), default=False)
    health_station = models.BooleanField(_("标准化卫生站（有执业（助理）医师）"), default=False)
    irrigation = models.BooleanField(_("农田灌溉有保障"), default=False)
    collective_income = models.DecimalField(
        _("村集体经济收入（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("村基础设施和公共服务指标")
        verbose_name_plural = _("村基础设施和公共服务指标")
        constraints = [
            models.UniqueConstraint(fields=["village", "year"], name="village_indicators_unique"),
            models.CheckConstraint(
                condition=models.Q(road_km_hardened__gte=0), name="indicators_km_not_negative"
            ),
        ]
        ordering = ["village_id", "year"]

    def __str__(self) -> str:
        return f"{self.village_id} {self.year}"

    def audit_label(self) -> str:
        return f"{self.village_id} {self.year}"
