"""`fupin worker`: runs the background jobs (django-tasks' database worker) and the housekeeping."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import connections
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker

from fupin.core import audit, jobs, retention

log = logging.getLogger("fupin.worker")

RECOVER_EVERY = 60  # seconds
CLEANUP_EVERY = timedelta(hours=1)
ANCHOR_EVERY = timedelta(days=1)


class Housekeeping(threading.Thread):
    """Ends jobs left running by a dead worker, removes expired files, anchors the audit chain daily."""

    def __init__(self, stdout):
        super().__init__(name="fupin-housekeeping", daemon=True)
        self.stdout = stdout
        self.stopped = threading.Event()
        self.last_cleanup = self.last_anchor = None

    def run(self) -> None:
        while not self.stopped.wait(RECOVER_EVERY):
            try:
                self.once()
            except Exception:  # housekeeping must never take the worker down
                log.exception("housekeeping failed")
            finally:
                connections.close_all()

    def once(self) -> None:
        for job in jobs.recover_interrupted():
            self.stdout.write(f"任务 {job.pk}（{job.title}）的进程已不在，记为失败")
        now = timezone.now()
        if self.last_cleanup is None or now - self.last_cleanup >= CLEANUP_EVERY:
            removed = retention.purge()
            self.last_cleanup = now
            if any(removed.values()):
                self.stdout.write(f"已按保留期限清理：{retention.describe(removed)}")
        if self.last_anchor is None or now - self.last_anchor >= ANCHOR_EVERY:
            audit.write_anchor()
            self.last_anchor = now


class Command(BaseCommand):
    help = "运行后台任务（导入、导出、打印等）；fupin serve 会自动启动它"

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="空闲时每隔几秒查看一次新任务")
        parser.add_argument("--batch", action="store_true", help="运行完排队的任务就退出")

    def handle(self, *args, interval: float, batch: bool, **options):
        jobs.set_in_worker()
        for job in jobs.recover_interrupted():
            self.stdout.write(f"任务 {job.pk}（{job.title}）在上次停止时被中断，已记为失败")
        housekeeping = Housekeeping(self.stdout)
        if not batch:
            housekeeping.start()
        self.stdout.write(f"后台任务进程已启动（{jobs.worker_identity()}）")
        worker = Worker(
            queue_names=["*"],
            excluded_queue_names=[],
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=jobs.worker_identity()[:64],
        )
        worker.configure_signals()
        try:
            worker.run()
        finally:
            housekeeping.stopped.set()
            worker.reset_signals()
            jobs.set_in_worker(False)
