from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProceduresConfig(AppConfig):
    name = "fupin.procedures"
    label = "procedures"
    verbose_name = _("程序")

    def ready(self) -> None:
        from fupin.core.tracking import track

        from .models import Notice, Objection, Procedure, Step

        for model in (Procedure, Step, Notice, Objection):
            track(model)
