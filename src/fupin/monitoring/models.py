"""Dynamic monitoring (动态监测): other departments' lists, the findings they raise, risk warnings, and
the systems of the 民政 interchange.

Nothing here changes the registry. A list is kept as it was loaded (one `ExternalList` per file, with its
checksum: a re-sent identical file is the same list); a finding points at the registry record it concerns
and carries the evidence from both sides; a user confirms or dismisses it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}


class ListKind(models.TextChoices):
    CIVIL = "civil", _("民政低保/特困名单")
    DEATHS = "deaths", _("公安死亡名单")
    MOVES = "moves", _("公安户籍迁出名单")
    DISABILITY = "disability", _("残联残疾人名单")
    VEHICLES = "vehicles", _("公安车辆登记")
    PROPERTY = "property", _("房管不动产登记")
    BUSINESS = "business", _("工商注册登记")
    PAYROLL = "payroll", _("财政供养人员名单")


class ExternalList(models.Model):
    """One department list as it was loaded: which, of what date, from where, by whom, its checksum."""

    kind = models.CharField(_("名单类型"), max_length=12, choices=ListKind.choices)
    list_date = models.DateField(_("名单日期"))
    source = models.CharField(_("来源"), max_length=100)
    file_name = models.CharField(_("文件名"), max_length=200, blank=True)
    checksum = models.CharField(_("校验值"), max_length=64)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), null=True, on_delete=models.PROTECT
    )
    loaded_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    # The area the list covers; a finding with no household (a 低保 recipient not registered) is
    # seen by the users of this area. Empty: the whole system.
    area_code = models.CharField(_("覆盖区域"), max_length=15, blank=True)
    system = models.ForeignKey(
        "InterchangeSystem", verbose_name=_("对接系统"), null=True, blank=True, on_delete=models.PROTECT
    )
    rows_read = models.PositiveIntegerField(_("读取行数"), default=0)
    rows_loaded = models.PositiveIntegerField(_("导入行数"), default=0)
    # [{"row": 5, "column": "证件号码", "code": "id_checksum", "message": "..."}]
    skipped = models.JSONField(_("跳过的行"), default=list, blank=True)

    class Meta:
        verbose_name = _("部门名单")
        verbose_name_plural = _("部门名单")
        ordering = ["-list_date", "-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "checksum"], name="external_list_same_file")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.list_date}"


class ExternalRecord(models.Model):
    """One person of a department list. `id_number` is normalised (15 digits upgraded, X upper-case)
    and empty when the list gave none; `id_valid` says whether it passed the GB 11643 checks."""

    external_list = models.ForeignKey(ExternalList, on_delete=models.CASCADE, related_name="records")
    row = models.PositiveIntegerField(_("行号"))
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("证件号码"), max_length=18, blank=True)
    id_valid = models.BooleanField(default=False)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    place = models.CharField(_("地址"), max_length=100, blank=True)
    category = models.CharField(_("类别"), max_length=40, blank=True)
    detail = models.CharField(_("说明"), max_length=200, blank=True)
    amount = models.DecimalField(_("金额"), **MONEY, null=True, blank=True)
    event_date = models.DateField(_("日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("名单记录")
        verbose_name_plural = _("名单记录")
        ordering = ["external_list_id", "row"]
        indexes = [models.Index(fields=["id_number"], name="external_record_id_number")]

    def __str__(self) -> str:
        return f"{self.external_list_id}:{self.row}"


class Finding(models.Model):
    """One problem a rule found. `key` identifies the problem across runs (rule + the records it
    concerns); `evidence_hash` says whether its evidence changed since a user decided on it."""

    class Status(models.TextChoices):
        OPEN = "open", _("待核实")
        CONFIRMED = "confirmed", _("已确认")
        DISMISSED = "dismissed", _("已排除")
        CLOSED = "closed", _("已整改")

    rule = models.CharField(_("规则"), max_length=30, db_index=True)
    key = models.CharField(max_length=200, unique=True)
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    member = models.ForeignKey(
        "registry.Member", verbose_name=_("成员"), null=True, blank=True, on_delete=models.PROTECT
    )
    area_code = models.CharField(_("区域"), max_length=15, db_index=True)
    household_no = models.CharField(_("户编号"), max_length=30, blank=True)
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    id_number = models.CharField(_("证件号码"), max_length=18, blank=True)
    detail = models.CharField(_("说明"), max_length=300)
    score = models.PositiveSmallIntegerField(_("匹配分"), default=100)
    evidence = models.JSONField(_("证据"), default=dict)
    evidence_hash = models.CharField(max_length=64)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    reason = models.CharField(_("处理说明"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decided_hash = models.CharField(max_length=64, blank=True)  # the evidence the decision was about
    first_seen = models.DateTimeField(_("发现时间"))
    last_seen = models.DateTimeField(_("最近比对"))
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("比对发现")
        verbose_name_plural = _("比对发现")
        ordering = ["area_code", "household_no", "rule", "id"]
        indexes = [models.Index(fields=["status", "rule"], name="finding_status_rule")]

    def __str__(self) -> str:
        return f"{self.rule} {self.household_no}"


class RiskWarning(models.Model):
    """A 防返贫 monitoring warning on a household: its category, why, since when, and when the risk ended."""

    class Category(models.TextChoices):
        UNSTABLE = "unstable", _("脱贫不稳定户")
        MARGINAL = "marginal", _("边缘易致贫户")
        SUDDEN = "sudden", _("突发严重困难户")

    household = models.ForeignKey(
        "registry.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="risk_warnings"
    )
    area_code = models.CharField(_("区域"), max_length=15, db_index=True)
    category = models.CharField(_("类别"), max_length=10, choices=Category.choices)
    reason = models.CharField(_("原因"), max_length=300)
    evidence = models.JSONField(_("依据"), default=dict)
    identified_on = models.DateField(_("识别日期"))
    eliminated_on = models.DateField(_("风险消除日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("返贫风险预警")
        verbose_name_plural = _("返贫风险预警")
        ordering = ["area_code", "household_id", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "category"],
                condition=models.Q(eliminated_on__isnull=True),
                name="risk_warning_one_open_per_category",
            )
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.category}"


class RiskEvent(models.Model):
    """A hardship reported for a household (large medical costs, disaster, loss of the only labour force):
    what the 突发严重困难户 warning looks at beside the income."""

    class Kind(models.TextChoices):
        MEDICAL = "medical", _("大额医疗支出")
        DISASTER = "disaster", _("自然灾害")
        LABOUR_LOSS = "labour_loss", _("唯一劳动力丧失劳动能力")

    household = models.ForeignKey(
        "registry.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="risk_events"
    )
    kind = models.CharField(_("事件"), max_length=12, choices=Kind.choices)
    occurred_on = models.DateField(_("发生日期"))
    amount = models.DecimalField(_("金额（元）"), **MONEY, null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, on_delete=models.PROTECT
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("困难事件")
        verbose_name_plural = _("困难事件")
        ordering = ["-occurred_on", "-id"]

    def __str__(self) -> str:
        return f"{self.household_id} {self.kind} {self.occurred_on}"


class InterchangeSystem(models.Model):
    """Another department's system allowed to use the interchange API, with its own key (only the key's
    SHA-256 is stored) and the area whose registry it may ask about."""

    code = models.SlugField(_("系统代码"), max_length=40, unique=True)
    name = models.CharField(_("系统名称"), max_length=100)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("对接区域"), on_delete=models.PROTECT, related_name="+"
    )
    key_prefix = models.CharField(_("密钥开头"), max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("对接系统")
        verbose_name_plural = _("对接系统")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class Exchange(models.Model):
    """One call of the interchange API, accepted or refused (the audit trail has the same entry)."""

    system = models.ForeignKey(
        InterchangeSystem, verbose_name=_("对接系统"), null=True, blank=True, on_delete=models.PROTECT
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    action = models.CharField(_("操作"), max_length=20)  # push / status
    outcome = models.CharField(_("结果"), max_length=20)  # ok / refused code
    count = models.PositiveIntegerField(_("人数"), default=0)
    detail = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("数据交换记录")
        verbose_name_plural = _("数据交换记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.outcome}"
