from django.apps import AppConfig


class RelocationConfig(AppConfig):
    name = "waystation.relocation"
    label = "relocation"
    verbose_name = "Relocation"

    def ready(self) -> None:
        from waystation.relocation import receivers  # noqa: F401  (connects the signals)
