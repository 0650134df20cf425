"""The village page's 政策评估 section: by year, both counts side by side and labelled.

The persons below the line by that year's income, the registered poor persons (建档立卡, not yet exited
at the start of the year), the incidence (registered poor / registered population) and the recorded
designation as relatively poor, beside the policy's verdict from the year's figures.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string

from fupin.areas.models import VillageYear
from fupin.batch import runner
from fupin.batch.sources import Scope
from fupin.registry.models import Income

from . import selectors
from .definition import PolicyError, for_year


def _judged_years(village) -> list[int]:
    years = set(Income.objects.filter(household__village_id=village.code).values_list("year", flat=True))
    years |= set(VillageYear.objects.filter(village_id=village.code).values_list("year", flat=True))
    judged = []
    for year in sorted(years, reverse=True):
        try:
            for_year(year)
        except PolicyError:
            continue
        judged.append(year)
    return judged


def village(request, village) -> list[str]:
    try:
        scope = selectors.aggregate_scope(user=request.user)
    except PermissionDenied:
        return []
    if scope is not None and not village.code.startswith(scope.area):
        return []
    rows = []
    for year in _judged_years(village):
        policy = for_year(year)
        evaluation = runner.evaluate(policy, year, Scope(area=village.code))
        found = [r for r in selectors.village_rows(evaluation) if r["village_code"] == village.code]
        if found:
            rows.append({"year": year, "policy": policy, "source": evaluation.source, **found[0]})
    if not rows:
        return []
    return [render_to_string("policy/village_panel.html", {"rows": rows}, request=request)]
