from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "waystation.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from waystation.cases import receivers  # noqa: F401  (connects the signals)
