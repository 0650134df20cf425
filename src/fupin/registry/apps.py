from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "fupin.registry"
    label = "registry"
    verbose_name = _("建档立卡")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from fupin.core.tracking import track

        from .models import Household, Income, LivingConditions, Member, ReportedIncome, StatusChange
        from .search import ensure_indexes

        for model in (Household, Member, Income, ReportedIncome, LivingConditions, StatusChange):
            track(model)
        post_migrate.connect(ensure_indexes, sender=self, dispatch_uid="registry_search_indexes")
