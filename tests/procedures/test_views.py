"""The pages: the household panel, starting an exit, recording steps, the work list, the 公示 PDF."""

from __future__ import annotations

import datetime as dt
import io

from django.urls import reverse
from pypdf import PdfReader

from fupin.procedures import services
from fupin.procedures.models import Procedure

from .conftest import propose, walk_to


def text(response) -> str:
    return response.content.decode()


def test_a_cadre_starts_an_exit_from_the_household_page(client, users, eligible, clock):
    client.force_login(users["cadre"])
    page = text(client.get(reverse("registry:household_detail", args=[eligible.pk])))
    assert "提出脱贫退出" in page and "提出返贫" not in page
    url = reverse("procedures:start", args=[eligible.pk, "exit"])
    form = text(client.get(url))
    assert "政策引擎结论" in form
    back = client.post(url, {"year": "2010", "date": clock().isoformat()})
    assert back.status_code == 400 and "不能倒签" in text(back)
    response = client.post(url, {"year": "2016", "date": clock().isoformat(), "note": "收入稳定"})
    procedure = Procedure.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "procedures:detail", args=[procedure.pk]
    )
    detail = text(client.get(response["Location"]))
    assert "村民主评议" in detail and "符合条件" in detail


def test_the_engines_no_and_the_hand_reason_are_shown_to_the_approver(client, users, not_eligible, clock):
    procedure = propose(not_eligible, users, clock, reason="该户务工收入未入账，村委会已核实。")
    procedure = walk_to(procedure, "town_approval", users, clock)
    client.force_login(users["town"])
    page = text(client.get(reverse("procedures:detail", args=[procedure.pk])))
    assert "不符合条件" in page and "该户务工收入未入账，村委会已核实。" in page
    assert 'name="approved"' in page  # the town may approve now


def test_recording_a_step_through_the_page_and_a_refusal_in_chinese(client, users, eligible, clock):
    procedure = propose(eligible, users, clock)
    url = reverse("procedures:act", args=[procedure.pk])
    client.force_login(users["cadre_b"])
    assert client.post(url, {"step": "village_review"}).status_code == 404  # another village: not even seen
    client.force_login(users["cadre"])
    bad = client.post(url, {"step": "village_review", "current": "1", "date": clock().isoformat()})
    assert bad.status_code == 400 and "请填写“参加人员”" in text(bad)
    wrong = client.post(url, {"step": "notice", "current": "1"})
    assert wrong.status_code == 400 and "步骤顺序不对" in text(wrong)
    ok = client.post(
        url,
        {
            "step": "village_review",
            "current": "1",
            "date": clock().isoformat(),
            "participants": "村民代表23人",
            "votes_for": "21",
            "votes_against": "2",
            "minutes": "同意",
        },
    )
    assert ok.status_code == 302
    again = client.post(url, {"step": "village_review", "current": "1", "date": clock().isoformat()})
    assert again.status_code == 409 and "已由 cadre 办理" in text(again)


def test_the_work_list_shows_what_waits_for_the_user_overdue_first(client, users, make_household, clock):
    late = walk_to(
        propose(make_household(members=1, household_no="H-LATE"), users, clock), "town_approval", users, clock
    )
    clock.advance(20)  # past the town's 15 days
    fresh = walk_to(
        propose(make_household(members=1, household_no="H-FRESH"), users, clock),
        "town_approval",
        users,
        clock,
    )
    waiting = propose(make_household(members=1, household_no="H-VILLAGE"), users, clock)
    client.force_login(users["town"])
    page = text(client.get(reverse("procedures:work_list")))
    table = page.split('id="work-list"')[1].split("</table>")[0]
    assert table.index("H-LATE") < table.index("H-FRESH") and "已逾期" in table
    assert "H-VILLAGE" not in table  # the village's step, not the town's
    client.force_login(users["cadre"])
    table = text(client.get(reverse("procedures:work_list"))).split('id="work-list"')[1].split("</table>")[0]
    assert "H-VILLAGE" in table and "H-LATE" not in table
    assert {late.pk, fresh.pk, waiting.pk} == set(Procedure.objects.values_list("pk", flat=True))


def test_the_notice_pdf_lists_heads_and_sizes_and_nothing_personal(client, users, make_household, clock):
    first = make_household(members=1, household_no="H-PDF1")
    second = make_household(members=3, household_no="H-PDF2")
    first.members.filter(relation="head").update(name="李四妹")
    second.members.filter(relation="head").update(name="王五哥")
    start = clock()
    for household in (first, second):
        procedure = walk_to(propose(household, users, clock, reason="核实"), "notice", users, clock)
        services.act(  # both posted on the same 公示
            actor=users["cadre"],
            procedure=procedure,
            step="notice",
            data={
                "start_date": start.isoformat(),
                "end_date": (start + dt.timedelta(days=7)).isoformat(),
                "office": "昌黎村村民委员会",
            },
        )
    notice = procedure.steps.get(code="notice").notice
    assert notice.steps.count() == 2
    client.force_login(users["cadre"])
    response = client.get(reverse("procedures:notice_pdf", args=[notice.pk]))
    assert response["Content-Type"] == "application/pdf"
    content = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    flat = content.replace(" ", "").replace("\n", "")
    for expected in (
        "连州市",
        "星子镇",
        "昌黎村",
        "2016年",
        "序号",
        "村民小组",
        "户主姓名",
        "家庭人口数",
        "变动类型",
    ):
        assert expected in flat, expected
    assert "昌黎村村民委员会" in flat and f"{start:%Y}年{start.month}月{start.day}日" in flat
    end = start + dt.timedelta(days=7)
    assert f"{end:%Y}年{end.month}月{end.day}日" in flat
    assert "序号村民小组户主姓名家庭人口数变动类型1一组李四妹1脱贫退出2一组王五哥3脱贫退出" in flat
    for household in (first, second):
        for member in household.members.all():
            assert member.id_number not in flat and member.id_number[6:14] not in flat
    assert "13800138000" not in flat and "10000" not in flat and "因病" not in flat  # no phone, income, cause


def test_the_proposed_exits_come_from_the_engine(client, users, eligible, not_eligible, clock):
    client.force_login(users["town"])
    page = text(client.get(reverse("procedures:exit_candidates")))  # default: the latest year with incomes
    assert "2016 年拟脱贫名单" in page
    assert "H-EXIT-A" in page and "H-POOR-A" not in page
    propose(eligible, users, clock)
    page = text(client.get(reverse("procedures:exit_candidates"), {"year": "2016"}))
    assert "H-EXIT-A" not in page  # already proposed
    assert client.get(reverse("procedures:exit_candidates"), {"year": "20x6"}).status_code == 400


def test_the_detail_page_shows_what_each_step_recorded(client, users, eligible, clock):
    procedure = walk_to(propose(eligible, users, clock), "notice", users, clock)
    client.force_login(users["leader"])  # a reader: sees everything, may act on nothing
    page = text(client.get(reverse("procedures:detail", args=[procedure.pk])))
    assert "同意票数" in page and '<dd class="col-sm-9">21</dd>' in page and "经村民代表大会评议" in page
    assert "已冻结" in page and 'name="start_date"' not in page
