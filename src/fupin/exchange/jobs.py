"""The background work of the exchange: web imports and exports, so no request waits on a large file.

The upload view creates the ImportJob (the file, then its outcome) and `start` queues it as a
background job (fupin.core.jobs) that `fupin worker` runs; its progress is the core job's. A job
interrupted by a restart ends as failed with the reason (`_interrupted`), never stays "running".
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from django.conf import settings
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core import jobs as background
from fupin.core.models import Job

from . import reader
from .exporter import export_registry
from .models import ImportJob
from .national_export import export_national
from .pipeline import import_registry
from .writer import write_annotated

log = logging.getLogger(__name__)
ERRORS_SHOWN_PER_SHEET = 200
REPORT_NAME = "report.json"
MARKED_NAME = "marked.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def job_dir(job: ImportJob) -> Path:
    return Path(settings.MEDIA_ROOT) / job.directory


def live_progress(job: ImportJob) -> tuple[str, int]:
    """(stage, rows done) as the worker last reported them."""
    if job.job_id is not None and job.job.status == Job.Status.RUNNING:
        return job.job.stage, job.job.done
    return job.stage, job.done


def start(job: ImportJob) -> None:
    job.job = background.enqueue(
        run_import, owner=job.user, title=_("导入 %(name)s") % {"name": job.filename}, params={"pk": job.pk}
    )
    job.save(update_fields=["job"])


@background.handler
def run_import(context: background.JobContext, *, pk: int) -> dict:
    job = run(pk, progress=lambda stage, done, total: context.progress(stage, done, total))
    return {"status": job.status}


@receiver(background.job_interrupted, dispatch_uid="exchange-import-interrupted")
def _interrupted(sender, job: Job, **kwargs) -> None:
    ImportJob.objects.filter(job=job, status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]).update(
        status=ImportJob.Status.FAILED, message=job.message, finished_at=timezone.now()
    )


def run(pk: int, progress=None) -> ImportJob:
    job = ImportJob.objects.select_related("user").get(pk=pk)
    job.status, job.started_at = ImportJob.Status.RUNNING, timezone.now()
    job.save(update_fields=["status", "started_at"])
    folder = job_dir(job)
    source_path = folder / job.source
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


@background.handler
def export_workbook(
    context: background.JobContext, *, village: str | None, unmask: bool, layout: str = "registry"
) -> dict:
    """The web export, in the worker: the registry workbook (or the national 贫困人口明细 layout) of the
    owner's scope or one village."""
    user = context.owner
    if not (user.is_active and user.reads_households):
        raise background.JobError(_("您已无权导出建档立卡数据。"))
    context.progress(_("导出"))
    path = context.output_dir / "export.xlsx"
    unmask = unmask and user.may_unmask
    if layout == "national":
        export_national(path, actor=user, village=village, unmask=unmask)
        title = "贫困人口明细"
    else:
        export_registry(path, actor=user, village=village, unmask=unmask)
        title = "建档立卡数据表"
    name = f"{title}-{village or user.area_id or '全部'}-{timezone.localdate():%Y%m%d}.xlsx"
    context.set_result(path, name, XLSX)
    return {"village": village or "", "unmasked": unmask, "layout": layout}
