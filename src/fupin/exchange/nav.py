from django.urls import reverse
from django.utils.translation import gettext as _

from fupin.core.nav import NavItem


def items(user) -> list[NavItem]:
    result = []
    if user.manages_households and (user.is_admin or user.area_id):
        result.append(NavItem(_("导入"), reverse("exchange:import")))
    if user.reads_households:
        result.append(NavItem(_("导出"), reverse("exchange:export")))
    return result
