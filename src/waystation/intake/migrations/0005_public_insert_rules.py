"""What the public role adds must look like what the public side's code adds
(intake/public_role.py, INSERT_RULES): applied here to databases made before the rules."""

from django.db import migrations


def apply_public_role(apps, schema_editor):
    from waystation.intake import public_role

    public_role.apply(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("intake", "0004_partner_referrals_and_consent")]

    operations = [migrations.RunPython(apply_public_role, migrations.RunPython.noop)]
