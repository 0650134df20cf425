"""The one write path of funds and projects.

Each function takes the acting user, checks the role and the area, validates, writes in one transaction
and leaves an audit entry (`core.tracking` for the tracked models, `core.audit` for the transitions and
uploads). Rules enforced here:
- an allocation has a document number, a positive amount and an area inside the user's;
- a project moves proposal → approval → tendering → implementation → acceptance (验收) → performance
  evaluation, one step at a time; approval and acceptance are by someone other than the proposer
  (maker-checker), and approval is refused when the budget exceeds what the allocation has left
  uncommitted;
- an expense never exceeds what its allocation has left, nor what its project's budget has left;
  a project is paid only once it is being implemented.
Spending outside an allocation's purpose is recorded (it happened) and found by `checks` (挤占挪用).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from fupin.areas.models import Area
from fupin.core import audit, uploads
from fupin.core.models import User
from fupin.core.money import to_money
from fupin.registry.models import Household

from . import codes
from .models import Allocation, Expense, LoanFigure, Project, ProjectDocument
from .selectors import MANAGERS, PROPOSERS, committed_on, per_person_rows, project_paid, spent_on


class FundsError(Exception):
    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


class NotPermitted(FundsError):
    def __init__(self, message: str = "您没有权限进行此操作"):
        super().__init__(message, "not_permitted")


class ConcurrentEdit(FundsError):
    def __init__(self):
        super().__init__("该项目已被他人修改，请刷新后重试", "stale")


def _ensure(actor: User, roles: frozenset, area_code: str) -> None:
    if not actor.is_authenticated or not actor.is_active or (not actor.is_admin and actor.role not in roles):
        raise NotPermitted()
    if not actor.is_admin and not (actor.area_id and area_code.startswith(actor.area_id)):
        raise NotPermitted("该地区不在您的工作范围内")


def _amount(value: object, field: str = "金额") -> Decimal:
    try:
        amount = to_money(value)
    except ValueError as exc:
        raise FundsError(f"{field}不是有效的金额", "bad_amount") from exc
    if amount <= 0:
        raise FundsError(f"{field}须大于0", "bad_amount")
    if amount >= Decimal("1e12"):
        raise FundsError(f"{field}过大", "bad_amount")
    return amount


def _text(value: str, field: str, *, required: bool = True, limit: int = 120) -> str:
    text = (value or "").strip()
    if required and not text:
        raise FundsError(f"请填写{field}", "required")
    if len(text) > limit or any(ord(c) < 32 for c in text):
        raise FundsError(f"{field}最多{limit}字，且不能含有控制字符", "bad_text")
    return text


# -- allocations ----------------------------------------------------------------------------------


@transaction.atomic
def create_allocation(
    *,
    actor: User,
    year: int,
    document_no: str,
    source: str,
    title: str,
    area: Area,
    amount: object,
    allocated_on: dt.date,
    purposes: list[str] | tuple[str, ...] = (),
) -> Allocation:
    _ensure(actor, MANAGERS, area.code)
    if source not in codes.SOURCE.codes:
        raise FundsError("资金来源无效", "bad_source")
    unknown = [p for p in purposes if p not in codes.PROJECT_TYPE.codes]
    if unknown:
        raise FundsError("资金用途中有未知的项目类型", "bad_purpose")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise FundsError("请填写四位年度", "bad_year")
    if area.level not in ("town", "village", "county"):
        raise FundsError("资金只能下达到县、镇或村", "bad_area")
    return Allocation.objects.create(
        year=year,
        document_no=_text(document_no, "文号", limit=80),
        source=source,
        title=_text(title, "资金名称"),
        area=area,
        amount=_amount(amount),
        allocated_on=allocated_on,
        purposes=",".join(purposes),
        created_by=actor,
    )


@transaction.atomic
def allocate_per_person(
    *, actor: User, year: int, document_no: str, allocated_on: dt.date, area: Area
) -> list[Allocation]:
    """Record the year's 20,000-yuan-per-person fund for every village under `area` as three
    allocations (province, Guangzhou, Qingyuan shares), from the registered persons of the year.
    A village that already has the year's per-person allocations is left as it is."""
    _ensure(actor, MANAGERS, area.code)
    document_no = _text(document_no, "文号", limit=80)
    existing = set(
        Allocation.objects.filter(year=year, source__in=codes.PER_PERSON_SOURCES).values_list(
            "area_id", flat=True
        )
    )
    names = dict(Area.objects.filter(code__startswith=area.code, level="village").values_list("code", "name"))
    created = []
    for row in per_person_rows(year=year, area=area.code, user=actor):
        if row["village_code"] in existing or row["village_code"] not in names:
            continue
        for source, share in zip(
            codes.PER_PERSON_SOURCES, ("province", "guangzhou", "qingyuan"), strict=True
        ):
            if row[share] <= 0:
                continue
            created.append(
                Allocation.objects.create(
                    year=year,
                    document_no=document_no,
                    source=source,
                    title=f"{year}年人均2万元财政扶贫资金（{row['persons']}人）",
                    area_id=row["village_code"],
                    amount=row[share],
                    allocated_on=allocated_on,
                    purposes=",".join(codes.PER_PERSON_PURPOSES),
                    created_by=actor,
                )
            )
    audit.record(
        "funds_allocate_per_person",
        "funds.Allocation",
        area.code,
        {"year": year, "created": len(created)},
        actor=actor,
    )
    return created


