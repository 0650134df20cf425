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
from fupin.core import uploads

from . import jobs
from .forms import ExportForm, ImportForm
from .models import ImportJob
from .schema import SHEET_BY_NAME, SHEETS
from .writer import write_template

XLSX = jobs.XLSX
IMPORT_KINDS = {"xlsx", "xls", "zip", "csv"}


def _may_import(user) -> bool:
    return user.is_active and user.manages_households and (user.is_admin or bool(user.area_id))


def _own_job(request, pk: int) -> ImportJob:
    job = get_object_or_404(ImportJob, pk=pk)
    if job.user_id != request.user.pk and not request.user.is_admin:
        raise Http404
    return job


def _save_upload(folder: Path, files) -> str:
    """Store the upload under `folder`; returns the path the pipeline reads (a file or a CSV folder)."""
    # One CSV file named as no sheet of the registry workbook is a national 贫困人口明细.
    single = len(files) == 1 and (
        not files[0].name.lower().endswith(".csv") or Path(files[0].name).stem not in SHEET_BY_NAME
    )
    if single:
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


def _checked(request, form: ImportForm) -> bool:
    """The form is valid and every file passed the upload gate (size, zip bomb, XML entities)."""
    refused = getattr(request, "refused_uploads", [])
    if refused:
        form.is_valid()
        form.errors.pop("files", None)
        form.add_error("files", uploads.refused_message(refused))
        return False
    if not form.is_valid():
        return False
    for upload in form.cleaned_data["files"]:
        try:
            uploads.check_upload(upload, kinds=IMPORT_KINDS)
        except uploads.UploadRefused as exc:
            form.add_error("files", f"{Path(upload.name).name}：{exc.message}")
    return not form.errors


@login_required
def import_upload(request):
    if not _may_import(request.user):
        raise PermissionDenied
    posted = request.method == "POST"
    form = ImportForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and _checked(request, form):
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
    # The registry workbook's sheets in their order, then any other sheet named (a national file's).
    names = [s.name for s in SHEETS] + [""]
    names += list(dict.fromkeys(e["sheet"] for e in job.errors if e["sheet"] not in names))
    for sheet in names:
        errors = [e for e in job.errors if e["sheet"] == sheet]
        if errors:
            grouped.append(
                {"sheet": sheet, "errors": errors, "total": job.error_counts.get(sheet, len(errors))}
            )
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
        layout = "national" if form.cleaned_data.get("layout") == "national" else "registry"
        title = _("导出贫困人口明细") if layout == "national" else _("导出建档立卡数据表")
        job = background.enqueue(
            jobs.export_workbook,
            owner=user,
            title=_("%(title)s（%(scope)s）")
            % {"title": title, "scope": village or user.area_id or _("全部")},
            params={"village": village, "unmask": unmask, "layout": layout},
        )
        return redirect("jobs:detail", pk=job.pk)
    return render(request, "exchange/export.html", {"form": form})
