"""Figures of the cross-checks for the leader's dashboard (fupin.reports.dashboard)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from fupin.reports.dashboard import Figure

from . import permissions, selectors


def figures(user, year: int) -> list[Figure]:
    if not permissions.reads_findings(user):
        return []
    group = _("动态监测")
    return [
        Figure(
            group,
            _("待处理的比对疑点"),
            selectors.findings_for(user=user).count(),
            reverse("monitoring:findings"),
        ),
    ]
