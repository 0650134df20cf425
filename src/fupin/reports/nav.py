from django.urls import reverse
from django.utils.translation import gettext as _

from fupin.core.nav import NavItem

from .selectors import reads_audit_trail


def items(user) -> list[NavItem]:
    result = []
    if user.reads_aggregates:
        result.append(NavItem(_("工作总览"), reverse("reports:dashboard")))
        result.append(NavItem(_("上报报表"), reverse("reports:tables")))
        result.append(NavItem(_("村基础设施指标"), reverse("reports:indicator_list")))
    if reads_audit_trail(user):
        result.append(NavItem(_("审计记录"), reverse("reports:audit_list")))
    return result
