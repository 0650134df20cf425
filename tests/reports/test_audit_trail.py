"""The auditor's audit trail in the web: search by user, action, record and date; Excel export; the
chain status with the anchor check — what `fupin audit verify` says, on a page."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import python_calamine
from django.urls import reverse
from django.utils import timezone

from fupin.core import audit
from fupin.core.models import AuditEvent

from ..conftest import make_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(users, settings, tmp_path):
    settings.WORK_DIR = tmp_path
    AuditEvent.objects.all().delete()
    audit.record("login", "core.User", users["cadre"].pk, {}, actor=users["cadre"])
    audit.record("unmask", "registry.Member", "17", {"fields": ["id_number"]}, actor=users["town"])
    audit.record(
        "create",
        "registry.Household",
        "H-9",
        {"id_number": make_id_number(), "name": "=1+1"},
        actor=users["town"],
    )
    return users


def page(client, **query) -> str:
    """The table's rows (the filter form's drop-downs name every action and type)."""
    response = client.get(reverse("reports:audit_list"), query)
    assert response.status_code == 200
    body = response.content.decode()
    if "<tbody>" not in body:
        return body.split("</form>", 2)[-1]
    return body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def test_the_auditor_searches_by_user_action_and_record(client, trail):
    client.force_login(trail["auditor"])
    everything = page(client)
    assert "registry.Household" in everything and "core.User" in everything
    only_town = page(client, actor="town")
    assert "registry.Member" in only_town and "core.User" not in only_town
    unmasks = page(client, action="unmask")
    assert "registry.Member" in unmasks and "registry.Household" not in unmasks
    one_record = page(client, object_type="registry.Household", object_id="H-9")
    assert "H-9" in one_record and "registry.Member" not in one_record


def test_date_range_is_inclusive_of_the_last_day(client, trail):
    client.force_login(trail["auditor"])
    today = timezone.localdate()
    AuditEvent.objects.filter(action="login").update(at=timezone.now() - dt.timedelta(days=3))
    recent = page(client, date_from=today.isoformat(), date_to=today.isoformat())
    assert "registry.Member" in recent and "core.User" not in recent
    older = page(client, date_to=(today - dt.timedelta(days=1)).isoformat())
    assert "core.User" in older and "registry.Member" not in older
    query = {"date_from": today.isoformat(), "date_to": (today - dt.timedelta(days=1)).isoformat()}
    backwards = client.get(reverse("reports:audit_list"), query).content.decode()
    assert "结束日期不能早于开始日期" in backwards and "<tbody>" not in backwards


def test_an_id_number_quoted_in_a_detail_is_masked(client, trail):
    client.force_login(trail["auditor"])
    body = page(client)
    number = make_id_number()
    assert number not in body and number[:6] in body


@pytest.mark.parametrize("value", ["0", "-1", "abc", "99999999999999999999"])
def test_a_bad_page_number_is_a_400(client, trail, value):
    client.force_login(trail["auditor"])
    assert client.get(reverse("reports:audit_list"), {"page": value}).status_code == 400


def test_the_export_is_a_workbook_of_the_filtered_entries_and_is_itself_audited(client, trail):
    client.force_login(trail["auditor"])
    response = client.get(reverse("reports:audit_export"), {"actor": "town"})
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    rows = book.get_sheet_by_name(book.sheet_names[0]).to_python()
    assert rows[0][:4] == ["序号", "时间", "操作人账号", "动作"]
    assert sorted(r[3] for r in rows[1:]) == ["create", "unmask"]
    assert make_id_number() not in data.decode("latin-1")
    formula_cells = [r[6] for r in rows[1:] if "=1+1" in r[6]]
    assert formula_cells and all(not c.startswith("=") for c in formula_cells)
    exported = AuditEvent.objects.get(action="export", object_type="core.AuditEvent")
    assert exported.actor_name == "auditor" and exported.detail["rows"] == 2


def test_verify_reports_an_intact_chain_and_the_anchor(client, trail, tmp_path):
    client.force_login(trail["auditor"])
    audit.write_anchor()
    body = client.post(reverse("reports:audit_verify"), HTTP_HX_REQUEST="true").content.decode()
    assert "审计链完好" in body and "与锚点一致" in body


def test_verify_detects_deleted_newest_entries_against_the_anchor(client, trail):
    client.force_login(trail["auditor"])
    audit.write_anchor()
    AuditEvent.objects.filter(seq=audit.head().seq).delete()
    body = client.post(reverse("reports:audit_verify")).content.decode()
    assert "最新的记录被删除了" in body and "<html" in body


def test_verify_detects_a_changed_entry(client, trail):
    client.force_login(trail["auditor"])
    AuditEvent.objects.filter(action="unmask").update(actor_name="someone_else")
    body = client.post(reverse("reports:audit_verify"), HTTP_HX_REQUEST="true").content.decode()
    assert "审计链校验失败" in body


def test_the_menu_offers_the_trail_to_the_auditor_only(client, trail):
    client.force_login(trail["auditor"])
    assert reverse("reports:audit_list") in client.get(reverse("home"), follow=True).content.decode()
    client.force_login(trail["leader"])
    assert reverse("reports:audit_list") not in client.get(reverse("home"), follow=True).content.decode()
