from django.urls import reverse
from django.utils.translation import gettext as _

from fupin.core.nav import NavItem


def items(user) -> list[NavItem]:
    if not user.reads_aggregates or not (user.is_admin or user.area_id):
        return []
    return [
        NavItem(_("贫困村认定与出列"), reverse("policy:village_table")),
        NavItem(_("脱贫目标"), reverse("policy:targets")),
        NavItem(_("政策模拟"), reverse("policy:whatif")),
    ]
