"""Sessions stored before accounts/session_store.py were keyed by the cookie itself: in a
copy of the database each such row is a live session for any server still running the
old code. The new store never finds them (it looks rows up by a keyed digest), so they
are of no use to anyone; delete them rather than keep them until they expire. Everyone
signs in again once after this upgrade."""

from django.db import migrations


def forget_sessions_keyed_by_cookie(apps, schema_editor):
    apps.get_model("sessions", "Session").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_no_superusers"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forget_sessions_keyed_by_cookie, migrations.RunPython.noop),
    ]
