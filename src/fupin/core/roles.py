"""Roles of the system (MISSION.md, "Who uses it") and what each may do.

A role says *what kind* of thing a user may do; the user's area (and, for helper cadres, their
assignments) says *where*. Scoping itself lives in the selectors of each app.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    TOWN_OFFICE = "town_office", _("镇扶贫办")
    VILLAGE_CADRE = "village_cadre", _("村干部/驻村工作队")
    HELPER = "helper", _("帮扶责任人")
    LEADER = "leader", _("领导")
    CIVIL_AFFAIRS = "civil_affairs", _("民政")
    AUDITOR = "auditor", _("审计/纪检")
    EVALUATOR = "evaluator", _("第三方评估")
    UPPER_LEVEL = "upper_level", _("上级（县/市/省）")


# Roles that read individual households (within their scope).
HOUSEHOLD_READERS = frozenset(
    {Role.ADMIN, Role.TOWN_OFFICE, Role.VILLAGE_CADRE, Role.HELPER, Role.LEADER, Role.AUDITOR}
)
# Roles that change registry data (within their scope).
REGISTRY_WRITERS = frozenset({Role.ADMIN, Role.TOWN_OFFICE, Role.VILLAGE_CADRE, Role.HELPER})
# Roles that add or remove households and change their status; a helper only edits its households.
HOUSEHOLD_MANAGERS = frozenset({Role.ADMIN, Role.TOWN_OFFICE, Role.VILLAGE_CADRE})
# Roles that may see full ID and phone numbers on request (each unmasked view is audited).
UNMASK_ALLOWED = frozenset({Role.ADMIN, Role.TOWN_OFFICE, Role.VILLAGE_CADRE, Role.HELPER, Role.AUDITOR})
# Roles that see area aggregates (village tables, dashboards).
AGGREGATE_READERS = HOUSEHOLD_READERS | {Role.UPPER_LEVEL}
