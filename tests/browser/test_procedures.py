"""Issue 9's browser walk: one household from the village's proposal to 已脱贫, every step as the right
user (village cadre, then the town office), the 公示 PDF downloaded and read; the audit chain holds."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from pypdf import PdfReader

from fupin.core import audit
from fupin.procedures import services
from fupin.registry.models import Household

pytestmark = pytest.mark.browser


def _submit(page) -> None:
    page.locator("form[action$='/act/'] button[type=submit]").click()
    page.wait_for_load_state()


def test_an_exit_through_every_step_in_the_browser(
    live_server, page, login, users, make_household, monkeypatch, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    today = {"day": dt.date(2016, 10, 10)}
    monkeypatch.setattr(services, "today", lambda: today["day"])
    household = make_household(members=1, household_no="H-WALK")
    household.members.filter(relation="head").update(name="陈浏览")
    head_id = household.members.get(relation="head").id_number

    login("cadre")
    page.goto(f"{live_server.url}/households/{household.pk}/")
    page.click("a.start-exit")
    assert "政策引擎结论" in page.content() and "符合条件" in page.content()
    page.select_option("#id_year", "2016")
    page.fill("input[name=date]", "2016-10-10")
    page.fill("input[name=note]", "收入稳定")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/procedures/\d+/$"))
    detail = page.url

    page.fill("input[name=date]", "2016-10-10")
    page.fill("input[name=participants]", "村民代表23人")
    page.fill("input[name=votes_for]", "21")
    page.fill("input[name=votes_against]", "2")
    page.fill("textarea[name=minutes]", "同意该户脱贫。")
    _submit(page)
    page.fill("input[name=date]", "2016-10-10")
    page.fill("input[name=participants]", "村委会、驻村工作队")
    page.fill("textarea[name=findings]", "收入达标。")
    _submit(page)
    page.fill("input[name=date]", "2016-10-10")
    page.select_option("select[name=accepted]", "1")
    page.set_input_files(
        "input[name=sheet]",
        files=[{"name": "验收表.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}],
    )
    _submit(page)
    page.fill("input[name=start_date]", "2016-10-10")
    page.fill("input[name=end_date]", "2016-10-13")  # too short: refused in Chinese
    page.fill("input[name=office]", "昌黎村村民委员会")
    _submit(page)
    assert "公示期不能少于 7 天" in page.locator("#refusal").inner_text()
    page.fill("input[name=end_date]", "2016-10-17")
    _submit(page)

    with page.expect_download() as download:
        page.locator("a.notice-pdf").first.click()
    path = tmp_path / "notice.pdf"
    download.value.save_as(path)
    text = "".join(p.extract_text() for p in PdfReader(path).pages).replace(" ", "").replace("\n", "")
    assert "连州市星子镇昌黎村2016年" in text
    assert "1一组陈浏览1脱贫退出" in text
    assert "2016年10月10日至2016年10月17日" in text and "昌黎村村民委员会" in text
    assert head_id not in text and head_id[6:14] not in text

    today["day"] = dt.date(2016, 10, 18)  # the 公示 has ended
    page.context.clear_cookies()
    login("town")
    page.goto(f"{live_server.url}/procedures/")
    page.locator("#work-list a", has_text="脱贫退出").click()
    page.wait_for_url(detail)
    assert "符合条件" in page.content()
    page.fill("input[name=date]", "2016-10-18")
    page.select_option("select[name=approved]", "1")
    page.fill("input[name=opinion]", "同意退出")
    _submit(page)
    page.fill("input[name=start_date]", "2016-10-18")
    page.fill("input[name=end_date]", "2016-10-25")
    page.fill("input[name=office]", "星子镇人民政府")
    _submit(page)
    assert page.locator("#state").inner_text() == "已完成"

    household = Household.objects.get(pk=household.pk)
    assert (household.status, household.exit_year) == ("exited", 2016)
    assert audit.verify().ok
