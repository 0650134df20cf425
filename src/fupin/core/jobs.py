"""Background work for every app: enqueue a handler, let `fupin worker` run it, show its state, hand
out its file to its owner.

    from fupin.core import jobs

    @jobs.handler
    def print_handbook(job: jobs.JobContext, *, household: int) -> dict:
        job.progress(_("排版"), 0)
        path = job.output_dir / "handbook.pdf"
        ...
        job.set_result(path, "扶贫手册.pdf", "application/pdf")
        return {"pages": 12}

    job = jobs.enqueue(print_handbook, owner=request.user, title=_("打印扶贫手册"), params={"household": 7})
    return redirect(job)  # the job page: its state, polled by htmx, and the download when ready

The queue is django-tasks with its database backend: a queued job is a row, so it survives a restart
and runs when the worker comes back. A job that was running when its worker died (a restart, a
crash, kill -9) is found by `recover_interrupted` — the worker runs it on start and every minute —
and ends as failed with the reason; it never stays "running". Raise `JobError` with a Chinese message
for failures the user should read.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import threading
from collections.abc import Callable
from datetime import timedelta
from importlib import import_module
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks import task

from .models import Job

log = logging.getLogger(__name__)

INTERRUPTED = gettext_noop("任务被中断（服务重启或停止），没有完成，请重新提交。")
HEARTBEAT_SECONDS = 5.0
# Sent with `job` when recover_interrupted ends a job its worker left running.
job_interrupted = Signal()

_handlers: dict[str, Callable[..., Any]] = {}
_in_worker = False


class JobError(Exception):
    """A failure whose message (Chinese, for the user) is shown on the job page as it is."""


def handler(function: Callable[..., Any]) -> Callable[..., Any]:
    """Register a function as a job handler: `function(job: JobContext, **params) -> dict | None`."""
    _handlers[f"{function.__module__}.{function.__qualname__}"] = function
    return function


def enqueue(function: Callable[..., Any], *, owner, title: str, params: dict | None = None) -> Job:
    """Queue `function(**params)` to run in the worker on behalf of `owner`; returns the Job."""
    kind = f"{function.__module__}.{function.__qualname__}"
    if _handlers.get(kind) is not function:
        raise ValueError(f"{kind} is not a registered job handler (decorate it with @jobs.handler)")
    with transaction.atomic():
        job = Job.objects.create(owner=owner, kind=kind, title=title[:200], params=params or {})
        # The task row is written in the same transaction as the job: both or neither.
        job.task_id = str(run_job.enqueue(str(job.pk)).id)
        job.save(update_fields=["task_id"])
    job.refresh_from_db()
    return job


def _handler(kind: str) -> Callable[..., Any]:
    """The registered handler of this kind, importing its module first in a fresh worker."""
    if kind not in _handlers:
        try:
            import_module(kind.rpartition(".")[0])
        except ImportError:
            pass
    if kind not in _handlers:
        raise JobError(_("未知的任务类型：%(kind)s") % {"kind": kind})
    return _handlers[kind]


def output_dir(job: Job) -> Path:
    return Path(settings.MEDIA_ROOT) / "jobs" / str(job.pk)


def result_path(job: Job) -> Path | None:
    if not job.result_file or job.files_removed_at:
        return None
    path = Path(settings.MEDIA_ROOT) / job.result_file
    return path if path.is_file() else None


def may_see(user, job: Job) -> bool:
    """A job, its page and its file are for its owner and the administrator only."""
    return user.is_authenticated and user.is_active and (job.owner_id == user.pk or user.is_admin)


class JobContext:
    """What a handler gets: its job, where to write files, how to report progress and its result."""

    def __init__(self, job: Job):
        self.job = job
        self.owner = job.owner
        self.output_dir = output_dir(job)
        self._state: dict[str, Any] = {}
        self._lock = threading.Lock()

    def progress(self, stage: str, done: int = 0, total: int | None = None) -> None:
        with self._lock:
            self._state = {"stage": str(stage)[:60], "done": done, "total": total}
        if not _in_worker:  # in-process runs (tests, immediate backend) write straight away
            Job.objects.filter(pk=self.job.pk).update(**self._state)

    def take_progress(self) -> dict[str, Any]:
        with self._lock:
            state, self._state = self._state, {}
        return state

    def set_result(self, path: Path, name: str, content_type: str = "application/octet-stream") -> None:
        job = self.job
        job.result_file = str(Path(path).resolve().relative_to(Path(settings.MEDIA_ROOT).resolve()))
        job.result_name, job.result_type = name[:200], content_type


def worker_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


class _Heartbeat(threading.Thread):
    """Writes the job's progress and a heartbeat every few seconds, through its own connection.

    Its own connection, because the handler's may sit in a long transaction; on SQLite a write that
    would wait for the import's lock is skipped (short busy timeout) and tried again next beat.
    """

    def __init__(self, context: JobContext):
        super().__init__(name=f"job-heartbeat-{context.job.pk}", daemon=True)
        self.context = context
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(HEARTBEAT_SECONDS):
                self.beat()
            self.beat()
        finally:
            connections.close_all()

    def beat(self) -> None:
        state = self.context.take_progress()
        try:
            connection = connections["default"]
            if connection.vendor == "sqlite":
                connection.ensure_connection()
                connection.connection.execute("PRAGMA busy_timeout = 200")
            Job.objects.filter(pk=self.context.job.pk, status=Job.Status.RUNNING).update(
                heartbeat_at=timezone.now(), **state
            )
        except DatabaseError:
            with self.context._lock:  # keep the progress for the next beat
                self.context._state = {**state, **self.context._state}

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=10)


@task()
def run_job(job_id: str) -> str:
    """The one django-tasks task: runs the job's handler and records its outcome."""
    return execute(job_id)


