from django.urls import reverse
from django.utils.translation import gettext as _

from fupin.core.nav import NavItem

from .selectors import reads_funds


def items(user) -> list[NavItem]:
    if not reads_funds(user):
        return []
    return [NavItem(_("扶贫资金"), reverse("funds:index"))]
