"""`fupin serve`: the real server — waitress (pure Python, also on Windows), static files by WhiteNoise,
DEBUG off — and a `fupin worker` beside it for the background jobs, stopped with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

WORKER_RESTART_DELAY = 5.0
WORKER_STOP_GRACE = 10.0


class WorkerProcess:
    """The `fupin worker` child: started with the server, restarted if it dies, stopped on exit."""

    def __init__(self, stdout):
        self.stdout = stdout
        self.process: subprocess.Popen | None = None
        self.stopping = threading.Event()
        self.watcher = threading.Thread(target=self._watch, name="fupin-worker-watch", daemon=True)

    def start(self) -> None:
        self._spawn()
        self.watcher.start()

    def _spawn(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "fupin.cli", "worker"], env=os.environ.copy())
        self.stdout.write(f"后台任务进程已启动（进程号 {self.process.pid}）")

    def _watch(self) -> None:
        while not self.stopping.wait(WORKER_RESTART_DELAY):
            if self.process is not None and self.process.poll() is not None and not self.stopping.is_set():
                self.stdout.write(f"后台任务进程意外退出（退出码 {self.process.returncode}），重新启动")
                self._spawn()

    def stop(self) -> None:
        self.stopping.set()
        process = self.process
        if process is None or process.poll() is not None:
            return
        # First request: finish the current job. Second: stop it (it is recorded as interrupted).
        for _attempt in range(2):
            process.terminate()
            try:
                process.wait(WORKER_STOP_GRACE)
                break
            except subprocess.TimeoutExpired:
                continue
        else:
            process.kill()
            process.wait()
        self.stdout.write("后台任务进程已停止")


class Command(BaseCommand):
    help = "启动网站服务（waitress + WhiteNoise，关闭调试模式）和后台任务进程"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("FUPIN_HOST", "127.0.0.1"), help="监听地址")
        parser.add_argument("--port", type=int, default=int(os.environ.get("FUPIN_PORT", "8000")))
        parser.add_argument("--threads", type=int, default=8, help="同时处理的请求数")
        parser.add_argument(
            "--no-worker", action="store_true", help="不启动后台任务进程（另行运行 fupin worker）"
        )

    def handle(self, *args, host: str, port: int, threads: int, no_worker: bool, **options):
        from waitress import serve

        if settings.DEBUG:
            raise CommandError("调试模式（FUPIN_DEBUG=1）不能用于正式服务")
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("数据库需要升级：请先运行 fupin migrate（升级步骤见 docs/operations.md）")
        connection.close()
        # Static files come from the apps through WhiteNoise's finders; the folder only has to exist.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        from fupin.wsgi import application

        self.describe(host, port)
        proxy = os.environ.get("FUPIN_PROXY") or ("127.0.0.1" if settings.HTTPS else "")
        options = {"host": host, "port": port, "threads": threads, "ident": "fupin"}
        if proxy:
            # Only the reverse proxy may say who the client is and that it came over HTTPS.
            options.update(
                trusted_proxy=proxy, trusted_proxy_headers={"x-forwarded-for", "x-forwarded-proto"}
            )
            self.stdout.write(f"反向代理：{proxy}（信任它的 X-Forwarded-For / X-Forwarded-Proto）")
        worker = None if no_worker else WorkerProcess(self.stdout)
        signal.signal(signal.SIGTERM, _exit)
        try:
            if worker is not None:
                worker.start()
            self.stdout.write(f"网站已启动：http://{host}:{port}/ （按 Ctrl+C 停止）")
            self.stdout.flush()
            serve(application, **options)
        except KeyboardInterrupt:
            pass
        finally:
            if worker is not None:
                worker.stop()
            self.stdout.write("网站已停止")

    def describe(self, host: str, port: int) -> None:
        work = settings.WORK_DIR
        for label, source, variable, name in (
            ("会话密钥", settings.SECRET_KEY_SOURCE, "FUPIN_SECRET_KEY", "secret.key"),
            ("审计密钥", settings.FUPIN_AUDIT_KEY_SOURCE, "FUPIN_AUDIT_KEY", "audit.key"),
        ):
            if source == "env":
                self.stdout.write(f"{label}：来自环境变量 {variable}")
            elif source == "generated":
                self.stdout.write(
                    f"{label}：未配置，已生成新的随机密钥并保存到 {work / name}（仅本账户可读）。"
                    "请把它另行备份（见 docs/operations.md）"
                )
            else:
                self.stdout.write(f"{label}：{work / name}")
        db = settings.DATABASES["default"]
        self.stdout.write(f"数据目录：{work}")
        self.stdout.write(f"数据库：{connection.vendor} {db['NAME']}")
        self.stdout.write(
            "HTTPS：" + ("是（安全 Cookie、HSTS）" if settings.HTTPS else "否（仅限本机或内网，见文档）")
        )


def _exit(signum, frame):
    raise KeyboardInterrupt
