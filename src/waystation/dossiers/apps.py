from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "waystation.dossiers"
    label = "dossiers"
    verbose_name = "Dossiers"
