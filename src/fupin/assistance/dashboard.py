"""Figures of helpers and visits for the leader's dashboard (fupin.reports.dashboard)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from fupin.core.roles import Role
from fupin.reports.dashboard import Figure

from . import selectors

COMPLIANCE_READERS = (Role.ADMIN, Role.TOWN_OFFICE, Role.LEADER, Role.AUDITOR)


def figures(user, year: int) -> list[Figure]:
    if not user.reads_aggregates:
        return []
    group = _("帮扶和走访")
    rows = selectors.coverage_rows(user=user)
    poor = sum(r["registered_poor_persons"] for r in rows)
    without = sum(r["persons_without_helper"] for r in rows)
    result = [
        Figure(
            group, _("在册贫困人口中没有帮扶责任人的"), f"{without} / {poor}", reverse("assistance:coverage")
        )
    ]
    if user.role in COMPLIANCE_READERS:
        behind = [r for r in selectors.compliance_rows(year=year, quarter=4, user=user) if r["behind"]]
        result.append(
            Figure(
                group,
                _("%(year)s年第四季度走访未达标的领导") % {"year": year},
                len(behind),
                f"{reverse('assistance:compliance')}?year={year}",
            )
        )
    return result
