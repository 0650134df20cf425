from django.urls import reverse
from django.utils.translation import gettext as _

from fupin.core.nav import NavItem
from fupin.core.roles import Role


def items(user) -> list[NavItem]:
    result = []
    if user.role == Role.HELPER:
        result.append(NavItem(_("我的帮扶户"), reverse("assistance:home")))
    if user.reads_aggregates:
        result.append(NavItem(_("帮扶覆盖"), reverse("assistance:coverage")))
    if user.reads_households and user.role != Role.HELPER:
        result.append(NavItem(_("帮扶检查"), reverse("assistance:checks")))
    if user.reads_households:
        result.append(NavItem(_("三留守及残疾人"), reverse("assistance:left_behind")))
    if user.manages_households:
        result.append(NavItem(_("帮扶责任人"), reverse("assistance:helpers")))
    if user.role in (Role.ADMIN, Role.TOWN_OFFICE, Role.LEADER, Role.AUDITOR):
        result.append(NavItem(_("领导走访"), reverse("assistance:compliance")))
    return result
