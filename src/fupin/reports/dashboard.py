"""The leader's dashboard: the town's state in figures, each a link to the list it counts.

Each app may add figures through a `dashboard.py` module of its own with `figures(user, year) -> list[Figure]`
(helpers' coverage, visits behind, open findings, open procedures, funds…), gathered in the order of
INSTALLED_APPS like the menu (`core/nav.py`). This module gives the registry's and the targets' figures.
Every figure is counted with grouped queries within the user's area.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import import_module, util
from urllib.parse import urlencode

from django.apps import apps
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from fupin.areas.models import VillageDesignation
from fupin.core import codes
from fupin.core.scope import in_area
from fupin.registry.models import Household, Member


@dataclass(frozen=True)
class Figure:
    group: str
    label: str
    value: object
    url: str = ""
    note: str = ""


@functools.cache
def _providers() -> tuple:
    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.dashboard"
        if (
            config.name.startswith("fupin.")
            and config.label != "reports"
            and util.find_spec(name) is not None
        ):
            module = import_module(name)
            if hasattr(module, "figures"):
                found.append(module.figures)
    return tuple(found)


def _list_url(**filters) -> str:
    return f"{reverse('registry:household_list')}?{urlencode(filters)}"


def registry_figures(user) -> list[Figure]:
    households = in_area(Household.objects.all(), user, "village__code")
    by_status = dict(households.values_list("status").annotate(n=Count("id")).order_by())
    members = in_area(Member.objects.filter(left_on__isnull=True), user, "household__village__code")
    persons = dict(members.values_list("household__status").annotate(n=Count("id")).order_by())
    group = _("贫困户和贫困人口")
    result = []
    for status in codes.HOUSEHOLD_STATUS.codes:
        label = codes.HOUSEHOLD_STATUS.label(status)
        url = _list_url(status=status) if user.reads_households else ""
        result.append(
            Figure(
                group,
                _("%(status)s户 / 人") % {"status": label},
                f"{by_status.get(status, 0)} / {persons.get(status, 0)}",
                url,
            )
        )
    return result


def village_figures(user) -> list[Figure]:
    designations = in_area(VillageDesignation.objects.all(), user, "village__code")
    counts = designations.aggregate(
        designated=Count("village", distinct=True),
        exited=Count("village", filter=Q(exited_year__isnull=False), distinct=True),
    )
    group = _("相对贫困村")
    url = reverse("areas:village_list")
    return [
        Figure(group, _("认定的相对贫困村"), counts["designated"], url),
        Figure(group, _("已出列"), counts["exited"], url),
    ]


def target_figures(user, year: int) -> tuple[list[Figure], dict | None]:
    """This year's exits against the plan, and the chart data (None without a baseline)."""
    from fupin.policy import definition, selectors

    group = _("脱贫目标")
    url = reverse("policy:targets")
    scope = selectors.aggregate_scope(user=user)
    try:
        policy = definition.for_year(year)
        result = selectors.targets(policy, area=scope.area if scope else None)
    except (selectors.NoBaseline, definition.PolicyError):
        return [Figure(group, _("脱贫目标"), _("无基线快照"), url, _("识别完成后请生成并锁定基线快照"))], None
    rows = {r.year: r for r in result.rows}
    figures = []
    for row in result.rows:
        figures.append(
            Figure(
                group,
                _("%(year)s年计划 / 实际脱贫人数") % {"year": row.year},
                f"{row.planned} / {row.actual}",
                url,
                _("累计 %(planned)s / %(actual)s")
                % {"planned": row.planned_cumulative, "actual": row.actual_cumulative},
            )
        )
    chart = {
        "years": [str(y) for y in rows],
        "planned": [r.planned for r in rows.values()],
        "actual": [r.actual for r in rows.values()],
        "planned_cumulative": [r.planned_cumulative for r in rows.values()],
        "actual_cumulative": [r.actual_cumulative for r in rows.values()],
    }
    return figures, chart


def figures(user, year: int) -> tuple[list[tuple[str, list[Figure]]], dict | None]:
    """The figures grouped in order, and the targets chart."""
    targets, chart = target_figures(user, year)
    everything = registry_figures(user) + targets + village_figures(user)
    for provider in _providers():
        everything.extend(provider(user, year))
    groups: dict[str, list[Figure]] = {}
    for figure in everything:
        groups.setdefault(figure.group, []).append(figure)
    return list(groups.items()), chart
