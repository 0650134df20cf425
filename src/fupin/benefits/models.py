"""Benefits (惠民政策落实): what a household is entitled to and what was paid to it.

An `Entitlement` is one thing a household (or one of its members) is due: a medical-aid claim's aid, a
school year's education subsidy, a renovation subsidy, a year's loan interest subsidy, a dividend. A
`Payment` pays (part of) an entitlement to the household's 一卡通 account; it goes to the bank in a
`BankBatch` (an xlsx file) and comes back paid or failed. A failed payment stays open: it does not count
against the entitlement, and the household's page shows it until it is paid again.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}


class Kind(models.TextChoices):
    MEDICAL = "medical", _("医疗救助")
    EDUCATION = "education", _("教育生活补助")
    HOUSING = "housing", _("危房改造补助")
    CREDIT = "credit", _("小额信贷贴息")
    DIVIDEND = "dividend", _("资产收益分红")


class MedicalClaim(models.Model):
    """One medical bill after insurance: the aid due is the policy's share of the compliant remainder."""

    household = models.ForeignKey(
        "registry.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="medical_claims"
    )
    member = models.ForeignKey(
        "registry.Member", verbose_name=_("患者"), on_delete=models.PROTECT, related_name="medical_claims"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    treated_on = models.DateField(_("出院（结算）日期"))
    hospital = models.CharField(_("医疗机构"), max_length=100)
    total_cost = models.DecimalField(_("医疗总费用"), **MONEY)
    compliant_cost = models.DecimalField(_("合规医疗费用"), **MONEY)
    basic_insurance = models.DecimalField(_("基本医保报销"), **MONEY)
    critical_insurance = models.DecimalField(_("大病保险报销"), **MONEY)
    other_insurance = models.DecimalField(_("其他保险报销"), **MONEY)
    share = models.DecimalField(_("救助比例"), max_digits=5, decimal_places=4)
    aid_due = models.DecimalField(_("应救助金额"), **MONEY)
    aid_granted = models.DecimalField(_("核定救助金额"), **MONEY)
    policy = models.CharField(_("政策"), max_length=40)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("医疗救助申请")
        verbose_name_plural = _("医疗救助申请")
        ordering = ["-treated_on", "-id"]

    def __str__(self) -> str:
        return f"{self.household_id} {self.treated_on}"

    @property
    def insurance(self) -> Decimal:
        return self.basic_insurance + self.critical_insurance + self.other_insurance

    @property
    def shortfall(self) -> Decimal:
        return max(self.aid_due - self.aid_granted, Decimal("0.00"))


class Renovation(models.Model):
    """危房改造: a dilapidated house (grade C or D) renovated with a subsidy of its class."""

    GRADES = [("C", _("C级危房")), ("D", _("D级危房"))]
    CLASSES = [("rebuild", _("拆除重建")), ("repair", _("修缮加固")), ("relocate", _("集中安置"))]
    STATUSES = [("planned", _("已立项")), ("building", _("施工中")), ("done", _("已竣工验收"))]

    household = models.ForeignKey(
        "registry.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="renovations"
    )
    grade = models.CharField(_("危房级别"), max_length=1, choices=GRADES)
    subsidy_class = models.CharField(_("补助类别"), max_length=10, choices=CLASSES)
    subsidy = models.DecimalField(_("补助金额"), **MONEY)
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(_("进度"), max_length=10, choices=STATUSES, default="planned")
    completed_on = models.DateField(_("竣工日期"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("危房改造")
        verbose_name_plural = _("危房改造")
        ordering = ["household_id", "year"]

    def __str__(self) -> str:
        return f"{self.household_id} {self.grade}"


class Loan(models.Model):
    """扶贫小额信贷: a loan to a registered household's member, with a yearly interest subsidy."""

    household = models.ForeignKey(
        "registry.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="loans"
    )
    borrower = models.ForeignKey(
        "registry.Member", verbose_name=_("借款人"), on_delete=models.PROTECT, related_name="loans"
    )
    bank = models.CharField(_("贷款银行"), max_length=60)
    amount = models.DecimalField(_("贷款金额"), **MONEY)
    term_months = models.PositiveSmallIntegerField(_("期限（月）"))
    rate = models.DecimalField(_("年利率"), max_digits=6, decimal_places=4)
    start_date = models.DateField(_("放款日期"))
    due_date = models.DateField(_("到期日期"))
    purpose = models.CharField(_("用途"), max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("扶贫小额信贷")
        verbose_name_plural = _("扶贫小额信贷")
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return f"{self.household_id} {self.amount}"

    @property
    def yearly_subsidy(self) -> Decimal:
        """财政贴息 per year: the full interest at the loan's rate on its amount."""
        return (self.amount * self.rate).quantize(Decimal("0.01"))


class Repayment(models.Model):
    loan = models.ForeignKey(
        Loan, verbose_name=_("贷款"), on_delete=models.CASCADE, related_name="repayments"
    )
    paid_on = models.DateField(_("还款日期"))
    principal = models.DecimalField(_("本金"), **MONEY)
    interest = models.DecimalField(_("利息"), **MONEY, default=Decimal("0.00"))

    class Meta:
        verbose_name = _("还款")
        verbose_name_plural = _("还款")
        ordering = ["loan_id", "paid_on", "id"]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.paid_on} {self.principal}"


class Asset(models.Model):
    """资产收益: an asset bought with public funds whose income is shared among households."""

    village = models.ForeignKey(
        "areas.Area", verbose_name=_("村"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("资产名称"), max_length=100)
    kind = models.CharField(_("资产类型"), max_length=40)
    cost = models.DecimalField(_("购置金额"), **MONEY)
    acquired_year = models.PositiveSmallIntegerField(_("购置年度"))
    fund_source = models.CharField(_("资金来源"), max_length=100)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("收益资产")
        verbose_name_plural = _("收益资产")
        ordering = ["village_id", "name"]

    def __str__(self) -> str:
        return self.name


class Shareholding(models.Model):
    asset = models.ForeignKey(
        Asset, verbose_name=_("资产"), on_delete=models.CASCADE, related_name="holdings"
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="shareholdings"
    )
    shares = models.PositiveIntegerField(_("股数"))

    class Meta:
        verbose_name = _("持股")
        verbose_name_plural = _("持股")
        constraints = [models.UniqueConstraint(fields=["asset", "household"], name="benefits_one_holding")]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.household_id} {self.shares}"


class Dividend(models.Model):
    """One year's payout of an asset, shared by its holdings (the last holding takes the remainder)."""

    asset = models.ForeignKey(
        Asset, verbose_name=_("资产"), on_delete=models.CASCADE, related_name="dividends"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    total = models.DecimalField(_("分红总额"), **MONEY)

    class Meta:
        verbose_name = _("分红")
        verbose_name_plural = _("分红")
        constraints = [models.UniqueConstraint(fields=["asset", "year"], name="benefits_one_dividend_a_year")]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.year} {self.total}"


class Entitlement(models.Model):
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="entitlements"
    )
    member = models.ForeignKey(
        "registry.Member",
        verbose_name=_("享受人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entitlements",
    )
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(_("应享金额"), **MONEY)
    stage = models.CharField(_("学段"), max_length=24, blank=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    claim = models.OneToOneField(MedicalClaim, null=True, blank=True, on_delete=models.PROTECT)
    renovation = models.ForeignKey(Renovation, null=True, blank=True, on_delete=models.PROTECT)
    loan = models.ForeignKey(Loan, null=True, blank=True, on_delete=models.PROTECT)
    dividend = models.ForeignKey(Dividend, null=True, blank=True, on_delete=models.PROTECT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("应享待遇")
        verbose_name_plural = _("应享待遇")
        ordering = ["-year", "household_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "year"], condition=Q(kind="education"), name="benefits_one_education_a_year"
            ),
            models.UniqueConstraint(
                fields=["loan", "year"], condition=Q(kind="credit"), name="benefits_one_credit_subsidy_a_year"
            ),
        ]
        indexes = [models.Index(fields=["kind", "year"], name="entitlement_kind_year")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year} {self.amount}"


class BankBatch(models.Model):
    """代发批次: the payments sent to the bank in one xlsx file, and the day its result came back."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    results_at = models.DateTimeField(_("回盘导入时间"), null=True, blank=True)
    area = models.CharField(_("范围"), max_length=15, blank=True)

    class Meta:
        verbose_name = _("代发批次")
        verbose_name_plural = _("代发批次")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"PC{self.pk:06d}"


class Payment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待导出")
        EXPORTED = "exported", _("已送银行")
        PAID = "paid", _("已到账")
        FAILED = "failed", _("支付失败")

    entitlement = models.ForeignKey(
        Entitlement, verbose_name=_("应享待遇"), on_delete=models.PROTECT, related_name="payments"
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="benefit_payments"
    )
    amount = models.DecimalField(_("金额"), **MONEY)
    payee = models.CharField(_("收款人"), max_length=50)
    bank_name = models.CharField(_("开户银行"), max_length=60)
    bank_account = models.CharField(_("一卡通账号"), max_length=32)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    batch = models.ForeignKey(
        BankBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    failure_reason = models.CharField(_("失败原因"), max_length=200, blank=True)
    settled_on = models.DateField(_("到账日期"), null=True, blank=True)
    paid_for = models.DateField(_("支付日期"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("支付")
        verbose_name_plural = _("支付")
        ordering = ["-paid_for", "-id"]
        indexes = [
            models.Index(fields=["status"], name="payment_status"),
            models.Index(fields=["bank_account"], name="payment_account"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """付款编号 in the bank file: FK + 10 digits."""
        return f"FK{self.pk:010d}"

    @property
    def counts(self) -> bool:
        """Counts against its entitlement (everything but a failed payment)."""
        return self.status != self.Status.FAILED
