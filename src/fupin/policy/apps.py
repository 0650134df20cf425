from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "fupin.policy"
    label = "policy"
    verbose_name = _("政策引擎")

    def ready(self) -> None:
        from fupin.core.tracking import track

        from .models import Snapshot

        track(Snapshot)
