"""The PostgreSQL role of the public process and its grants (waystation/intake/public_role.py).
Nothing to do on SQLite."""

from django.db import migrations


def grant_public_role(apps, schema_editor):
    from waystation.intake import public_role

    public_role.apply(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("intake", "0001_initial")]

    operations = [migrations.RunPython(grant_public_role, migrations.RunPython.noop)]