def uncommitted(allocation: Allocation) -> Decimal:
    return allocation.amount - spent_on(allocation) - committed_on(allocation)


# -- projects -------------------------------------------------------------------------------------


@transaction.atomic
def propose_project(
    *,
    actor: User,
    name: str,
    village: Area,
    project_type: str,
    allocation: Allocation,
    budget: object,
    beneficiaries: int,
    proposed_on: dt.date,
    note: str = "",
) -> Project:
    _ensure(actor, PROPOSERS, village.code)
    if village.level != "village":
        raise FundsError("项目须落实到村", "bad_area")
    if project_type not in codes.PROJECT_TYPE.codes:
        raise FundsError("项目类型无效", "bad_type")
    if not village.code.startswith(allocation.area_id):
        raise FundsError("所选资金不是下达到该村（或其所在镇）的", "bad_allocation")
    if not isinstance(beneficiaries, int) or beneficiaries <= 0:
        raise FundsError("受益人数须大于0", "bad_beneficiaries")
    return Project.objects.create(
        name=_text(name, "项目名称"),
        village=village,
        project_type=project_type,
        allocation=allocation,
        budget=_amount(budget, "预算金额"),
        beneficiaries=beneficiaries,
        proposed_by=actor,
        proposed_on=proposed_on,
        note=_text(note, "备注", required=False, limit=300),
    )


def _bump(project: Project, expected_version: int | None) -> None:
    if expected_version is None:
        expected_version = project.version
    if not Project.objects.filter(pk=project.pk, version=expected_version).update(version=F("version") + 1):
        raise ConcurrentEdit()
    project.version = expected_version + 1


