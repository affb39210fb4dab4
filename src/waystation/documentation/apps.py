from django.apps import AppConfig


class DocumentationConfig(AppConfig):
    name = "waystation.documentation"
    label = "documentation"
    verbose_name = "Documentation"

    def ready(self) -> None:
        from waystation.documentation import receivers  # noqa: F401  (connects the signals)
