"""The bank's batch file (代发文件) out and its result file (回盘文件) back.

Out: every payment waiting in the user's area goes into one `BankBatch` and one xlsx sheet with the full
一卡通 account number — the one document that carries it unmasked, because the bank pays to it; the export is
audited. Back: the same sheet with 处理结果 (成功 / 失败) and 失败原因 filled in by the bank. The import is all or
nothing: a row naming a payment the system does not know (or one not sent to the bank), an account number
that differs from the one sent or fails its check digit, an amount that differs, or a result that is
neither 成功 nor 失败 is reported with its row, and nothing is changed. A failed payment stays open.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import python_calamine
import xlsxwriter
from django.db import transaction
from django.utils import timezone

from fupin.core import audit

from .models import BankBatch, Payment
from .selectors import payments_for
from .services import Refused, account_ok, may_write

HEADERS = ["付款编号", "户编号", "收款人", "开户银行", "一卡通账号", "金额", "用途", "处理结果", "失败原因"]
RESULT_PAID, RESULT_FAILED = "成功", "失败"


def _sheet(payments: list[Payment]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    )
    sheet = book.add_worksheet("代发明细")
    text = book.add_format({"num_format": "@"})
    money = book.add_format({"num_format": "0.00"})
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, HEADERS, bold)
    sheet.set_column(0, 1, 16, text)
    sheet.set_column(2, 3, 14, text)
    sheet.set_column(4, 4, 24, text)
    sheet.set_column(5, 5, 12, money)
    sheet.set_column(6, 8, 18, text)
    for row, payment in enumerate(payments, start=1):
        sheet.write_string(row, 0, payment.reference)
        sheet.write_string(row, 1, payment.household.household_no)
        sheet.write_string(row, 2, payment.payee)
        sheet.write_string(row, 3, payment.bank_name)
        sheet.write_string(row, 4, payment.bank_account)
        sheet.write_number(
            row, 5, float(payment.amount), money
        )  # xlsx holds numbers as doubles; 2 places are exact
        sheet.write_string(row, 6, payment.entitlement.get_kind_display())
    sheet.data_validation(
        1, 7, max(len(payments), 1), 7, {"validate": "list", "source": [RESULT_PAID, RESULT_FAILED]}
    )
    book.close()
    return buffer.getvalue()


@transaction.atomic
def export_batch(*, actor) -> tuple[BankBatch, bytes]:
    """Put every waiting payment the actor may pay into a new batch; returns it and its xlsx file."""
    if not may_write(actor):
        raise Refused("您无权导出银行代发文件")
    waiting = list(
        payments_for(user=actor)
        .filter(status=Payment.Status.PENDING)
        .select_related("household", "entitlement")
        .select_for_update()
        .order_by("pk")
    )
    if not waiting:
        raise Refused("没有待导出的付款")
    batch = BankBatch.objects.create(created_by=actor, area=actor.area_id or "")
    Payment.objects.filter(pk__in=[p.pk for p in waiting]).update(status=Payment.Status.EXPORTED, batch=batch)
    audit.record(
        "export",
        "benefits.BankBatch",
        batch.pk,
        {"what": "bank_batch", "payments": len(waiting), "unmasked": ["bank_account"]},
        actor=actor,
    )
    return batch, _sheet(waiting)


def batch_file(*, actor, batch: BankBatch) -> bytes:
    """The batch's file again (e.g. the first download was lost); audited like the first."""
    payments = list(batch.payments.select_related("household", "entitlement").order_by("pk"))
    audit.record(
        "export",
        "benefits.BankBatch",
        batch.pk,
        {"what": "bank_batch_again", "unmasked": ["bank_account"]},
        actor=actor,
    )
    return _sheet(payments)


@dataclass
class ResultReport:
    paid: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _amount(value) -> Decimal | None:
    try:
        return Decimal(repr(value) if isinstance(value, float) else str(value).strip()).quantize(
            Decimal("0.01")
        )
    except (InvalidOperation, ValueError):
        return None


def read_rows(data: bytes) -> list[list]:
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        return book.get_sheet_by_index(0).to_python()
    except Exception as exc:  # noqa: BLE001 - calamine raises several types for a damaged file
        raise Refused(f"无法读取回盘文件：{exc}；请上传银行返回的 .xlsx 文件") from exc


@transaction.atomic
def import_results(*, actor, data: bytes, today: dt.date | None = None) -> ResultReport:
    """Apply a bank result file. All or nothing: with any error, nothing changes and the report lists them."""
    if not may_write(actor):
        raise Refused("您无权导入银行回盘文件")
    rows = read_rows(data)
    if not rows or [_text(c) for c in rows[0][: len(HEADERS)]] != HEADERS:
        raise Refused(
            "回盘文件的表头与代发文件不同：请使用本系统导出的代发文件，由银行填写“处理结果”和“失败原因”"
        )
    report = ResultReport()
    visible = payments_for(user=actor)
    references = {}
    for number, row in enumerate(rows[1:], start=2):
        cells = [*row, *[""] * len(HEADERS)]
        reference = _text(cells[0])
        if not reference and not any(_text(c) for c in cells[: len(HEADERS)]):
            continue
        references[number] = (reference, cells)
    by_reference = {}
    for payment in visible.filter(
        pk__in=[_pk(r) for r, _c in references.values() if _pk(r)]
    ).select_for_update():
        by_reference[payment.reference] = payment
    updates = []
    for number, (reference, cells) in references.items():
        where = f"第{number}行"
        payment = by_reference.get(reference)
        if payment is None:
            report.errors.append(f"{where}：付款编号 {reference or '（空）'} 不是本系统导出的付款")
            continue
        if payment.status != Payment.Status.EXPORTED:
            report.errors.append(
                f"{where}：付款 {reference} 不在待回盘状态（{payment.get_status_display()}）"
            )
            continue
        account = _text(cells[4]).replace(" ", "")
        if not account_ok(account):
            report.errors.append(f"{where}：账号校验位不符（{reference}）")
            continue
        if account != payment.bank_account:
            report.errors.append(f"{where}：账号与代发文件不同（{reference}）")
            continue
        if _amount(cells[5]) != payment.amount:
            report.errors.append(f"{where}：金额与代发文件不同（{reference}：应为 {payment.amount}）")
            continue
        result, reason = _text(cells[7]), _text(cells[8])
        if result == RESULT_PAID:
            updates.append((payment, Payment.Status.PAID, ""))
        elif result == RESULT_FAILED:
            if not reason:
                report.errors.append(f"{where}：支付失败须写明失败原因（{reference}）")
                continue
            updates.append((payment, Payment.Status.FAILED, reason[:200]))
        else:
            report.errors.append(f"{where}：处理结果须为“成功”或“失败”（{reference}）")
    if report.errors:
        return report
    day = today or timezone.localdate()
    batches = set()
    for payment, status, reason in updates:
        payment.status = status
        payment.failure_reason = reason
        payment.settled_on = day if status == Payment.Status.PAID else None
        payment.save(update_fields=["status", "failure_reason", "settled_on"])
        batches.add(payment.batch_id)
        if status == Payment.Status.PAID:
            report.paid += 1
        else:
            report.failed += 1
    BankBatch.objects.filter(pk__in=batches).update(results_at=timezone.now())
    audit.record(
        "benefits.bank_result",
        "benefits.BankBatch",
        ",".join(str(b) for b in sorted(batches)),
        {"paid": report.paid, "failed": report.failed},
        actor=actor,
    )
    return report


def _pk(reference: str) -> int | None:
    if len(reference) == 12 and reference.startswith("FK") and reference[2:].isdigit():
        return int(reference[2:])
    return None
