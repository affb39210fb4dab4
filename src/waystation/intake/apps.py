from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "waystation.intake"
    label = "intake"
    verbose_name = "Public intake"
