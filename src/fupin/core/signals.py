"""Logins, failed logins and every change to a user account go to the audit trail (a login's entry
waits for a busy database in the background: core.busy).

Account changes are caught on the User model itself (post_save/post_delete), whichever path made them:
the admin, a management command (`changepassword`, `createsuperuser`), a password form or a shell.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from . import audit
from .busy import write_or_defer

# Field → action for the account changes that matter on their own; any other field is "user_update".
_NAMED = {
    "role": "user_role",
    "area": "user_area",
    "is_staff": "user_privileges",
    "is_superuser": "user_privileges",
}
_IGNORED = {"last_login"}  # every login; the login itself is audited


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


def _account(user) -> dict:
    return {
        "username": user.get_username(),
        "role": user.role,
        "area": user.area_id or "",
        "is_active": user.is_active,
        "is_staff": user.is_staff,
    }


@receiver(post_save, sender=get_user_model(), dispatch_uid="fupin-audit-user-save")
def _user_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    if created:
        audit.record("user_create", "core.User", instance.pk, _account(instance))
    else:
        _record_changes(instance)
    instance._loaded = {f.attname: getattr(instance, f.attname) for f in sender._meta.concrete_fields}


def _record_changes(user) -> None:
    loaded = getattr(user, "_loaded", None) or {}
    changed = {
        name: old for name, old in loaded.items() if name not in _IGNORED and getattr(user, name, None) != old
    }
    entries = []
    who = {"username": user.get_username()}
    if "password" in changed:
        actor = audit.current_actor.get()
        own = actor is not None and getattr(actor, "pk", None) == user.pk
        # Never the hash itself: only that it changed, and whether by the user or for them.
        entries.append(audit.Entry("password_change" if own else "password_reset", "core.User", user.pk, who))
    if "is_active" in changed:
        action = "user_activate" if user.is_active else "user_deactivate"
        entries.append(audit.Entry(action, "core.User", user.pk, who))
    named: dict[str, dict] = {}
    for field, action in _NAMED.items():
        attname = f"{field}_id" if field == "area" else field
        if attname in changed:
            named.setdefault(action, {**who})[field] = {
                "from": changed[attname],
                "to": getattr(user, attname),
            }
    entries.extend(audit.Entry(action, "core.User", user.pk, detail) for action, detail in named.items())
    others = sorted(set(changed) - {"password", "is_active", "role", "area_id", "is_staff", "is_superuser"})
    if others:
        entries.append(audit.Entry("user_update", "core.User", user.pk, {**who, "fields": others}))
    if entries:
        audit.record_many(entries)


@receiver(post_delete, sender=get_user_model(), dispatch_uid="fupin-audit-user-delete")
def _user_deleted(sender, instance, **kwargs):
    audit.record("user_delete", "core.User", instance.pk, {"username": instance.get_username()})
