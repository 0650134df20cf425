"""The household page's section on procedures: its cases, their state, and what may be started."""

from __future__ import annotations

from django.template.loader import render_to_string

from . import definitions, selectors


def household(request, household) -> list[str]:
    user = request.user
    if not user.reads_households:
        return []
    procedures = list(selectors.household_procedures(user=user, household=household)[:50])
    busy = any(p.state == "open" for p in procedures)
    may_start = (user.is_admin or user.role in ("village_cadre", "town_office")) and not busy
    startable = (
        [t for t in definitions.types().values() if household.status in t.from_status] if may_start else []
    )
    html = render_to_string(
        "procedures/_panel.html",
        {"household": household, "procedures": procedures, "startable": startable},
        request=request,
    )
    return [html]
