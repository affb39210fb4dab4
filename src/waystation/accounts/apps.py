from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "waystation.accounts"
    label = "accounts"
    verbose_name = "Staff accounts"
