from django.urls import reverse
from django.utils.translation import gettext as _

from fupin.core.nav import NavItem

from .selectors import reads_audit_trail


def items(user) -> list[NavItem]:
    if reads_audit_trail(user):
        return [NavItem(_("审计记录"), reverse("reports:audit_list"))]
    return []
