"""Sections other apps add to the household and village pages.

The household page belongs to the registry and the village page to areas, but helpers, procedures,
benefits, findings and scores each have something to show there. An app contributes through a
`panels.py` module with `household(request, household) -> list[str]` and/or
`village(request, village) -> list[str]`: rendered HTML sections (a `<section class="card mb-3">`, or a
placeholder that htmx fills, so a slow panel never slows the page). The pages show them in the order of
INSTALLED_APPS; an app shows nothing the user may not see (each panel asks its own permissions).
"""

from __future__ import annotations

import functools
from importlib import import_module, util

from django.apps import apps
from django.utils.safestring import SafeString, mark_safe


@functools.cache
def _providers(kind: str) -> tuple:
    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.panels"
        if config.name.startswith("fupin.") and util.find_spec(name) is not None:
            module = import_module(name)
            if hasattr(module, kind):
                found.append(getattr(module, kind))
    return tuple(found)


def _collect(kind: str, request, obj) -> list[SafeString]:
    return [mark_safe(html) for provider in _providers(kind) for html in provider(request, obj)]  # noqa: S308


def household_panels(request, household) -> list[SafeString]:
    return _collect("household", request, household)


def village_panels(request, village) -> list[SafeString]:
    return _collect("village", request, village)
