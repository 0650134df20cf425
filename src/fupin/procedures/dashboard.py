"""Figures of the procedures for the leader's dashboard (fupin.reports.dashboard)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from fupin.reports.dashboard import Figure

from . import selectors


def figures(user, year: int) -> list[Figure]:
    if not user.reads_households:
        return []
    group = _("程序")
    url = reverse("procedures:work_list")
    return [
        Figure(group, _("进行中的程序"), selectors.open_procedures(user=user).count(), url),
        Figure(group, _("未处理的异议"), selectors.open_objections(user=user).count(), url),
    ]
