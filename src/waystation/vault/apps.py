from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "waystation.vault"
    label = "vault"
    verbose_name = "Vault"
