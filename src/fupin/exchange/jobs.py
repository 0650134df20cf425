"""Running a web import in the background, so no request waits on a large file.

A job runs in a thread of the web process (no worker to deploy: a town runs `fupin runserver` on
one PC). Its state lives in the ImportJob row. While the import transaction is open, progress is
written to that row through a second, autocommitting connection on PostgreSQL; SQLite has a single
writer — the import itself — so there the progress is kept in this process and the row is updated
when the job starts and ends. `EXCHANGE_RUN_INLINE = True` (tests) runs the job in the request.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone

from . import reader
from .models import ImportJob
from .pipeline import import_registry
from .writer import write_annotated

log = logging.getLogger(__name__)
ERRORS_SHOWN_PER_SHEET = 200
REPORT_NAME = "report.json"
MARKED_NAME = "marked.xlsx"

# job id → (stage, rows done), for jobs of this process.
_live: dict[int, tuple[str, int]] = {}
_live_lock = threading.Lock()


def job_dir(job: ImportJob) -> Path:
    return Path(settings.MEDIA_ROOT) / job.directory


def live_progress(job: ImportJob) -> tuple[str, int]:
    with _live_lock:
        return _live.get(job.pk, (job.stage, job.done))


def start(job: ImportJob) -> None:
    if getattr(settings, "EXCHANGE_RUN_INLINE", False):
        run(job.pk)
        return
    threading.Thread(target=_thread_main, args=(job.pk,), name=f"import-job-{job.pk}", daemon=True).start()


def _thread_main(pk: int) -> None:
    try:
        run(pk)
    finally:
        connections.close_all()


class _Progress:
    """Records progress in memory and, on PostgreSQL, in the job row at most once a second."""

    def __init__(self, job: ImportJob):
        self.pk = job.pk
        self.side = None
        if connections["default"].vendor == "postgresql":
            self.side = connections.create_connection("default")
        self.last = 0.0

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        with _live_lock:
            _live[self.pk] = (stage, done)
        now = time.monotonic()
        if self.side is not None and now - self.last >= 1.0:
            self.last = now
            with self.side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {ImportJob._meta.db_table} SET stage = %s, done = %s WHERE id = %s",
                    [stage[:20], done, self.pk],
                )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
        with _live_lock:
            _live.pop(self.pk, None)


def run(pk: int) -> ImportJob:
    job = ImportJob.objects.select_related("user").get(pk=pk)
    job.status, job.started_at = ImportJob.Status.RUNNING, timezone.now()
    job.save(update_fields=["status", "started_at"])
    folder = job_dir(job)
    source_path = folder / job.source
    progress = _Progress(job)
    try:
        report = import_registry(
            source_path, actor=job.user, dry_run=job.dry_run, filename=job.filename, progress=progress
        )
        report.write(folder / REPORT_NAME)
        if report.errors:
            try:
                source = reader.open_source(source_path)
            except reader.NotAWorkbook:
                source = None
            if source is not None:
                try:
                    write_annotated(source, report.errors, folder / MARKED_NAME)
                finally:
                    source.close()
        job.counts, job.changes = report.counts, report.changes
        job.error_count = len(report.errors)
        job.error_counts, job.errors = {}, []
        for error in report.errors:
            shown = job.error_counts.get(error.sheet, 0)
            job.error_counts[error.sheet] = shown + 1
            if shown < ERRORS_SHOWN_PER_SHEET:
                job.errors.append(error.as_dict())
        if report.errors:
            job.status = ImportJob.Status.INVALID
        else:
            job.status = ImportJob.Status.CHECKED if job.dry_run else ImportJob.Status.SUCCEEDED
    except PermissionError as exc:
        job.status, job.message = ImportJob.Status.FAILED, str(exc)
    except Exception as exc:  # the job must end in a state the user sees, whatever went wrong
        log.exception("import job %s failed", pk)
        job.status, job.message = ImportJob.Status.FAILED, f"{type(exc).__name__}: {exc}"
    finally:
        progress.close()
    job.finished_at = timezone.now()
    job.save()
    if job.status == ImportJob.Status.SUCCEEDED:
        # The data is in the database now; keep only the report.
        for item in folder.iterdir():
            if item.is_dir():
                shutil.rmtree(item)
            elif item.name != REPORT_NAME:
                item.unlink()
    return job
