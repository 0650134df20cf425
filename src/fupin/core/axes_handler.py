"""django-axes' database handler, with the records of a successful login or a logout written when the
database is free (`core.busy.write_or_defer`) instead of failing the login while an import commits.
Failed logins are counted at once, as the lockout needs."""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler

from .busy import write_or_defer


class DeferringAxesHandler(AxesDatabaseHandler):
    def user_logged_in(self, sender, request, user, **kwargs):
        parent = super().user_logged_in
        write_or_defer("axes login", lambda: parent(sender, request, user, **kwargs))

    def user_logged_out(self, sender, request, user, **kwargs):
        parent = super().user_logged_out
        write_or_defer("axes logout", lambda: parent(sender, request, user, **kwargs))
