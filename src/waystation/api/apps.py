from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "waystation.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from waystation.api import receivers  # noqa: F401  (connects the signals)
