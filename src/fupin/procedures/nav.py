from django.urls import reverse
from django.utils.translation import gettext as _

from fupin.core.nav import NavItem


def items(user) -> list[NavItem]:
    if user.reads_households or user.is_admin:
        return [NavItem(_("程序办理"), reverse("procedures:work_list"))]
    return []
