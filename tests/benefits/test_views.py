"""The pages a town office uses: the claim form with its computed aid, the household's benefits with the
account masked, a failed payment on the household page, and the exports."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import python_calamine
from django.urls import reverse

from fupin.benefits import services
from fupin.benefits.models import Entitlement, MedicalClaim, Payment
from fupin.core import pii

pytestmark = pytest.mark.django_db


def post_claim(client, household, **overrides):
    data = {
        "member": household.members.first().pk,
        "treated_on": "2018-03-02",
        "hospital": "清远市人民医院",
        "total_cost": "20000",
        "compliant_cost": "15000",
        "basic_insurance": "8000",
        "critical_insurance": "3000",
        "other_insurance": "0",
        "aid_granted": "",
    }
    data.update(overrides)
    return client.post(reverse("benefits:claim_create", args=[household.pk]), data, follow=True)


def test_the_claim_form_records_the_claim_and_shows_the_arithmetic(client, users, household):
    client.force_login(users["town"])
    response = post_claim(client, household)
    page = response.content.decode()
    assert "15,000.00 − 11,000.00 = 4,000.00" in page
    assert "4,000.00 × 70% = 2,800.00" in page
    assert MedicalClaim.objects.get().aid_due == 2800


def test_the_claim_form_refuses_a_compliant_cost_above_the_total(client, users, household):
    client.force_login(users["town"])
    page = post_claim(client, household, compliant_cost="20000.01").content.decode()
    assert "合规医疗费用（20000.01）不能大于医疗总费用（20000.00）" in page
    assert not MedicalClaim.objects.exists()


def test_the_household_benefits_page_masks_the_account(client, users, household):
    client.force_login(users["town"])
    post_claim(client, household)
    entitlement = Entitlement.objects.get()
    client.post(reverse("benefits:pay", args=[entitlement.pk]), {"amount": ""})
    page = client.get(reverse("benefits:household", args=[household.pk])).content.decode()
    assert household.bank_account not in page
    assert pii.mask_account(household.bank_account) in page
    assert Payment.objects.get().amount == 2800


def test_a_failed_payment_shows_open_on_the_households_registry_page(client, users, household):
    client.force_login(users["town"])
    post_claim(client, household)
    payment = services.pay(actor=users["town"], entitlement=Entitlement.objects.get())
    Payment.objects.filter(pk=payment.pk).update(status="failed", failure_reason="账户已销户")
    page = client.get(reverse("registry:household_detail", args=[household.pk])).content.decode()
    assert "支付失败，待重新付款" in page and "账户已销户" in page and payment.reference in page


def test_the_students_without_subsidy_export_is_a_workbook(client, users, pupil_household):
    client.force_login(users["town"])
    response = client.get(reverse("benefits:education"), {"year": "2017", "format": "xlsx"})
    rows = (
        python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(response.content))
        .get_sheet_by_index(0)
        .to_python()
    )
    assert rows[0][:3] == ["户编号", "村", "姓名"]
    assert rows[1][2] == "小明"


def test_the_checks_page_exports_csv_with_the_command_columns(client, users, household):
    client.force_login(users["auditor"])
    services.record_claim(
        actor=users["town"],
        household=household,
        member=household.members.first(),
        treated_on=dt.date(2017, 1, 5),
        hospital="x",
        total_cost="100",
        compliant_cost="100",
        basic_insurance="0",
        critical_insurance="0",
        other_insurance="0",
        aid_granted="10",
    )
    response = client.get(reverse("benefits:checks"), {"format": "csv"})
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "check,household_no,detail,amount"
    assert "medical_shortfall" in text


def test_a_bad_year_is_400(client, users):
    client.force_login(users["town"])
    assert client.get(reverse("benefits:education"), {"year": "20x7"}).status_code == 400


def test_the_housing_page_counts_down_to_the_deadline(client, users, make_household):
    from .conftest import good_account

    h = make_household(bank_account=good_account(), housing_safe="否")
    client.force_login(users["town"])
    page = client.get(reverse("benefits:housing")).content.decode()
    assert "期限 2018年12月31日 已过" in page and h.household_no in page
    page = client.get(reverse("benefits:housing"), {"on": "2018-12-01"}).content.decode()
    assert "距 2018年12月31日 全面完成贫困户危房改造还有 30 天；尚未完成 1 户" in page


def test_the_api_lists_payments_with_the_account_masked(client, users, household):
    client.force_login(users["town"])
    post_claim(client, household)
    payment = services.pay(actor=users["town"], entitlement=Entitlement.objects.get())
    body = client.get("/api/v1/benefit-payments/", {"household": household.pk}).json()
    [row] = body["results"]
    assert row["reference"] == payment.reference
    assert row["bank_account"] == pii.mask_account(household.bank_account)
    assert household.bank_account not in str(body)
    client.force_login(users["cadre_b"])
    assert client.get("/api/v1/benefit-payments/").json()["results"] == []
