"""`fupin serve` and `fupin worker` as real processes on a fresh data folder: the site answers with DEBUG
off and static files, the worker starts and stops with the server, and a job whose worker is killed
mid-way ends as failed with its reason when the worker starts again."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    work = tmp_path_factory.mktemp("site")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FUPIN_", "DATABASE_URL"))}
    env.update(
        FUPIN_WORK_DIR=str(work),
        DATABASE_URL=f"sqlite:///{work / 'fupin.sqlite3'}",
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE="fupin.settings",
    )
    migrate = fupin(env, "migrate", "-v0")
    assert migrate.wait(300) == 0, migrate.stderr.read()
    assert "已生成新的随机密钥" in migrate.stderr.read()
    return work, env


def fupin(env, *args) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "fupin.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode("utf-8", "replace")


def wait_until(predicate, timeout: float = 90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("timed out")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too: its parent has not collected it yet.
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "State:\tZ" in status.read_text())


def test_serve_runs_the_site_with_a_worker_and_stops_both(site):
    work, env = site
    port = free_port()
    server = fupin(env, "serve", "--port", str(port), "--threads", "2")
    try:

        def up():
            try:
                return get(f"http://127.0.0.1:{port}/accounts/login/")
            except OSError:
                return None

        status, headers, body = wait_until(up)
        assert status == 200 and "登录扶贫信息系统" in body
        assert "no-store" in headers["Cache-Control"]
        static = get(f"http://127.0.0.1:{port}/static/vendor/htmx/htmx.min.js")
        assert static[0] == 200 and "no-store" not in static[1].get("Cache-Control", "")
        missing = get(f"http://127.0.0.1:{port}/no-such-page/")
        assert missing[0] == 404 and "URLconf" not in missing[2]  # DEBUG is off
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=60)
    assert f"会话密钥：{work / 'secret.key'}" in out and f"审计密钥：{work / 'audit.key'}" in out
    worker_pid = int(re.search(r"后台任务进程已启动（进程号 (\d+)）", out).group(1))
    assert "后台任务进程已停止" in out and "网站已停止" in out
    assert not pid_alive(worker_pid)


def job_state(work: Path, job_id: str) -> tuple[str, str]:
    with sqlite3.connect(work / "fupin.sqlite3") as db:
        return db.execute(
            "SELECT status, message FROM core_job WHERE id = ?", [job_id.replace("-", "")]
        ).fetchone()


def test_a_job_interrupted_by_killing_its_worker_ends_as_failed_on_restart(site):
    work, env = site
    script = (
        "from tests.core.slow_job import sleep_job; from fupin.core import jobs; "
        "from fupin.core.models import User; "
        "u = User.objects.create_user('worker-test', password='x'); "
        "print(jobs.enqueue(sleep_job, owner=u, title='slow', params={'seconds': 300}).pk)"
    )
    shell = fupin(env, "shell", "-c", script)
    out, err = shell.communicate(timeout=120)
    assert shell.returncode == 0, err
    job_id = out.strip().splitlines()[-1]
    assert job_state(work, job_id)[0] == "queued"

    worker = fupin(env, "worker")
    wait_until(lambda: job_state(work, job_id)[0] == "running")
    worker.kill()  # kill -9: no chance to record anything
    worker.communicate(timeout=30)
    assert job_state(work, job_id)[0] == "running"  # what a dead worker leaves behind

    again = fupin(env, "worker")
    try:
        status, message = wait_until(
            lambda: job_state(work, job_id)[0] != "running" and job_state(work, job_id)
        )
    finally:
        again.send_signal(signal.SIGTERM)
        out, _err = again.communicate(timeout=60)
    assert status == "failed" and "任务被中断" in message
    assert "在上次停止时被中断，已记为失败" in out
