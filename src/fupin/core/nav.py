"""The menu, gathered from the apps.

Each app that has pages for a role keeps a `nav.py` with `items(user) -> list[NavItem]`; the menu is
their concatenation in the order of INSTALLED_APPS, then the administrator's 系统管理. An app adds its own entries without touching any
other app's code, and no one is shown a page they cannot open (each app asks its own permissions).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import import_module, util

from django.apps import apps
from django.urls import reverse
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str


@functools.cache
def _providers() -> tuple:
    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.nav"
        if config.name.startswith("fupin.") and config.label != "core" and util.find_spec(name) is not None:
            found.append(import_module(name))
    return tuple(found)


def items_for(user) -> list[NavItem]:
    if user is None or not user.is_authenticated:
        return []
    result: list[NavItem] = []
    for module in _providers():
        result.extend(module.items(user))
    if user.is_admin:
        result.append(NavItem(_("系统管理"), reverse("admin:index")))
    return result
