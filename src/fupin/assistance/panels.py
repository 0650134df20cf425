"""The 帮扶 section of the household page: helpers, plan, measures and visits in one view."""

from __future__ import annotations

from django.template.loader import render_to_string

from . import selectors
from .validation import describe
from .views import may_work_on


def household(request, household) -> list[str]:
    user = request.user
    if not user.reads_households:
        return []
    info = selectors.household_assistance(household)
    context = {
        "household": household,
        "info": info,
        "measures": [(m, describe(m.kind, m.details)) for m in info.measures],
        "may_work": may_work_on(user, household),
        "may_assign": user.manages_households,
    }
    return [render_to_string("assistance/_household_panel.html", context, request=request)]
