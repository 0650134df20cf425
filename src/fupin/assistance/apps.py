from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "fupin.assistance"
    label = "assistance"
    verbose_name = _("帮扶")

    def ready(self) -> None:
        from fupin.core.tracking import track

        from . import models

        for model in (
            models.HelpingUnit,
            models.Helper,
            models.HelperAssignment,
            models.Plan,
            models.PlanItem,
            models.Measure,
            models.Visit,
            models.Photo,
            models.LeaderDuty,
            models.LeftBehindEntry,
        ):
            track(model)
