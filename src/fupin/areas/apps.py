from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AreasConfig(AppConfig):
    name = "fupin.areas"
    label = "areas"
    verbose_name = _("行政区划")

    def ready(self) -> None:
        from fupin.core.tracking import track

        from .models import Area, VillageDesignation, VillageYear

        for model in (Area, VillageYear, VillageDesignation):
            track(model)
