from django.urls import reverse
from django.utils.translation import gettext as _

from fupin.core.nav import NavItem

from . import permissions


def items(user) -> list[NavItem]:
    result = []
    if permissions.reads_dashboard(user):
        result.append(NavItem(_("动态监测"), reverse("monitoring:dashboard")))
    if permissions.reads_findings(user):
        result.append(NavItem(_("比对问题"), reverse("monitoring:findings")))
    if user.reads_households:
        result.append(NavItem(_("返贫预警"), reverse("monitoring:risks")))
    if permissions.is_civil(user):
        result.append(NavItem(_("应保尽保"), reverse("monitoring:covered")))
        result.append(NavItem(_("数据交换"), reverse("monitoring:exchanges")))
    return result
