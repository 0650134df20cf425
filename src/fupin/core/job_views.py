"""Pages of the background jobs (fupin.core.jobs): the user's list, one job polled by htmx, its file."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render

from . import audit, jobs
from .models import Job

LIST_LIMIT = 50


def _visible(request, pk) -> Job:
    job = get_object_or_404(Job.objects.select_related("owner"), pk=pk)
    if not jobs.may_see(request.user, job):
        raise Http404
    return job


def _context(job: Job) -> dict:
    return {
        "job": job,
        "has_file": jobs.result_path(job) is not None,
        "retention": settings.FUPIN_RETENTION_DAYS,
    }


@login_required
def job_list(request):
    mine = Job.objects.filter(owner=request.user).select_related("owner")[:LIST_LIMIT]
    return render(request, "core/job_list.html", {"jobs": mine})


@login_required
def job_detail(request, pk):
    return render(request, "core/job.html", _context(_visible(request, pk)))


@login_required
def job_status(request, pk):
    return render(request, "core/_job_status.html", _context(_visible(request, pk)))


@login_required
def job_download(request, pk):
    job = _visible(request, pk)
    path = jobs.result_path(job)
    if path is None:
        raise Http404
    audit.record("download", "core.Job", job.pk, {"title": job.title, "file": job.result_name})
    return FileResponse(
        open(path, "rb"), as_attachment=True, filename=job.result_name, content_type=job.result_type
    )
