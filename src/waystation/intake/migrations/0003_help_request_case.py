"""A request remembers the case opened from it (``HelpRequest.case_id``), so that it leaves
the triage queue and opens only for people who may see the case. Requests turned into
cases before this migration get their case filled in from ``Case.source_request_id``."""

from django.db import migrations, models


def fill_in_cases(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    HelpRequest = apps.get_model("intake", "HelpRequest")
    pairs = Case.objects.filter(source_request_id__isnull=False).values_list(
        "source_request_id", "id"
    )
    for request_id, case_id in pairs.iterator():
        HelpRequest.objects.filter(pk=request_id).update(case_id=case_id)


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0002_public_role"),
        ("cases", "0002_casework"),
    ]

    operations = [
        migrations.AddField(
            model_name="helprequest",
            name="case_id",
            field=models.CharField(blank=True, max_length=16, null=True, unique=True),
        ),
        migrations.RunPython(fill_in_cases, migrations.RunPython.noop),
    ]
