"""Funds and projects: allocations (资金下达) with their source and document number, projects through
their lifecycle, expenses that each point to an allocation, project documents, and yearly bank figures."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from fupin.core.tracking import TrackedModel

from . import codes

MONEY = {"max_digits": 14, "decimal_places": 2}
HISTORY = {"user_db_constraint": False}


class Allocation(TrackedModel):
    """Money put at an area's disposal by one document (资金下达)."""

    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000)])
    document_no = models.CharField(_("文号"), max_length=80)
    source = models.CharField(_("资金来源"), max_length=20, choices=codes.SOURCE.choices)
    title = models.CharField(_("资金名称"), max_length=120)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("下达到"), on_delete=models.PROTECT, related_name="allocations"
    )
    # Project types the money may be spent on, comma-separated codes; blank: any type.
    purposes = models.CharField(_("资金用途"), max_length=300, blank=True)
    amount = models.DecimalField(_("金额"), **MONEY)
    allocated_on = models.DateField(_("下达日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("录入人")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(**HISTORY)

    class Meta:
        verbose_name = _("资金下达")
        verbose_name_plural = _("资金下达")
        ordering = ["-year", "area_id", "source", "id"]
        indexes = [models.Index(fields=["year", "area"], name="allocation_year_area")]

    def __str__(self) -> str:
        return f"{self.document_no} {self.title}"

    def audit_label(self) -> str:
        return f"{self.document_no} {self.area_id}"

    @property
    def purpose_codes(self) -> list[str]:
        return [c for c in self.purposes.split(",") if c]

    @property
    def per_person(self) -> bool:
        return self.source in codes.PER_PERSON_SOURCES

    def allows(self, project_type: str) -> bool:
        return not self.purpose_codes or project_type in self.purpose_codes


class Project(TrackedModel):
    name = models.CharField(_("项目名称"), max_length=120)
    village = models.ForeignKey(
        "areas.Area", verbose_name=_("村"), on_delete=models.PROTECT, related_name="fund_projects"
    )
    project_type = models.CharField(_("项目类型"), max_length=20, choices=codes.PROJECT_TYPE.choices)
    allocation = models.ForeignKey(
        Allocation, verbose_name=_("资金来源（下达）"), on_delete=models.PROTECT, related_name="projects"
    )
    budget = models.DecimalField(_("预算金额"), **MONEY)
    beneficiaries = models.PositiveIntegerField(_("受益人数"))
    contractor = models.CharField(_("承建单位"), max_length=120, blank=True)
    contract_amount = models.DecimalField(_("合同金额"), null=True, blank=True, **MONEY)
    status = models.CharField(
        _("状态"), max_length=12, choices=codes.PROJECT_STATUS.choices, default="proposed"
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("申报人")
    )
    proposed_on = models.DateField(_("申报日期"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("审批人"),
    )
    approved_on = models.DateField(_("审批日期"), null=True, blank=True)
    tender_on = models.DateField(_("招标日期"), null=True, blank=True)
    started_on = models.DateField(_("开工日期"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("验收人"),
    )
    accepted_on = models.DateField(_("验收日期"), null=True, blank=True)
    evaluated_on = models.DateField(_("绩效评价日期"), null=True, blank=True)
    evaluation = models.CharField(
        _("绩效评价"), max_length=10, choices=codes.EVALUATION_GRADE.choices, blank=True
    )
    note = models.CharField(_("备注"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords(excluded_fields=["version"], **HISTORY)

    class Meta:
        verbose_name = _("扶贫项目")
        verbose_name_plural = _("扶贫项目")
        ordering = ["-proposed_on", "id"]

    def __str__(self) -> str:
        return self.name

    def audit_label(self) -> str:
        return f"{self.village_id} {self.name}"

    @property
    def kind(self) -> str:
        return "household" if self.project_type in codes.HOUSEHOLD_TYPE_CODES else "village"


class Expense(TrackedModel):
    """One payment (拨付): out of one allocation, for a project or straight to a household."""

    allocation = models.ForeignKey(
        Allocation, verbose_name=_("资金下达"), on_delete=models.PROTECT, related_name="expenses"
    )
    project = models.ForeignKey(
        Project,
        verbose_name=_("项目"),
        on_delete=models.PROTECT,
        related_name="expenses",
        null=True,
        blank=True,
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("户"),
        on_delete=models.PROTECT,
        related_name="fund_expenses",
        null=True,
        blank=True,
    )
    village = models.ForeignKey(
        "areas.Area", verbose_name=_("村"), on_delete=models.PROTECT, related_name="fund_expenses"
    )
    project_type = models.CharField(_("用途（项目类型）"), max_length=20, choices=codes.PROJECT_TYPE.choices)
    amount = models.DecimalField(_("金额"), **MONEY)
    paid_on = models.DateField(_("拨付日期"))
    payee = models.CharField(_("收款方"), max_length=120)
    voucher_no = models.CharField(_("凭证号"), max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("录入人")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(**HISTORY)

    class Meta:
        verbose_name = _("资金拨付")
        verbose_name_plural = _("资金拨付")
        ordering = ["-paid_on", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="expense_positive")]

    def __str__(self) -> str:
        return f"{self.paid_on} {self.amount}"

    def audit_label(self) -> str:
        return f"{self.allocation_id}:{self.amount}"


class ProjectDocument(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("文件类别"), max_length=12, choices=codes.DOCUMENT_KIND.choices)
    name = models.CharField(_("文件名"), max_length=200)
    file = models.FileField(upload_to="funds/documents/%Y/")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("项目文件")
        verbose_name_plural = _("项目文件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class LoanFigure(models.Model):
    """A year-end loan balance from the bank's yearly figures (R14): of a poor village, of a poor
    household, or the city's and the city's rural totals the two are compared with."""

    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000)])
    kind = models.CharField(_("类别"), max_length=10, choices=codes.LOAN_KIND.choices)
    # Village code (village, household) or the city's code (city, rural); scoping goes by it.
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("区划"))
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    balance = models.DecimalField(_("贷款余额"), **MONEY)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("贷款数据")
        verbose_name_plural = _("贷款数据")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "kind", "area"],
                condition=models.Q(household__isnull=True),
                name="loan_figure_area_unique",
            ),
            models.UniqueConstraint(
                fields=["year", "household"],
                condition=models.Q(household__isnull=False),
                name="loan_figure_household_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.kind} {self.area_id}"
