"""The village page's funds section: this year's money to the village, its 帮扶资金 against the
platform's 300,000-yuan mark and its projects (only for users who read funds in that village)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Max
from django.template.loader import render_to_string

from fupin.policy.definition import PolicyError

from . import selectors


def village(request, village) -> list[str]:
    user = request.user
    if not selectors.reads_funds(user) or not (user.is_admin or village.code.startswith(user.area_id)):
        return []
    latest = selectors.allocations_for(user=user).filter(area=village).aggregate(y=Max("year"))["y"]
    year = latest or dt.date.today().year
    projects = selectors.projects_for(user=user).filter(village=village).order_by("-proposed_on")[:10]
    try:
        funds = selectors.village_funds(user=user, year=year, area=village.code)
    except PolicyError:
        funds = []
    book = selectors.ledger(user=user, area=village.code)
    return [
        render_to_string(
            "funds/panel_village.html",
            {
                "village": village,
                "year": year,
                "fund": funds[0] if funds else None,
                "book": book,
                "projects": projects,
            },
            request=request,
        )
    ]
