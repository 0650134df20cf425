"""The web pages: upload, background job and its progress, result grouped by sheet, the marked
workbook, the template download, and the export with the masked/unmasked choice."""

from __future__ import annotations

import io
import zipfile

import pytest
import python_calamine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from fupin.core.models import AuditEvent, Job
from fupin.exchange import jobs
from fupin.exchange.models import ImportJob
from fupin.registry.models import Household

from ..conftest import VILLAGE_B
from .helpers import registry_sheets, write_workbook
from .test_import_errors import db_state

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def login(client, users, name):
    client.force_login(users[name])
    return users[name]


def upload(client, path, **data):
    content = path.read_bytes()
    return client.post(
        reverse("exchange:import"),
        {"files": SimpleUploadedFile(path.name, content, content_type=XLSX), **data},
    )


def test_upload_runs_the_import_and_shows_the_result(client, users, tmp_path):
    login(client, users, "cadre")
    response = upload(client, write_workbook(tmp_path / "ok.xlsx", registry_sheets(2)))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "exchange:import_job", args=[job.pk]
    )
    assert job.status == "succeeded" and job.counts["成员"] == 3 and job.user == users["cadre"]
    assert Household.objects.count() == 2
    page = client.get(response["Location"])
    assert "全部数据有效，已导入" in page.content.decode()
    # The upload itself is not kept once its data is in the database.
    assert [p.name for p in jobs.job_dir(job).iterdir()] == [jobs.REPORT_NAME]


def test_invalid_upload_shows_errors_by_sheet_and_offers_the_marked_workbook(client, users, tmp_path):
    login(client, users, "cadre")
    sheets = registry_sheets(2)
    sheets["户"][1]["行政区划代码"] = VILLAGE_B  # another village: not the cadre's
    sheets["成员"][0]["健康状况"] = "很好"
    before = db_state()
    response = upload(client, write_workbook(tmp_path / "bad.xlsx", sheets))
    job = ImportJob.objects.get()
    assert job.status == "invalid" and job.error_count == 2 and job.error_counts == {"户": 1, "成员": 1}
    page = client.get(response["Location"]).content.decode()
    assert (
        page.index("“户”表")
        < page.index("out_of_scope")
        < page.index("“成员”表")
        < page.index("unknown_code")
    )
    assert "不在您的管辖范围" in page and "很好" in page
    assert db_state() == before
    marked = client.get(reverse("exchange:import_marked", args=[job.pk]))
    assert marked.status_code == 200
    content = b"".join(marked.streaming_content)
    path = tmp_path / "marked.xlsx"
    path.write_bytes(content)
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == ["错误汇总", "村", "户", "成员", "收入"]
    summary = list(book.get_sheet_by_name("错误汇总").iter_rows())
    assert [row[:4] for row in summary[1:]] == [
        ["户", 3.0, "行政区划代码", "out_of_scope"],
        ["成员", 2.0, "健康状况", "unknown_code"],
    ]
    # The user's own cells are all there, the bad ones filled red and commented.
    members = list(book.get_sheet_by_name("成员").iter_rows())
    assert members[1][7] == "很好" and members[1][2] == sheets["成员"][0]["证件号码"]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        comments = "".join(archive.read(n).decode() for n in archive.namelist() if "comments" in n)
    assert "很好" in comments and "不在您的管辖范围" in comments
    report = client.get(reverse("exchange:import_report", args=[job.pk]))
    assert b"out_of_scope" in b"".join(report.streaming_content)


