from django.apps import AppConfig


class DocumentationConfig(AppConfig):
    name = "waystation.documentation"
    label = "documentation"
    verbose_name = "Documentation"
