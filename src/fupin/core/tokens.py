"""API tokens: created by their user (the key shown once), revoked by their user or the administrator."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit

PREFIX_LENGTH = 8
# A token's last use is written at most this often: one write per API call would queue behind imports.
LAST_USED_RESOLUTION = timedelta(hours=1)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_token(*, user, name: str) -> tuple[object, str]:
    """A new token of `user`; returns (token, key). The key is not stored and cannot be shown again."""
    from .models import ApiToken

    name = name.strip()
    if not name:
        raise ValidationError({"name": _("请填写令牌用途，例如“县里的对接脚本”。")})
    if not user.is_active:
        raise PermissionDenied
    key = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name[:100], prefix=key[:PREFIX_LENGTH], key_hash=digest(key)
        )
        audit.record(
            "token_create",
            "core.ApiToken",
            token.pk,
            {"name": token.name, "prefix": token.prefix},
            actor=user,
        )
    return token, key


def revoke_token(*, actor, token) -> None:
    if token.user_id != actor.pk and not actor.is_admin:
        raise PermissionDenied
    with transaction.atomic():
        audit.record(
            "token_revoke",
            "core.ApiToken",
            token.pk,
            {"name": token.name, "prefix": token.prefix, "user": token.user.get_username()},
            actor=actor,
        )
        token.delete()


def find(key: str):
    """The token whose key this is (with its user), or None; notes when it was last used."""
    from .models import ApiToken

    token = ApiToken.objects.select_related("user").filter(key_hash=digest(key)).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