@transaction.atomic
def advance_project(
    *,
    actor: User,
    project: Project,
    to_status: str,
    on: dt.date,
    expected_version: int | None = None,
    contractor: str = "",
    contract_amount: object = None,
    evaluation: str = "",
) -> Project:
    """Move a project one step along its lifecycle, with the date and what the step records."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    roles = PROPOSERS if to_status in ("tendering",) else MANAGERS
    _ensure(actor, roles, project.village_id)
    if to_status not in codes.TRANSITIONS.get(project.status, ()):
        raise FundsError(
            f"项目不能从“{codes.PROJECT_STATUS.label(project.status)}”变为“{codes.PROJECT_STATUS.label(to_status)}”",
            "bad_transition",
        )
    if to_status in ("approved", "rejected", "accepted") and actor.pk == project.proposed_by_id:
        raise FundsError("申报人不能审批或验收自己申报的项目（审核须由另一人进行）", "maker_checker")
    if on < project.proposed_on:
        raise FundsError("日期不能早于申报日期", "bad_date")
    if to_status == "approved":
        left = uncommitted(project.allocation)
        if project.budget > left:
            raise FundsError(
                f"预算 {project.budget:,.2f} 元超过所选资金尚未安排的 {left:,.2f} 元，不能审批",
                "over_allocation",
            )
        project.approved_by, project.approved_on = actor, on
    elif to_status == "rejected":
        project.approved_by, project.approved_on = actor, on
    elif to_status == "tendering":
        project.tender_on = on
    elif to_status == "implementing":
        project.contractor = _text(contractor, "承建单位")
        amount = _amount(contract_amount, "合同金额")
        if amount > project.budget:
            raise FundsError("合同金额超过项目预算", "over_budget")
        project.contract_amount = amount
        project.started_on = on
    elif to_status == "accepted":
        project.accepted_by, project.accepted_on = actor, on
    elif to_status == "evaluated":
        if evaluation not in codes.EVALUATION_GRADE.codes:
            raise FundsError("请选择绩效评价等级", "bad_evaluation")
        project.evaluation, project.evaluated_on = evaluation, on
    _bump(project, expected_version)
    before = project.status
    project.status = to_status
    project.save()
    audit.record(
        "funds_project_transition",
        "funds.Project",
        project.pk,
        {"from": before, "to": to_status, "on": on.isoformat()},
        actor=actor,
    )
    return project


# -- expenses -------------------------------------------------------------------------------------


@transaction.atomic
def record_expense(
    *,
    actor: User,
    allocation: Allocation,
    amount: object,
    paid_on: dt.date,
    payee: str,
    project: Project | None = None,
    household: Household | None = None,
    project_type: str = "",
    voucher_no: str = "",
) -> Expense:
    """Pay out of an allocation, for a project or straight to a household (到户)."""
    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    if project is not None:
        village_code, project_type = project.village_id, project.project_type
    elif household is not None:
        village_code = household.village_id
    else:
        raise FundsError("拨付须对应一个项目或一户", "no_target")
    _ensure(actor, MANAGERS, village_code)
    if project_type not in codes.PROJECT_TYPE.codes:
        raise FundsError("请选择资金用途（项目类型）", "bad_type")
    if not village_code.startswith(allocation.area_id):
        raise FundsError("该资金不是下达到这个村（或其所在镇）的", "bad_allocation")
    value = _amount(amount)
    if paid_on < allocation.allocated_on:
        raise FundsError("拨付日期不能早于资金下达日期", "bad_date")
    left = allocation.amount - spent_on(allocation)
    if value > left:
        raise FundsError(
            f"拨付 {value:,.2f} 元超过该笔资金（{allocation.document_no}）余额 {left:,.2f} 元，已拒绝",
            "over_allocation",
        )
    if project is not None:
        project = Project.objects.select_for_update().get(pk=project.pk)
        if project.allocation_id != allocation.pk:
            raise FundsError("项目的资金来源不是这笔资金", "bad_allocation")
        if project.status not in codes.PAYABLE:
            raise FundsError("项目开工实施后才能拨付", "not_payable")
        project_left = project.budget - project_paid(project)
        if value > project_left:
            raise FundsError(f"拨付超过项目预算余额 {project_left:,.2f} 元，已拒绝", "over_budget")
    return Expense.objects.create(
        allocation=allocation,
        project=project,
        household=household,
        village_id=village_code,
        project_type=project_type,
        amount=value,
        paid_on=paid_on,
        payee=_text(payee, "收款方"),
        voucher_no=_text(voucher_no, "凭证号", required=False, limit=60),
        created_by=actor,
    )


# -- documents ------------------------------------------------------------------------------------

DOCUMENT_KINDS = {"pdf", "image", "docx", "xlsx", "xls"}


@transaction.atomic
def add_document(*, actor: User, project: Project, kind: str, upload) -> ProjectDocument:
    _ensure(actor, PROPOSERS, project.village_id)
    if kind not in codes.DOCUMENT_KIND.codes:
        raise FundsError("文件类别无效", "bad_kind")
    try:
        uploads.check_upload(upload, kinds=DOCUMENT_KINDS)
    except uploads.UploadRefused as exc:
        raise FundsError(str(exc), "upload_refused") from exc
    name = _text(getattr(upload, "name", "") or "file", "文件名", limit=200)
    document = ProjectDocument.objects.create(
        project=project, kind=kind, name=name, file=upload, uploaded_by=actor
    )
    audit.record(
        "funds_document", "funds.Project", project.pk, {"document": document.pk, "kind": kind}, actor=actor
    )
    return document


# -- bank figures ---------------------------------------------------------------------------------


@transaction.atomic
def import_loan_figures(*, actor: User, rows: list[dict]) -> int:
    """Store the bank's yearly figures (replacing a year's earlier value); all or nothing.

    Each row: year, kind (village/household/city/rural), code (village code, 户编号, or city code),
    balance. Raises FundsError naming every bad row; nothing is written then."""
    if not actor.is_authenticated or not (actor.is_admin or actor.role in MANAGERS):
        raise NotPermitted()
    problems = []
    clean = []
    for i, row in enumerate(rows, start=2):
        try:
            year = int(str(row.get("year", "")).strip())
            if not 2000 <= year <= 2100:
                raise ValueError
        except ValueError:
            problems.append(f"第{i}行：年度无效")
            continue
        kind = codes.LOAN_KIND.code_for(str(row.get("kind", ""))) or str(row.get("kind", "")).strip()
        if kind not in codes.LOAN_KIND.codes:
            problems.append(f"第{i}行：类别应为 贫困村、贫困户、全市 或 全市农村")
            continue
        code = str(row.get("code", "")).strip()
        household = None
        if kind == "household":
            household = Household.objects.filter(household_no=code).first()
            area_code = household.village_id if household else None
        else:
            area_code = code if Area.objects.filter(code=code).exists() else None
        if area_code is None:
            problems.append(f"第{i}行：找不到编号 {code[:20]}")
            continue
        scope = area_code if kind in ("village", "household") else area_code[:4]
        if not actor.is_admin and not (
            actor.area_id and (scope.startswith(actor.area_id) or actor.area_id.startswith(scope))
        ):
            problems.append(f"第{i}行：{code[:20]} 不在您的工作范围内")
            continue
        try:
            balance = to_money(row.get("balance", ""))
            if balance < 0:
                raise ValueError
        except ValueError:
            problems.append(f"第{i}行：贷款余额无效")
            continue
        clean.append((year, kind, area_code, household, balance))
    if problems:
        raise FundsError("；".join(problems[:50]), "bad_rows")
    for year, kind, area_code, household, balance in clean:
        if household is not None:
            LoanFigure.objects.update_or_create(
                year=year,
                household=household,
                defaults={"kind": kind, "area_id": area_code, "balance": balance, "imported_by": actor},
            )
        else:
            LoanFigure.objects.update_or_create(
                year=year,
                kind=kind,
                area_id=area_code,
                household=None,
                defaults={"balance": balance, "imported_by": actor},
            )
    audit.record("funds_loan_import", "funds.LoanFigure", "", {"rows": len(clean)}, actor=actor)
    return len(clean)


def project_totals(project: Project) -> dict:
    paid = project_paid(project)
    return {"paid": paid, "left": project.budget - paid}
