from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "waystation.demo"
    label = "demo"
    verbose_name = "Demo organisation"
