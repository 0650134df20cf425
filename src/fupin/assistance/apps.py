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

        from django.db.models.signals import post_save

        from fupin.registry.models import Member

        from .leftbehind import on_member_saved

        post_save.connect(on_member_saved, sender=Member, dispatch_uid="assistance-left-behind")
