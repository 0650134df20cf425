"""Issue 13's browser walk on the demo town: the town office records a medical-aid claim for a demo
household, sees the computed aid, exports the bank batch, imports the bank's result with one failure and
sees the failure open on the household's page."""

from __future__ import annotations

import io
import re

import pytest
import python_calamine
import xlsxwriter
from django.core.management import call_command

from fupin.areas.base import load_base_areas
from fupin.areas.models import Area
from fupin.batch import demo_town
from fupin.benefits.models import Payment
from fupin.benefits.services import account_ok
from fupin.registry.models import Household

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def demo(transactional_db):
    if not Area.objects.filter(code=demo_town.TOWN_CODE).exists():
        load_base_areas(Area)
    call_command("loaddemo", verbosity=0)


def result_file(batch: bytes, failing: str) -> bytes:
    rows = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(batch)).get_sheet_by_index(0).to_python()
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        if r:
            row[7], row[8] = ("失败", "户名与账号不符") if row[0] == failing else ("成功", "")
        for c, value in enumerate(row):
            if isinstance(value, float):
                sheet.write_number(r, c, value)
            elif value not in (None, ""):
                sheet.write_string(r, c, str(value))
    book.close()
    return buffer.getvalue()


def test_town_office_claim_bank_batch_and_failure_on_the_household_page(live_server, page, demo, tmp_path):
    household = next(
        h
        for h in Household.objects.filter(village__code__startswith=demo_town.TOWN_CODE)
        .exclude(status="removed")
        .exclude(benefit_payments__status="failed")
        .order_by("household_no")
        if account_ok(h.bank_account)
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "demo_town")
    page.fill("#id_password", demo_town.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()

    # From the household's page to its benefits, then the claim form.
    page.goto(f"{live_server.url}/households/{household.pk}/")
    page.click("#benefits a")
    page.click("text=登记医疗救助")
    page.select_option("select[name=member]", index=0)
    page.fill("input[name=treated_on]", "2018-11-02")
    page.fill("input[name=hospital]", "连州市人民医院")
    page.fill("input[name=total_cost]", "12000")
    page.fill("input[name=compliant_cost]", "10000")
    page.fill("input[name=basic_insurance]", "5000")
    page.fill("input[name=critical_insurance]", "1000")
    page.fill("input[name=other_insurance]", "0")
    page.click("text=保存并计算救助金额")
    page.wait_for_url(re.compile(r"/benefits/claims/\d+/$"))
    aid = page.locator("#aid").inner_text()
    assert "10,000.00 − 6,000.00 = 4,000.00" in aid
    assert "4,000.00 × 70% = 2,800.00" in aid
    assert page.locator("#aid-due").inner_text() == "2,800.00"

    # Pay it, export the bank batch.
    page.click("text=生成付款")
    page.wait_for_url(re.compile(rf"/benefits/households/{household.pk}/$"))
    mine = Payment.objects.filter(household=household).latest("pk").reference
    assert mine in page.locator("table tr", has_text="待导出").first.inner_text()
    page.goto(f"{live_server.url}/benefits/bank/")
    with page.expect_download() as download:
        page.click("text=导出银行代发文件（xlsx）")
    batch = tmp_path / "batch.xlsx"
    download.value.save_as(batch)

    # The bank answers: ours failed, every other payment of the batch paid.
    answer = tmp_path / "answer.xlsx"
    answer.write_bytes(result_file(batch.read_bytes(), mine))
    page.goto(f"{live_server.url}/benefits/bank/")
    page.set_input_files("input[name=file]", str(answer))
    page.click("text=导入回盘")
    result = page.locator("#bank-result").inner_text()
    assert "支付失败 1 笔" in result

    # The failure stays open on the household's page.
    page.goto(f"{live_server.url}/households/{household.pk}/")
    failed = page.locator("#benefits-failed").inner_text()
    assert mine in failed and "户名与账号不符" in failed
