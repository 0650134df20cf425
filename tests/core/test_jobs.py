"""Background jobs (fupin.core.jobs): queue, pages, downloads for owner and administrator only,
failures, recovery of jobs whose worker died, and retention of their files."""

from __future__ import annotations

import datetime as dt
import io
import os
import socket
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from fupin.core import jobs, retention
from fupin.core.models import AuditEvent, Job
from fupin.exchange.models import ImportJob

pytestmark = pytest.mark.django_db


@jobs.handler
def write_text(job: jobs.JobContext, *, text: str) -> dict:
    job.progress("写文件", 1, 1)
    path = job.output_dir / "out.txt"
    path.write_text(text, encoding="utf-8")
    job.set_result(path, "结果.txt", "text/plain")
    return {"chars": len(text)}


@jobs.handler
def refuse(job: jobs.JobContext) -> None:
    raise jobs.JobError("这个任务不能完成：原因写给用户看")


@jobs.handler
def crash(job: jobs.JobContext) -> None:
    raise RuntimeError("441882196001010011 must not reach the page")


def not_registered(job):
    return None


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_job_is_queued_in_the_database_and_run_by_the_worker(users, database_queue):
    # Committed data, as a real worker sees it (its loop checks connections between tasks).
    job = jobs.enqueue(write_text, owner=users["cadre"], title="写一个文件", params={"text": "你好"})
    assert job.status == Job.Status.QUEUED
    assert DBTaskResult.objects.get(pk=job.task_id).status == "READY"
    call_command("worker", batch=True, stdout=io.StringIO())
    job.refresh_from_db()
    assert (job.status, job.result, job.result_name) == (Job.Status.SUCCEEDED, {"chars": 2}, "结果.txt")
    assert jobs.result_path(job).read_text(encoding="utf-8") == "你好"
    assert DBTaskResult.objects.get(pk=job.task_id).status == "SUCCESSFUL"


def test_the_job_page_polls_and_offers_the_file_to_its_owner_and_the_administrator(client, users):
    job = jobs.enqueue(write_text, owner=users["cadre"], title="写一个文件", params={"text": "你好"})
    client.force_login(users["cadre"])
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "写一个文件" in page and reverse("jobs:download", args=[job.pk]) in page
    assert 'hx-trigger="every 2s"' not in page  # finished: no more polling
    download = client.get(reverse("jobs:download", args=[job.pk]))
    assert b"".join(download.streaming_content).decode() == "你好"
    assert AuditEvent.objects.filter(action="download", object_id=str(job.pk)).exists()
    assert "写一个文件" in client.get(reverse("jobs:list")).content.decode()
    for name, status in (("cadre_b", 404), ("town", 404), ("admin", 200)):
        client.force_login(users[name])
        for url in ("detail", "status", "download"):
            assert client.get(reverse(f"jobs:{url}", args=[job.pk])).status_code == status, (name, url)


def test_a_running_job_is_polled_with_its_progress(client, users):
    job = Job.objects.create(owner=users["town"], kind="x", title="导入", status=Job.Status.RUNNING)
    Job.objects.filter(pk=job.pk).update(stage="成员", done=1200)
    client.force_login(users["town"])
    fragment = client.get(reverse("jobs:status", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in fragment and "成员" in fragment and "已处理 1200 行" in fragment


def test_failures_end_the_job_with_a_message_for_the_user(users):
    refused = jobs.enqueue(refuse, owner=users["cadre"], title="a")
    assert (refused.status, refused.message) == (Job.Status.FAILED, "这个任务不能完成：原因写给用户看")
    crashed = jobs.enqueue(crash, owner=users["cadre"], title="b")
    assert crashed.status == Job.Status.FAILED
    assert "RuntimeError" in crashed.message and "441882" not in crashed.message


def test_only_registered_handlers_can_be_queued(users):
    with pytest.raises(ValueError, match="not a registered job handler"):
        jobs.enqueue(not_registered, owner=users["cadre"], title="x")


def _running(owner, *, worker: str, heartbeat: dt.datetime, task_id: str = "") -> Job:
    return Job.objects.create(
        owner=owner,
        kind="x",
        title="t",
        status=Job.Status.RUNNING,
        worker=worker,
        heartbeat_at=heartbeat,
        task_id=task_id,
    )


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_job_whose_worker_died_ends_as_failed_with_the_reason(users, database_queue):
    here = socket.gethostname()
    now = timezone.now()
    task = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="fupin.core.jobs.run_job",
        backend_name="default",
        status="RUNNING",
    )
    dead = _running(users["town"], worker=f"{here}:{_dead_pid()}", heartbeat=now, task_id=str(task.pk))
    alive = _running(users["town"], worker=f"{here}:{os.getppid()}", heartbeat=now)
    far_silent = _running(users["town"], worker="other-pc:12", heartbeat=now - dt.timedelta(hours=1))
    far_beating = _running(users["town"], worker="other-pc:13", heartbeat=now)
    importing = ImportJob.objects.create(
        user=users["town"], filename="x.xlsx", directory="d", source="x", status="running", job=dead
    )
    ended = jobs.recover_interrupted()
    assert {job.pk for job in ended} == {dead.pk, far_silent.pk}
    for job in (dead, alive, far_silent, far_beating):
        job.refresh_from_db()
    assert (dead.status, dead.message) == (Job.Status.FAILED, jobs.INTERRUPTED)
    assert far_silent.status == Job.Status.FAILED
    assert alive.status == far_beating.status == Job.Status.RUNNING
    task.refresh_from_db()
    assert task.status == "FAILED" and task.finished_at is not None
    importing.refresh_from_db()
    assert (importing.status, importing.message) == ("failed", jobs.INTERRUPTED)


def test_files_past_the_retention_period_are_removed(users, settings, tmp_path):
    settings.FUPIN_RETENTION_DAYS = 30
    old = jobs.enqueue(write_text, owner=users["cadre"], title="old", params={"text": "a"})
    new = jobs.enqueue(write_text, owner=users["cadre"], title="new", params={"text": "b"})
    Job.objects.filter(pk=old.pk).update(finished_at=timezone.now() - dt.timedelta(days=31))
    folder = settings.MEDIA_ROOT / "exchange" / "20160101" / "abc"
    folder.mkdir(parents=True)
    (folder / "upload.xlsx").write_bytes(b"PK")
    stale_import = ImportJob.objects.create(
        user=users["cadre"],
        filename="x.xlsx",
        directory="exchange/20160101/abc",
        source="upload.xlsx",
        status="invalid",
        errors=[{"sheet": "成员", "message": "证件号码 441882196001010011 重复"}],
    )
    ImportJob.objects.filter(pk=stale_import.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    out = io.StringIO()
    call_command("cleanup", stdout=out)
    assert "jobs 1 项" in out.getvalue() and "exchange 1 项" in out.getvalue()
    old.refresh_from_db()
    assert jobs.result_path(old) is None and not jobs.output_dir(old).exists()
    assert jobs.result_path(Job.objects.get(pk=new.pk)) is not None
    assert not folder.exists()
    stale_import.refresh_from_db()
    assert stale_import.errors == []
    assert not any(retention.purge().values())  # nothing twice
