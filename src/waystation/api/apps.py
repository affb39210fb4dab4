from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "waystation.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from waystation.api import (  # noqa: F401
            receivers,  # connects the signals
            schema,  # registers the bearer scheme with drf-spectacular
        )
