from __future__ import annotations

from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "waystation.accounts"
    label = "accounts"
    verbose_name = "Staff accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from waystation.accounts import sessions

        # Every way of signing in (the login view, the test client, a future SSO)
        # passes through django.contrib.auth.login, so the session policy is stamped
        # there and no path can forget it.
        user_logged_in.connect(sessions.stamp_new_session, dispatch_uid="accounts.stamp")
        post_migrate.connect(sync_roles_after_migrate, sender=self, dispatch_uid="accounts.roles")


def sync_roles_after_migrate(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Keep the role groups equal to ROLE_PERMISSIONS after every migrate (and after
    the test runner flushes the database)."""
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    from waystation.accounts.roles import sync_role_groups

    # Permissions of apps later in INSTALLED_APPS are not created yet at this point.
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    sync_role_groups(group_model=Group, permission_model=Permission, using=using, strict=True)
