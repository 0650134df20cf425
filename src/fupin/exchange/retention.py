"""Web imports keep their upload, report and marked workbook only for the retention period."""

from __future__ import annotations

import shutil
from datetime import datetime

from .jobs import job_dir
from .models import ImportJob


def purge(*, before: datetime) -> int:
    """Remove the files of imports older than `before`, and the cell values quoted in their errors."""
    removed = 0
    for job in ImportJob.objects.filter(created_at__lt=before).exclude(directory="").iterator():
        shutil.rmtree(job_dir(job), ignore_errors=True)
        ImportJob.objects.filter(pk=job.pk).update(directory="", errors=[])
        removed += 1
    return removed
