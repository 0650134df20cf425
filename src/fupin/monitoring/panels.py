"""Sections of the household and village pages: open findings and risk warnings."""

from __future__ import annotations

from django.template.loader import render_to_string

from . import permissions, selectors
from .config import load


def household(request, household) -> list[str]:
    user = request.user
    if not permissions.reads_findings(user):
        return []
    findings = list(
        selectors.findings_for(user=user, status=None)
        .filter(household=household)
        .exclude(status="closed")[:50]
    )
    warnings = (
        list(selectors.warnings_for(user=user).filter(household=household)) if user.reads_households else []
    )
    if not findings and not warnings:
        return []
    labels = {code: rule.label for code, rule in load().rules.items()}
    return [
        render_to_string(
            "monitoring/_household_panel.html",
            {"findings": findings, "warnings": warnings, "labels": labels},
            request=request,
        )
    ]


def village(request, village) -> list[str]:
    user = request.user
    if not permissions.reads_findings(user):
        return []
    counts = {}
    for f in (
        selectors.findings_for(user=user, village=village.code, status=None)
        .exclude(status="closed")
        .values_list("rule", flat=True)
    ):
        counts[f] = counts.get(f, 0) + 1
    if not counts:
        return []
    labels = {code: rule.label for code, rule in load().rules.items()}
    rows = sorted((labels.get(rule, rule), rule, n) for rule, n in counts.items())
    return [
        render_to_string(
            "monitoring/_village_panel.html", {"rows": rows, "village": village}, request=request
        )
    ]
