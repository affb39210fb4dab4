from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "waystation.partners"
    label = "partners"
    verbose_name = "Partners"

    def ready(self) -> None:
        from waystation.partners import receivers  # noqa: F401  (connects the signals)
