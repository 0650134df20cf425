"""Logins and failed logins go to the audit trail (a login's entry waits for a busy database in the
background: core.busy)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from . import audit
from .busy import write_or_defer


@receiver(user_logged_in, dispatch_uid="fupin-audit-login")
def _logged_in(sender, request, user, **kwargs):
    detail = {"ip": _ip(request), "at": timezone.now().isoformat()}
    write_or_defer("audit login", lambda: audit.record("login", "core.User", user.pk, detail, actor=user))


@receiver(user_logged_out, dispatch_uid="fupin-audit-logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        detail = {"ip": _ip(request), "at": timezone.now().isoformat()}
        write_or_defer(
            "audit logout", lambda: audit.record("logout", "core.User", user.pk, detail, actor=user)
        )


@receiver(user_login_failed, dispatch_uid="fupin-audit-login-failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    audit.record(
        "login_failed", "core.User", "", {"username": credentials.get("username", ""), "ip": _ip(request)}
    )


def _ip(request) -> str:
    if request is None:
        return ""
    return request.META.get("REMOTE_ADDR", "")
