from django.urls import reverse
from django.utils.translation import gettext as _

from fupin.core.nav import NavItem


def items(user) -> list[NavItem]:
    if user.reads_households:
        return [NavItem(_("惠民政策"), reverse("benefits:index"))]
    return []
