from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FiguresConfig(AppConfig):
    name = "fupin.figures"
    label = "figures"
    verbose_name = _("统计数")

    def ready(self) -> None:
        from . import signals

        signals.connect()