def test_progress_is_polled_until_the_job_is_done(client, users, tmp_path):
    user = login(client, users, "town")
    background = Job.objects.create(owner=user, kind="x", title="x", status=Job.Status.RUNNING)
    job = ImportJob.objects.create(
        user=user,
        filename="x.xlsx",
        directory="exchange/x",
        source="x.xlsx",
        status=ImportJob.Status.RUNNING,
        job=background,
    )
    page = client.get(reverse("exchange:import_job", args=[job.pk])).content.decode()
    assert f'hx-get="{reverse("exchange:import_progress", args=[job.pk])}"' in page
    assert 'hx-trigger="every 1s"' in page
    # What the worker reports through the background job is what the page shows.
    Job.objects.filter(pk=background.pk).update(stage="成员", done=15000)
    partial = client.get(reverse("exchange:import_progress", args=[job.pk])).content.decode()
    assert "读取“成员”表" in partial and "已处理 15000 行" in partial
    job.status = ImportJob.Status.SUCCEEDED
    job.save()
    done = client.get(reverse("exchange:import_progress", args=[job.pk]))
    assert done.status_code == 204 and done["HX-Refresh"] == "true"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_import_is_queued_and_run_by_the_worker(client, users, tmp_path, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    login(client, users, "town")
    response = upload(client, write_workbook(tmp_path / "ok.xlsx", registry_sheets(2)))
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == "queued" and job.job.status == "queued"  # nothing ran in the request
    call_command("worker", batch=True, stdout=io.StringIO())
    job.refresh_from_db()
    assert job.status == "succeeded" and job.finished_at is not None and job.job.status == "succeeded"
    assert Household.objects.count() == 2


def test_csv_files_uploaded_together(client, users, tmp_path):
    login(client, users, "cadre")
    from fupin.exchange.schema import SHEET_BY_NAME

    files = []
    for name, rows in registry_sheets(2).items():
        headers = SHEET_BY_NAME[name].headers
        lines = [",".join(headers)] + [
            ",".join("" if row.get(h) is None else str(row[h]) for h in headers) for row in rows
        ]
        files.append(SimpleUploadedFile(f"{name}.csv", ("\ufeff" + "\n".join(lines)).encode(), "text/csv"))
    client.post(reverse("exchange:import"), {"files": files})
    assert ImportJob.objects.get().status == "succeeded"
    assert Household.objects.count() == 2


def test_not_a_workbook_upload(client, users, tmp_path):
    login(client, users, "cadre")
    path = tmp_path / "notes.xlsx"
    path.write_text("not a workbook")
    response = upload(client, path)
    job = ImportJob.objects.get()
    assert job.status == "invalid" and job.errors[0]["code"] == "not_a_workbook"
    assert "不是 Excel 工作簿" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("name", ["helper", "leader", "auditor", "upper", "civil", "noarea"])
def test_who_may_not_import(client, users, name):
    login(client, users, name)
    assert client.get(reverse("exchange:import")).status_code == 403


def test_a_job_is_visible_to_its_owner_only(client, users):
    owner = users["cadre"]
    job = ImportJob.objects.create(user=owner, filename="x.xlsx", directory="exchange/x", source="x.xlsx")
    login(client, users, "cadre_b")
    assert client.get(reverse("exchange:import_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("exchange:import_report", args=[job.pk])).status_code == 404


def test_upload_page_and_template_download(client, users):
    login(client, users, "cadre")
    page = client.get(reverse("exchange:import"))
    assert page.status_code == 200 and "下载空白模板" in page.content.decode()
    template = client.get(reverse("exchange:template"))
    assert template.status_code == 200 and template["Content-Type"] == XLSX
    assert b"".join(template.streaming_content)[:2] == b"PK"


def _exported(client, response, tmp_path):
    """Follow the export to its job page and download the file the job made."""
    assert response.status_code == 302
    job = Job.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])
    assert job.status == "succeeded", job.message
    page = client.get(response["Location"]).content.decode()
    assert reverse("jobs:download", args=[job.pk]) in page
    download = client.get(reverse("jobs:download", args=[job.pk]))
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"".join(download.streaming_content))
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return {name: list(book.get_sheet_by_name(name).iter_rows()) for name in book.sheet_names}


def test_export_page_masks_unless_asked_and_audits(client, users, make_household, tmp_path):
    household = make_household()
    head = household.members.get(relation="head").id_number
    login(client, users, "cadre")
    page = client.get(reverse("exchange:export")).content.decode()
    assert 'name="unmask"' in page
    masked = _exported(client, client.post(reverse("exchange:export"), {"village": ""}), tmp_path)
    assert masked["成员"][1][2] != head and "*" in masked["成员"][1][2]
    full = _exported(
        client, client.post(reverse("exchange:export"), {"village": "", "unmask": "on"}), tmp_path
    )
    assert full["成员"][1][2] == head
    events = list(AuditEvent.objects.filter(action="export").order_by("id"))
    assert [e.detail["unmasked"] for e in events] == [False, True]
    assert all(e.actor == users["cadre"] for e in events)


def test_export_page_without_the_right_to_unmask(client, users, make_household, tmp_path):
    household = make_household()
    login(client, users, "leader")
    assert 'name="unmask"' not in client.get(reverse("exchange:export")).content.decode()
    rows = _exported(
        client, client.post(reverse("exchange:export"), {"village": "", "unmask": "on"}), tmp_path
    )
    assert rows["成员"][1][2] != household.members.get(relation="head").id_number
    assert AuditEvent.objects.filter(action="export").get().detail["unmasked"] is False
    login(client, users, "upper")
    assert client.get(reverse("exchange:export")).status_code == 403
