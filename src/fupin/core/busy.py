"""The embedded database under load: a write that must wait is told so, and logging in never waits.

SQLite has one writer at a time. An import holds the write lock only for its final commit
(`exchange.pipeline.execute`), but during that commit — seconds for a town, up to a minute for a
province — every other write waits for the lock. Three rules keep the site responsive:

- A web write waits at most `FUPIN_DB_BUSY_TIMEOUT` seconds (default 5) for the lock; then
  `BusyMiddleware` answers 503 「系统正忙，请稍后重试」 with `Retry-After` (a JSON `errors` body under
  `/api/`), never a 500 「database is locked」. Nothing was written, so the user simply retries.
- Reads never wait: WAL lets them read the last committed state while a writer works.
- Logging in and out writes nothing that must be written at once. Sessions live in a file cache
  (settings.SESSION_ENGINE), not in the database. The bookkeeping of a login — `last_login`, the
  django-axes access log and the audit entry — goes through `write_or_defer`: tried at once without
  waiting and, when the database is busy, queued and written by a background thread as soon as the
  lock is free (the audit entry then carries the time of the login in its detail). A failed login is
  not deferred: its count is what protects the account, so it waits like any write (and may get 503).

`patient_writer()` is for the import's own commit, which should wait for the short web writes instead
of failing.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import OperationalError, connection, connections
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5
_LOCKED_WORDS = ("database is locked", "database table is locked", "database schema is locked")
DEFERRED_RETRY_SECONDS = 1.0
DEFERRED_GIVE_UP_SECONDS = 3600


def is_busy_error(exc: BaseException) -> bool:
    """Whether `exc` is SQLite's 'the other writer still holds the lock'."""
    if not isinstance(exc, OperationalError | sqlite3.OperationalError):
        return False
    text = str(exc).lower()
    return any(word in text for word in _LOCKED_WORDS)


def busy_message() -> str:
    return _("系统正忙，请稍后重试")


class BusyMiddleware:
    """Turns a write that timed out waiting for the database into 503 with Retry-After."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_busy_error(exception):
            return None
        log.warning("database busy: %s %s answered 503", request.method, request.path)
        message = busy_message()
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse(
                {"errors": [{"field": None, "code": "busy", "message": message}]}, status=503
            )
        else:
            response = render(request, "core/busy.html", {"message": message}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response


def _set_busy_timeout(milliseconds: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")


def _configured_timeout_ms() -> int:
    return int(float(settings.DATABASES["default"].get("OPTIONS", {}).get("timeout", 5)) * 1000)


@contextmanager
def patient_writer(seconds: float | None = None) -> Iterator[None]:
    """Wait up to `seconds` (FUPIN_IMPORT_LOCK_WAIT, default 120) for the write lock inside the block."""
    if connection.vendor != "sqlite":
        yield
        return
    wait = seconds if seconds is not None else getattr(settings, "FUPIN_IMPORT_LOCK_WAIT", 120)
    _set_busy_timeout(int(wait * 1000))
    try:
        yield
    finally:
        _set_busy_timeout(_configured_timeout_ms())


@contextmanager
def _no_wait() -> Iterator[None]:
    _set_busy_timeout(0)
    try:
        yield
    finally:
        _set_busy_timeout(_configured_timeout_ms())


_deferred: queue.Queue[tuple[float, str, Callable[[], object]]] = queue.Queue()
_worker: threading.Thread | None = None
_worker_lock = threading.Lock()


def write_or_defer(label: str, write: Callable[[], object]) -> bool:
    """Run `write` now if the database is free, else queue it for the background writer.

    Returns True when written now. On PostgreSQL (row locks, no single writer) it simply runs."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        write()
        return True
    try:
        with _no_wait():
            write()
        return True
    except OperationalError as exc:
        if not is_busy_error(exc):
            raise
    log.info("database busy: %s deferred", label)
    _deferred.put((time.monotonic(), label, write))
    _ensure_worker()
    return False


def _ensure_worker() -> None:
    global _worker
    with _worker_lock:
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_drain, name="fupin-deferred-writes", daemon=True)
            _worker.start()


def _drain() -> None:
    try:
        while True:
            try:
                queued, label, write = _deferred.get(timeout=30)
            except queue.Empty:
                return
            while True:
                try:
                    write()
                    break
                except OperationalError as exc:
                    if not is_busy_error(exc) or time.monotonic() - queued > DEFERRED_GIVE_UP_SECONDS:
                        log.error("deferred write %s dropped: %s", label, exc)
                        break
                    time.sleep(DEFERRED_RETRY_SECONDS)
                except Exception:
                    log.exception("deferred write %s failed", label)
                    break
            _deferred.task_done()
    finally:
        connections.close_all()


def wait_for_deferred(timeout: float = 30) -> bool:
    """Block until every queued write is done (tests, shutdown); False on timeout."""
    deadline = time.monotonic() + timeout
    while _deferred.unfinished_tasks:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def update_last_login(sender, user, **kwargs) -> None:
    """django.contrib.auth's receiver, deferred when the database is busy."""
    from django.utils import timezone

    now = timezone.now()
    user.last_login = now
    model = type(user)
    write_or_defer("last_login", lambda: model.objects.filter(pk=user.pk).update(last_login=now))


def install() -> None:
    """Replace django.contrib.auth's last_login receiver by the deferring one (CoreConfig.ready)."""
    from django.contrib.auth.models import update_last_login as django_update_last_login
    from django.contrib.auth.signals import user_logged_in

    user_logged_in.disconnect(django_update_last_login, dispatch_uid="update_last_login")
    user_logged_in.connect(update_last_login, dispatch_uid="fupin_update_last_login")
