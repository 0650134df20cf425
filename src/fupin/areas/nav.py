from django.urls import reverse
from django.utils.translation import gettext as _

from fupin.core.nav import NavItem


def items(user) -> list[NavItem]:
    if user.reads_aggregates:
        return [NavItem(_("村"), reverse("areas:village_list"))]
    return []
