from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "fupin.registry"
    label = "registry"
    verbose_name = _("建档立卡")

    def ready(self) -> None:
        from fupin.core.tracking import track

        from .models import Household, Income, LivingConditions, Member, ReportedIncome, StatusChange

        for model in (Household, Member, Income, ReportedIncome, LivingConditions, StatusChange):
            track(model)
