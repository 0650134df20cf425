"""Generated and uploaded files are kept for a retention period (FUPIN_RETENTION_DAYS, default 30),
then removed by the worker's hourly housekeeping or `fupin cleanup`.

This module removes the result files of background jobs (fupin.core.jobs) and prunes old task rows;
an app that keeps files of its own (uploads, marked workbooks, reports) adds a `retention.py` with
`purge(*, before: datetime) -> int` (how many it removed), found here as the menu finds `nav.py`.
"""

from __future__ import annotations

import functools
import shutil
from datetime import datetime, timedelta
from importlib import import_module, util

from django.apps import apps
from django.conf import settings
from django.utils import timezone

from . import jobs
from .models import Job


def cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.FUPIN_RETENTION_DAYS)


@functools.cache
def _providers() -> tuple:
    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.retention"
        if config.name.startswith("fupin.") and config.label != "core" and util.find_spec(name) is not None:
            found.append((config.label, import_module(name)))
    return tuple(found)


def purge(*, now: datetime | None = None) -> dict[str, int]:
    """Remove what is past its retention; returns how many of each kind were removed."""
    from django_tasks_db.models import DBTaskResult

    before = cutoff(now)
    removed = {"jobs": 0}
    expired = Job.objects.filter(finished_at__lt=before, files_removed_at__isnull=True)
    for job in expired.iterator():
        shutil.rmtree(jobs.output_dir(job), ignore_errors=True)
        Job.objects.filter(pk=job.pk).update(files_removed_at=timezone.now())
        removed["jobs"] += 1
    DBTaskResult.objects.filter(finished_at__lt=before).delete()
    for label, module in _providers():
        removed[label] = module.purge(before=before)
    return removed


def describe(removed: dict[str, int]) -> str:
    return "，".join(f"{label} {count} 项" for label, count in removed.items())
