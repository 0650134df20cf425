from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "fupin.funds"
    label = "funds"
    verbose_name = _("资金与项目")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from fupin.core.tracking import track

        from .models import Allocation, Expense, Project

        # Every save and delete of these, from the services, the admin or a shell, enters the audit trail.
        for model in (Allocation, Project, Expense):
            track(model)
