"""The funds pages as the town office and a village cadre use them."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import python_calamine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fupin.areas.models import VillageDesignation
from fupin.funds import services
from fupin.funds.models import Expense, LoanFigure, Project, ProjectDocument

from ..conftest import VILLAGE_A, VILLAGE_B
from .conftest import run_to


def test_a_cadre_proposes_and_the_town_approves_through_the_pages(client, users, areas, allocation):
    money = allocation(amount="80000.00")
    client.force_login(users["cadre"])
    response = client.post(
        reverse("funds:project_create"),
        {
            "name": "昌黎村饮水工程",
            "village": VILLAGE_A,
            "project_type": "water",
            "allocation": money.pk,
            "budget": "45000.00",
            "beneficiaries": "320",
            "proposed_on": "2017-03-20",
            "note": "",
        },
    )
    project = Project.objects.get(name="昌黎村饮水工程")
    assert response.status_code == 302 and project.status == "proposed"
    # The cadre cannot approve it; the page offers the cadre no approval.
    assert (
        "审批通过"
        not in client.get(reverse("funds:project_detail", kwargs={"pk": project.pk})).content.decode()
    )
    client.force_login(users["town"])
    page = client.get(reverse("funds:project_detail", kwargs={"pk": project.pk})).content.decode()
    assert "审批通过" in page
    client.post(
        reverse("funds:project_advance", kwargs={"pk": project.pk}),
        {"to_status": "approved", "on": "2017-04-01", "version": project.version},
    )
    project.refresh_from_db()
    assert (project.status, project.approved_by) == ("approved", users["town"])


def test_the_proposer_is_told_why_they_cannot_approve(client, users, project):
    p = project(by=users["town"])
    client.force_login(users["town"])
    response = client.post(
        reverse("funds:project_advance", kwargs={"pk": p.pk}),
        {"to_status": "approved", "on": "2017-04-01", "version": p.version},
        follow=True,
    )
    assert "申报人不能审批或验收自己申报的项目" in response.content.decode()
    p.refresh_from_db()
    assert p.status == "proposed"


def test_an_expense_over_the_allocation_is_refused_on_the_page(client, users, allocation, project):
    money = allocation(amount="50000.00")
    p = run_to(project(alloc=money, budget="50000.00"), "implementing", users)
    client.force_login(users["town"])
    response = client.post(
        reverse("funds:project_expense", kwargs={"pk": p.pk}),
        {"amount": "50000.01", "paid_on": "2017-05-01", "payee": "公司", "voucher_no": ""},
        follow=True,
    )
    assert "超过该笔资金" in response.content.decode()
    assert not Expense.objects.exists()


def test_a_document_that_is_not_a_pdf_image_or_office_file_is_refused(
    client, users, project, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    p = project()
    client.force_login(users["cadre"])
    response = client.post(
        reverse("funds:project_document", kwargs={"pk": p.pk}),
        {"kind": "contract", "file": SimpleUploadedFile("合同.pdf", b"MZ\x90\x00 not a pdf")},
        follow=True,
    )
    assert "文件类型不符" in response.content.decode()
    assert not ProjectDocument.objects.exists()
    client.post(
        reverse("funds:project_document", kwargs={"pk": p.pk}),
        {"kind": "contract", "file": SimpleUploadedFile("合同.pdf", b"%PDF-1.4\n%%EOF\n")},
    )
    document = ProjectDocument.objects.get()
    download = client.get(reverse("funds:document_download", kwargs={"pk": document.pk}))
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_the_fund_page_shows_the_split_the_mark_and_the_chart_data(client, users, allocation, make_household):
    make_household(VILLAGE_A, members=3)
    VillageDesignation.objects.create(village_id=VILLAGE_A, designated_year=2016)
    allocation(amount="300000.00", source="social")
    client.force_login(users["town"])
    page = client.get(reverse("funds:index") + "?year=2017").content.decode()
    assert "60,000.00" in page  # 3 persons × 20,000
    assert "达标" in page
    start = page.index('id="funds-chart"')
    data = json.loads(page[page.index(">", start) + 1 : page.index("</script>", start)])
    assert data["source_allocated"] == ["300000.00"]


def test_a_bad_year_is_a_400(client, users):
    client.force_login(users["town"])
    assert client.get(reverse("funds:ledger") + "?year=20x7").status_code == 400


def test_the_ledger_workbook_has_every_sheet_and_the_amounts(client, users, allocation, project, tmp_path):
    money = allocation(amount="100000.00", document_no='=HYPERLINK("x")')
    p = run_to(project(alloc=money, budget="60000.00"), "implementing", users)
    services.record_expense(
        actor=users["town"],
        allocation=money,
        project=p,
        amount="25000.50",
        paid_on=dt.date(2017, 5, 1),
        payee="公司",
    )
    client.force_login(users["town"])
    response = client.get(reverse("funds:ledger_export") + "?year=2017")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(response.content)
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == ["按资金来源", "按村", "按项目类型", "资金下达", "项目", "拨付明细"]
    allocations = book.get_sheet_by_name("资金下达").to_python()
    assert allocations[1][1] == '=HYPERLINK("x")'  # written as text, not a formula
    assert allocations[1][7:] == [100000.0, 25000.5, 34999.5, 40000.0]
    expenses = book.get_sheet_by_name("拨付明细").to_python()
    assert expenses[1][-1] == 25000.5


def test_the_bank_figures_give_the_growth_against_the_city_and_rural_averages(client, users, make_household):
    household = make_household(VILLAGE_A)
    rows = [
        "年度,类别,编号,贷款余额",
        f"2016,贫困村,{VILLAGE_A},1000000",
        f"2017,贫困村,{VILLAGE_A},1200000",
        "2016,全市,4418,100000000",
        "2017,全市,4418,110000000",
        f"2016,贫困户,{household.household_no},20000",
        f"2017,贫困户,{household.household_no},21000",
        "2016,全市农村,4418,50000000",
        "2017,全市农村,4418,55000000",
    ]
    client.force_login(users["town"])
    upload = SimpleUploadedFile("bank.csv", "\n".join(rows).encode("utf-8"))
    response = client.post(reverse("funds:loans"), {"file": upload}, follow=True)
    assert LoanFigure.objects.count() == 8
    page = response.content.decode()
    assert "20.0%" in page and "10.0%" in page and "5.0%" in page
    from fupin.funds.selectors import loan_indicators

    [_, y2017] = loan_indicators(user=users["town"])
    assert (y2017.villages_growth, y2017.city_growth) == (Decimal("0.2000"), Decimal("0.1000"))
    assert y2017.villages_ok is True
    assert (y2017.households_growth, y2017.rural_growth, y2017.households_ok) == (
        Decimal("0.0500"),
        Decimal("0.1000"),
        False,
    )


def test_a_bank_file_with_an_unknown_village_changes_nothing(client, users):
    client.force_login(users["town"])
    upload = SimpleUploadedFile(
        "bank.csv",
        f"年度,类别,编号,贷款余额\n2017,贫困村,{VILLAGE_B},100\n2017,贫困村,441882101999,5\n".encode(),
    )
    response = client.post(reverse("funds:loans"), {"file": upload})
    assert "找不到编号 441882101999" in response.content.decode()
    assert not LoanFigure.objects.exists()


def test_findings_page_lists_a_diversion(client, users, allocation, make_household):
    fund = allocation(amount="10000.00", purposes=["education"], source="pp_province")
    household = make_household()
    services.record_expense(
        actor=users["town"],
        allocation=fund,
        household=household,
        project_type="relief",
        amount="800",
        paid_on=dt.date(2017, 3, 2),
        payee="户主",
    )
    client.force_login(users["auditor"])
    page = client.get(reverse("funds:findings") + "?year=2017").content.decode()
    assert "挤占挪用" in page and household.household_no in page


def test_the_village_page_has_the_funds_panel(client, users, allocation):
    allocation(amount="1234.00")
    client.force_login(users["town"])
    page = client.get(reverse("areas:village_detail", kwargs={"code": VILLAGE_A})).content.decode()
    assert 'id="funds-panel"' in page and "1,234.00" in page


def test_the_menu_has_funds_for_the_town_not_for_a_helper(client, users):
    client.force_login(users["town"])
    assert reverse("funds:index") in client.get(reverse("registry:household_list")).content.decode()
    client.force_login(users["helper"])
    assert reverse("funds:index") not in client.get(reverse("registry:household_list")).content.decode()


def test_the_town_records_the_per_person_fund_from_the_page_and_the_county_sees_the_split(
    client, users, make_household
):
    make_household(VILLAGE_A, members=3)
    client.force_login(users["town"])
    client.post(
        reverse("funds:allocate_per_person"),
        {"year": "2017", "document_no": "清财农〔2017〕8号", "allocated_on": "2017-02-01"},
    )
    from fupin.funds.models import Allocation

    assert sorted(Allocation.objects.filter(year=2017).values_list("amount", flat=True)) == [
        Decimal("6000.00"),
        Decimal("18000.00"),
        Decimal("36000.00"),
    ]
    client.force_login(users["upper"])
    page = client.get(reverse("funds:index") + "?year=2017").content.decode()
    assert VILLAGE_A in page and "36,000.00" in page


def test_the_bank_figures_also_come_as_an_xlsx_with_numbers_in_the_cells(client, users):
    import io

    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    for r, row in enumerate(
        [["年度", "类别", "编号", "贷款余额"], [2016, "全市", 4418, 1000.5], [2017, "全市", 4418, 1100.55]]
    ):
        sheet.write_row(r, 0, row)
    book.close()
    client.force_login(users["town"])
    upload = SimpleUploadedFile("bank.xlsx", buffer.getvalue())
    client.post(reverse("funds:loans"), {"file": upload})
    assert sorted(LoanFigure.objects.values_list("year", "balance")) == [
        (2016, Decimal("1000.50")),
        (2017, Decimal("1100.55")),
    ]
