"""The bank batch file out and the bank's result back: paid, failed with a reason, and the refusals."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import python_calamine
import xlsxwriter

from fupin.benefits import bank, services
from fupin.benefits.models import Entitlement, Payment
from fupin.benefits.services import Refused
from fupin.core.models import AuditEvent

from .conftest import good_account

pytestmark = pytest.mark.django_db


def pending_payments(users, make_household, n=2):
    payments = []
    for _ in range(n):
        household = make_household(bank_account=good_account())
        c = services.record_claim(
            actor=users["town"],
            household=household,
            member=household.members.first(),
            treated_on=dt.date(2018, 4, 1),
            hospital="星子镇卫生院",
            total_cost="1000.00",
            compliant_cost="1000.00",
            basic_insurance="500.00",
            critical_insurance="0",
            other_insurance="0",
        )
        payments.append(services.pay(actor=users["town"], entitlement=Entitlement.objects.get(claim=c)))
    return payments


def rows_of(data: bytes) -> list[list]:
    return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


def result_file(rows: list[list]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, float):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
    book.close()
    return buffer.getvalue()


def filled(data: bytes, results: dict[int, tuple[str, str]]) -> list[list]:
    rows = rows_of(data)
    for index, (result, reason) in results.items():
        rows[index][7], rows[index][8] = result, reason
    return rows


def test_the_batch_file_carries_the_full_account_and_is_audited(users, make_household):
    payments = pending_payments(users, make_household)
    batch, data = bank.export_batch(actor=users["town"])
    rows = rows_of(data)
    assert rows[0] == bank.HEADERS
    assert [r[0] for r in rows[1:]] == [p.reference for p in payments]
    assert rows[1][4] == payments[0].bank_account  # the whole number, as text
    assert rows[1][5] == 350.0
    assert set(Payment.objects.values_list("status", flat=True)) == {"exported"}
    assert AuditEvent.objects.filter(
        action="export", object_type="benefits.BankBatch", object_id=str(batch.pk)
    ).exists()
    with pytest.raises(Refused, match="没有待导出的付款"):
        bank.export_batch(actor=users["town"])


def test_a_result_with_one_failure_pays_the_rest_and_leaves_the_failure_open(users, make_household):
    payments = pending_payments(users, make_household)
    _batch, data = bank.export_batch(actor=users["town"])
    report = bank.import_results(
        actor=users["town"], data=result_file(filled(data, {1: ("成功", ""), 2: ("失败", "户名与账号不符")}))
    )
    assert (report.ok, report.paid, report.failed) == (True, 1, 1)
    paid, failed = (Payment.objects.get(pk=p.pk) for p in payments)
    assert (paid.status, failed.status, failed.failure_reason) == ("paid", "failed", "户名与账号不符")
    assert services.open_amount(failed.entitlement) == Decimal("350.00")
    assert services.open_amount(paid.entitlement) == Decimal("0.00")


def test_a_result_naming_an_unknown_payment_is_reported_and_nothing_changes(users, make_household):
    pending_payments(users, make_household)
    _batch, data = bank.export_batch(actor=users["town"])
    rows = filled(data, {1: ("成功", ""), 2: ("成功", "")})
    rows.append(["FK9999999999", "H1", "某某", "银行", good_account(), 10.0, "", "成功", ""])
    report = bank.import_results(actor=users["town"], data=result_file(rows))
    assert report.errors == ["第4行：付款编号 FK9999999999 不是本系统导出的付款"]
    assert set(Payment.objects.values_list("status", flat=True)) == {"exported"}


def test_an_account_failing_its_check_in_the_result_is_refused(users, make_household):
    payments = pending_payments(users, make_household)
    _batch, data = bank.export_batch(actor=users["town"])
    rows = filled(data, {1: ("成功", ""), 2: ("成功", "")})
    account = rows[2][4]
    rows[2][4] = account[:-1] + str((int(account[-1]) + 1) % 10)
    report = bank.import_results(actor=users["town"], data=result_file(rows))
    assert report.errors == [f"第3行：账号校验位不符（{payments[1].reference}）"]
    assert set(Payment.objects.values_list("status", flat=True)) == {"exported"}


def test_a_failure_without_a_reason_or_a_changed_amount_is_refused(users, make_household):
    pending_payments(users, make_household)
    _batch, data = bank.export_batch(actor=users["town"])
    rows = filled(data, {1: ("失败", ""), 2: ("成功", "")})
    rows[2][5] = 350.01
    report = bank.import_results(actor=users["town"], data=result_file(rows))
    assert len(report.errors) == 2
    assert "失败原因" in report.errors[0] and "金额与代发文件不同" in report.errors[1]


def test_a_file_that_is_not_the_batch_layout_is_refused(users):
    with pytest.raises(Refused, match="表头"):
        bank.import_results(actor=users["town"], data=result_file([["a", "b"]]))


def test_a_payment_of_another_town_is_unknown_to_this_office(users, make_household):
    pending_payments(users, make_household, n=1)
    _batch, data = bank.export_batch(actor=users["admin"])
    other = users["town"]
    other.area_id = "441882102"
    other.save()
    report = bank.import_results(actor=other, data=result_file(filled(data, {1: ("成功", "")})))
    assert len(report.errors) == 1 and "不是本系统导出的付款" in report.errors[0]
