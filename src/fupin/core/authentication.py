"""API authentication by personal token (账号 → API 令牌), beside the browser session.

DRF's TokenAuthentication reads `Authorization: Token <key>`; the key itself is never stored, only
its SHA-256, so a copy of the database or of a backup opens no API. One cheap hash per request,
unlike Basic auth's argon2.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from . import tokens


class ApiTokenAuthentication(TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key):
        token = tokens.find(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("API 令牌无效或已撤销。"))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("账号已停用。"))
        return token.user, token
