"""Create one group per role with the permissions of roles.ROLE_PERMISSIONS.

Django creates permissions only after all migrations have run, so this migration
creates those it can see first. Permissions of apps migrated later are granted by the
sync that runs after every ``migrate`` (accounts/apps.py).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_role_groups(apps, schema_editor):
    from waystation.accounts.roles import sync_role_groups

    using = schema_editor.connection.alias
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=using)
        app_config.models_module = None
    sync_role_groups(
        group_model=apps.get_model("auth", "Group"),
        permission_model=apps.get_model("auth", "Permission"),
        using=using,
        strict=False,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_throttle_and_password_change"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("vault", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_role_groups, migrations.RunPython.noop)]
