"""The administrative tree 省 → 市 → 县 → 镇 → 村 → 村民小组, keyed by national code.

An area's code is its significant digits only (广东省 "44", 清远市 "4418", 连州市 "441882",
星子镇 "441882101", a village 12 digits, a village group 15), so "inside an area" is "code starts
with the area's code" — one indexed prefix comparison, no tree walk.
"""

from __future__ import annotations

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.core.codes import AREA_LEVEL
from fupin.core.tracking import TrackedModel

CODE_LENGTH = {"province": 2, "city": 4, "county": 6, "town": 9, "village": 12, "group": 15}
LEVEL_BY_LENGTH = {length: level for level, length in CODE_LENGTH.items()}


class Area(TrackedModel):
    code = models.CharField(
        _("区划代码"), max_length=15, primary_key=True, validators=[RegexValidator(r"^\d{2,15}$")]
    )
    name = models.CharField(_("名称"), max_length=60)
    level = models.CharField(_("级别"), max_length=10, choices=AREA_LEVEL.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def audit_label(self) -> str:
        return f"{self.code} {self.name}"

    def contains(self, code: str | None) -> bool:
        return bool(code) and code.startswith(self.code)


class VillageYear(TrackedModel):
    """A village's facts for one year: registered (户籍) population and per-capita income."""

    village = models.ForeignKey(Area, verbose_name=_("村"), on_delete=models.PROTECT, related_name="years")
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000)])
    registered_population = models.PositiveIntegerField(_("户籍人口"))
    per_capita_income = models.DecimalField(
        _("村人均可支配收入"), max_digits=12, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("村年度情况")
        verbose_name_plural = _("村年度情况")
        constraints = [models.UniqueConstraint(fields=["village", "year"], name="village_year_unique")]
        ordering = ["village_id", "year"]

    def __str__(self) -> str:
        return f"{self.village_id} {self.year}"

    def audit_label(self) -> str:
        return f"{self.village_id} {self.year}"


class VillageDesignation(TrackedModel):
    """A village's designation as relatively poor (相对贫困村认定) and, later, its exit (出列).

    A recorded decision, not a figure recomputed from a year's income: the designation stands from
    `designated_year` until `exited_year` (the year of 出列). `decision` names the procedure or document
    that decided it (the procedures app writes it when a designation or exit procedure completes).
    """

    village = models.ForeignKey(
        Area, verbose_name=_("村"), on_delete=models.PROTECT, related_name="designations"
    )
    designated_year = models.PositiveSmallIntegerField(_("认定年度"), validators=[MinValueValidator(2000)])
    exited_year = models.PositiveSmallIntegerField(
        _("出列年度"), null=True, blank=True, validators=[MinValueValidator(2000)]
    )
    decision = models.CharField(_("认定依据"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("相对贫困村认定")
        verbose_name_plural = _("相对贫困村认定")
        constraints = [
            models.UniqueConstraint(fields=["village", "designated_year"], name="village_designation_unique")
        ]
        ordering = ["village_id", "designated_year"]

    def __str__(self) -> str:
        return f"{self.village_id} {self.designated_year}"

    def audit_label(self) -> str:
        return f"{self.village_id} {self.designated_year}"

    def in_force(self, year: int) -> bool:
        """Designated during `year`: designated in or before it and not exited before it."""
        return self.designated_year <= year and (self.exited_year is None or self.exited_year >= year)