def execute(job_id: str) -> str:
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
        worker=worker_identity(),
    )
    job = Job.objects.select_related("owner").get(pk=job_id)
    if not claimed:  # already run, or ended by recovery: nothing to do
        return job.status
    context = JobContext(job)
    context.output_dir.mkdir(parents=True, exist_ok=True)
    beat = _Heartbeat(context) if _in_worker else None
    if beat is not None:
        beat.start()
    interrupted = False
    try:
        function = _handler(job.kind)
        result = function(context, **job.params) or {}
        job.status, job.result, job.message = Job.Status.SUCCEEDED, result, ""
    except JobError as exc:
        job.status, job.message = Job.Status.FAILED, str(exc)
    except Exception as exc:  # the job must end in a state its owner sees, whatever went wrong
        log.exception("job %s (%s) failed", job.pk, job.kind)
        job.status, job.message = (
            Job.Status.FAILED,
            _("内部错误（%(error)s），请联系系统管理员。") % {"error": type(exc).__name__},
        )
    except BaseException:  # the worker is being stopped mid-job
        job.status, job.message, interrupted = Job.Status.FAILED, _(INTERRUPTED), True
        raise
    finally:
        if beat is not None:
            beat.stop()
        job.stage = ""
        job.finished_at = timezone.now()
        job.save(
            update_fields=[
                "status",
                "message",
                "result",
                "result_file",
                "result_name",
                "result_type",
                "stage",
                "finished_at",
            ]
        )
        if job.status == Job.Status.FAILED and not job.result_file:
            shutil.rmtree(context.output_dir, ignore_errors=True)
        if interrupted:
            job_interrupted.send(sender=Job, job=job)
    return job.status


def _pid_alive(pid: int) -> bool:
    if os.name == "nt":
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        process = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not process:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(process, ctypes.byref(code))
        kernel32.CloseHandle(process)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _worker_gone(job: Job, stale_before) -> bool:
    host, _sep, pid = job.worker.rpartition(":")
    if host == socket.gethostname() and pid.isdigit() and int(pid) != os.getpid():
        return not _pid_alive(int(pid))
    # A worker on another machine (or of unknown process): gone when it stopped beating.
    return job.heartbeat_at is None or job.heartbeat_at < stale_before


def recover_interrupted() -> list[Job]:
    """End as failed every running job whose worker is gone; returns them."""
    from django_tasks_db.models import DBTaskResult

    lease = timedelta(seconds=getattr(settings, "FUPIN_JOB_LEASE_SECONDS", 600))
    stale_before = timezone.now() - lease
    ended = []
    for job in Job.objects.filter(status=Job.Status.RUNNING).select_related("owner"):
        if not _worker_gone(job, stale_before):
            continue
        with transaction.atomic():
            if not Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
                status=Job.Status.FAILED, message=_(INTERRUPTED), finished_at=timezone.now(), stage=""
            ):
                continue
            if job.task_id:
                DBTaskResult.objects.filter(pk=job.task_id, status="RUNNING").update(
                    status="FAILED",
                    finished_at=timezone.now(),
                    exception_class_path="fupin.core.jobs.Interrupted",
                    traceback=INTERRUPTED,
                )
        job.refresh_from_db()
        log.warning("job %s (%s) was left running by %s: ended as failed", job.pk, job.kind, job.worker)
        job_interrupted.send(sender=Job, job=job)
        ended.append(job)
    return ended


def set_in_worker(value: bool = True) -> None:
    """Called by `fupin worker`: handlers run there report progress through the heartbeat thread."""
    global _in_worker
    _in_worker = value
