"""The pages a helper and the town office use: the phone-first visit form (a resubmit does not
duplicate), a measure by type, the household panel, the handbook PDF, the coverage CSV."""

from __future__ import annotations

import datetime as dt
import io
import re

from django.urls import reverse
from pypdf import PdfReader

from fupin.assistance import services
from fupin.assistance.models import HelperAssignment, Measure, Visit

from ..conftest import VILLAGE_A
from .conftest import png


def visit_form(client, household):
    page = client.get(reverse("assistance:visit_add", args=[household.pk])).content.decode()
    return re.search(r'name="token" value="([0-9a-f-]+)"', page).group(1)


def test_a_helper_records_a_visit_with_a_photo_and_sees_it_on_the_household_page(client, users, mine):
    client.force_login(users["helper"])
    token = visit_form(client, mine)
    data = {
        "token": token,
        "visited_on": "2017-05-02",
        "found": "家中漏雨",
        "done": "报危房改造",
        "photo": png(),
    }
    response = client.post(reverse("assistance:visit_add", args=[mine.pk]), data)
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.visitor == users["helper"] and visit.photos.count() == 1
    page = client.get(reverse("registry:household_detail", args=[mine.pk])).content.decode()
    assert "家中漏雨" in page and reverse("assistance:thumbnail", args=[visit.photos.get().pk]) in page
    # The same form sent again (the connection dropped after the first submit): no second visit.
    again = client.post(reverse("assistance:visit_add", args=[mine.pk]), {**data, "photo": png()})
    assert again.status_code == 302 and Visit.objects.count() == 1


def test_a_refused_visit_keeps_what_was_typed(client, users, mine):
    client.force_login(users["helper"])
    token = visit_form(client, mine)
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    response = client.post(
        reverse("assistance:visit_add", args=[mine.pk]),
        {"token": token, "visited_on": tomorrow, "found": "孩子上学情况"},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "走访日期不能晚于今天" in page
    assert "孩子上学情况" in page and token in page
    assert not Visit.objects.exists()


def test_an_employment_measure_through_the_form(client, users, mine):
    client.force_login(users["helper"])
    url = reverse("assistance:measure_add", args=[mine.pk])
    assert "就业扶贫" in client.get(url).content.decode()  # first the type
    form = client.get(url + "?kind=employment").content.decode()
    assert 'name="d_months"' in form and 'name="d_employer_type"' in form
    data = {
        "kind": "employment",
        "d_job": "护林员",
        "d_employer": "星子镇林业站",
        "d_employer_type": "ecological",
        "d_months": "13",
        "d_monthly_wage": "1500",
        "start_date": "2017-02-01",
        "state": "in_progress",
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "当年务工月数应在 1 到 12 之间" in response.content.decode()
    response = client.post(url, {**data, "d_months": "10"})
    assert response.status_code == 302
    measure = Measure.objects.get()
    assert measure.details["months"] == 10 and measure.recorded_by == users["helper"]
    page = client.get(reverse("registry:household_detail", args=[mine.pk])).content.decode()
    assert "护林员" in page and "生态岗位" in page


def test_the_household_page_shows_helper_plan_measures_and_visits(client, users, mine):
    services.add_plan_item(
        actor=users["helper"],
        household=mine,
        data={"year": "2017", "kind": "industry", "content": "种植玉竹1亩"},
    )
    client.force_login(users["cadre"])
    page = client.get(reverse("registry:household_detail", args=[mine.pk])).content.decode()
    assert "李帮扶" in page and "广州市荔湾区财政局" in page and "种植玉竹1亩" in page
    assert reverse("assistance:assign", args=[mine.pk]) in page  # the village may reassign


def test_the_handbook_pdf_has_the_six_sections(client, users, mine):
    services.add_plan_item(
        actor=users["helper"],
        household=mine,
        data={"year": "2017", "kind": "industry", "content": "种植生姜2亩", "state": "completed"},
    )
    client.force_login(users["helper"])
    response = client.get(reverse("assistance:handbook", args=[mine.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for title in ("扶贫手册", "家庭基本情况", "致贫原因", "帮扶责任人", "帮扶计划", "帮扶措施", "帮扶成效"):
        assert title in text, title
    assert "李帮扶" in text and "种植生姜2亩" in text and mine.household_no in text


def test_the_village_handbook_has_one_book_per_household(client, users, mine, make_household):
    other = make_household(VILLAGE_A)
    client.force_login(users["cadre"])
    response = client.get(reverse("assistance:village_handbook", args=[VILLAGE_A]))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert mine.household_no in text and other.household_no in text


def test_coverage_page_lists_who_has_no_helper_and_downloads_csv(client, users, mine, make_household):
    other = make_household(VILLAGE_A)
    client.force_login(users["town"])
    page = client.get(reverse("assistance:coverage")).content.decode()
    assert other.household_no in page and mine.household_no not in page
    csv_text = client.get(reverse("assistance:coverage") + "?format=csv").content.decode("utf-8-sig")
    assert (
        csv_text.splitlines()[0]
        == "village_code,name,registered_poor_persons,persons_with_helper,persons_without_helper"
    )
    assert f"{VILLAGE_A},昌黎村,5,3,2" in csv_text


def test_assigning_through_the_page_and_the_overlap_message(client, users, mine, person):
    client.force_login(users["cadre"])
    url = reverse("assistance:assign", args=[mine.pk])
    response = client.post(url, {"person": person.pk, "start_date": "2018-01-01"})
    assert response.status_code == 200 and "不能重复结对" in response.content.decode()
    response = client.post(url, {"person": person.pk, "start_date": "2018-01-01", "replace": "on"})
    # Replacing a helper by the same helper keeps the open assignment: still refused.
    assert HelperAssignment.objects.filter(household=mine).count() == 1


def test_the_helper_home_lists_its_households_with_what_is_due(client, users, mine, make_household):
    make_household(VILLAGE_A)  # not the helper's
    client.force_login(users["helper"])
    page = client.get(reverse("assistance:home")).content.decode()
    assert mine.household_no in page and "一年内未走访" in page
    assert page.count("录入走访") == 1


def test_the_compliance_and_checks_pages_render(client, users, mine):
    client.force_login(users["town"])
    assert "一年内未走访的贫困户" in client.get(reverse("assistance:compliance")).content.decode()
    page = client.get(reverse("assistance:checks") + "?year=2017").content.decode()
    assert "本年度没有帮扶计划的户" in page and mine.household_no in page
    assert client.get(reverse("assistance:checks") + "?year=abc").status_code == 400
