from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "waystation.cases"
    label = "cases"
    verbose_name = "Cases"
