from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "waystation.backups"
    label = "backups"
