from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "fupin.core"
    label = "core"
    verbose_name = _("核心")

    def ready(self) -> None:
        from django.urls import register_converter

        from . import busy, signals  # noqa: F401
        from .converters import IdConverter

        register_converter(IdConverter, "id")
        busy.install()
