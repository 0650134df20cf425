"""Web pages of the exchange: upload an import, watch it, read its errors; download an export."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core import jobs as background

from . import jobs
from .forms import ExportForm, ImportForm
from .models import ImportJob
from .schema import SHEETS
from .writer import write_template

XLSX = jobs.XLSX


def _may_import(user) -> bool:
    return user.is_active and user.manages_households and (user.is_admin or bool(user.area_id))


def _own_job(request, pk: int) -> ImportJob:
    job = get_object_or_404(ImportJob, pk=pk)
    if job.user_id != request.user.pk and not request.user.is_admin:
        raise Http404
    return job


def _save_upload(folder: Path, files) -> str:
    """Store the upload under `folder`; returns the path the pipeline reads (a file or a CSV folder)."""
    if len(files) == 1 and not files[0].name.lower().endswith(".csv"):
        suffix = Path(files[0].name).suffix.lower()[:5]
        target = folder / f"upload{suffix}"
        with open(target, "wb") as handle:
            for chunk in files[0].chunks():
                handle.write(chunk)
        return target.name
    csv_dir = folder / "csv"
    csv_dir.mkdir()
    for upload in files:
        with open(csv_dir / Path(upload.name).name, "wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
    return csv_dir.name


@login_required
def import_upload(request):
    if not _may_import(request.user):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        files = form.cleaned_data["files"]
        directory = f"exchange/{timezone.now():%Y%m%d}/{uuid.uuid4().hex}"
        folder = Path(settings.MEDIA_ROOT) / directory
        folder.mkdir(parents=True)
        job = ImportJob.objects.create(
            user=request.user,
            filename=", ".join(Path(f.name).name for f in files)[:200],
            directory=directory,
            source=_save_upload(folder, files),
            dry_run=form.cleaned_data["dry_run"],
        )
        jobs.start(job)
        return redirect("exchange:import_job", pk=job.pk)
    recent = ImportJob.objects.filter(user=request.user)[:10]
    return render(request, "exchange/import.html", {"form": form, "recent": recent})


def _job_context(job: ImportJob) -> dict:
    stage, done = jobs.live_progress(job)
    grouped = []
    for sheet in [s.name for s in SHEETS] + [""]:
        errors = [e for e in job.errors if e["sheet"] == sheet]
        if errors:
            grouped.append(
                {"sheet": sheet, "errors": errors, "total": job.error_counts.get(sheet, len(errors))}
            )
    others = [e for e in job.errors if e["sheet"] not in {s.name for s in SHEETS} | {""}]
    if others:
        grouped.append({"sheet": _("其他工作表"), "errors": others, "total": len(others)})
    marked = jobs.job_dir(job) / jobs.MARKED_NAME
    total = sum((job.counts or {}).values())
    return {
        "job": job,
        "stage": stage,
        "done": done,
        "grouped": grouped,
        "has_marked": marked.exists(),
        "total_rows": total,
    }


@login_required
def import_job(request, pk: int):
    job = _own_job(request, pk)
    return render(request, "exchange/job.html", _job_context(job))


@login_required
def import_progress(request, pk: int):
    job = _own_job(request, pk)
    if job.finished:
        # The whole page changes once the job is done: let htmx reload it.
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "exchange/_progress.html", _job_context(job))


@login_required
def import_report(request, pk: int):
    job = _own_job(request, pk)
    path = jobs.job_dir(job) / jobs.REPORT_NAME
    if not path.exists():
        raise Http404
    return FileResponse(open(path, "rb"), as_attachment=True, filename=f"import-report-{job.pk}.json")


@login_required
def import_marked(request, pk: int):
    job = _own_job(request, pk)
    path = jobs.job_dir(job) / jobs.MARKED_NAME
    if not path.exists():
        raise Http404
    name = f"{Path(job.filename.split(',')[0]).stem}-错误标注.xlsx"
    return FileResponse(open(path, "rb"), as_attachment=True, filename=name, content_type=XLSX)


@login_required
def template_download(request):
    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as handle:
        path = Path(handle.name)
    write_template(path)
    response = FileResponse(
        open(path, "rb"), as_attachment=True, filename="建档立卡数据表模板.xlsx", content_type=XLSX
    )
    path.unlink()  # the open handle keeps the data readable until the response is sent
    return response


@login_required
def export(request):
    user = request.user
    if not user.reads_households:
        raise PermissionDenied
    form = ExportForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        village = form.cleaned_data["village"] or None
        unmask = bool(form.cleaned_data.get("unmask")) and user.may_unmask
        job = background.enqueue(
            jobs.export_workbook,
            owner=user,
            title=_("导出建档立卡数据表（%(scope)s）") % {"scope": village or user.area_id or _("全部")},
            params={"village": village, "unmask": unmask},
        )
        return redirect("jobs:detail", pk=job.pk)
    return render(request, "exchange/export.html", {"form": form})
