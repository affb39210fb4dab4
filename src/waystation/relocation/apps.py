from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelocationConfig(AppConfig):
    name = "waystation.relocation"
    label = "relocation"
    verbose_name = _("Relocation")

    def ready(self) -> None:
        from waystation.relocation import receivers  # noqa: F401  (connects the signals)
