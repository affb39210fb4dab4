from django.apps import AppConfig


class StatusConfig(AppConfig):
    name = "waystation.status"
    label = "status"
    verbose_name = "Installation status"
