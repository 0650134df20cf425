"""Issue 11's browser walk on a phone-sized screen: a helper records a visit with a photo and an
employment measure for its household, sees both on the household page, and downloads the household's
handbook (扶贫手册) PDF, whose text is checked."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from pypdf import PdfReader

from fupin.assistance.models import Measure, Visit
from tests.assistance.conftest import media, mine, person, unit  # noqa: F401, F811  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
    }


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def test_a_helper_records_a_visit_and_a_measure_on_a_phone(transactional_db, live_server, page, login, mine):  # noqa: F811
    login("helper")
    page.goto(f"{live_server.url}/assistance/")
    assert "我的帮扶户" in page.content()
    page.locator(f"a[href='/households/{mine.pk}/']").first.click()
    page.wait_for_url(re.compile(rf"/households/{mine.pk}/$"))

    # A visit with a photo.
    page.locator("#assistance a", has_text="录入走访").click()
    page.wait_for_url(re.compile(r"/visits/new/$"))
    page.fill("input[name=visited_on]", "2017-05-02")
    page.fill("textarea[name=found]", "家中住房漏雨，孩子在读初二")
    page.fill("textarea[name=done]", "联系危房改造")
    page.set_input_files(
        "input[name=photo]", files=[{"name": "visit.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(rf"/households/{mine.pk}/"))
    assert "家中住房漏雨" in page.locator("#assistance").inner_text()
    thumbnail = page.locator("#assistance img[alt='走访照片']")
    thumbnail.scroll_into_view_if_needed()  # loaded lazily, as a phone on a slow line would
    thumbnail.evaluate("img => img.decode()")
    assert thumbnail.evaluate("img => img.naturalWidth") > 0

    # An employment measure.
    page.locator("#assistance a", has_text="录入措施").click()
    page.locator("a", has_text="就业扶贫").click()
    page.wait_for_url(re.compile(r"kind=employment"))
    page.fill("input[name=d_job]", "护林员")
    page.fill("input[name=d_employer]", "星子镇林业站")
    page.select_option("select[name=d_employer_type]", "ecological")
    page.fill("input[name=d_months]", "10")
    page.fill("input[name=d_monthly_wage]", "1500")
    page.fill("input[name=start_date]", "2017-02-01")
    page.fill("input[name=amount]", "15000")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(rf"/households/{mine.pk}/"))
    panel = page.locator("#assistance").inner_text()
    assert "护林员" in panel and "星子镇林业站" in panel and "15000" in panel
    assert Visit.objects.get().visitor.username == "helper"
    assert Measure.objects.get().details["months"] == 10

    # The handbook.
    with page.expect_download() as download:
        page.locator("#assistance a", has_text="扶贫手册").click()
    pdf = PdfReader(download.value.path())
    text = "".join(p.extract_text() for p in pdf.pages)
    for expected in (
        "扶贫手册",
        "家庭基本情况",
        "致贫原因",
        "帮扶责任人",
        "帮扶计划",
        "帮扶措施",
        "帮扶成效",
    ):
        assert expected in text, expected
    assert "李帮扶" in text and "护林员" in text and mine.household_no in text
