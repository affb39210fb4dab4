"""Retention and two-person shredding (issue 14): each case's end of retention, the
tombstone fields, extensions and shred-now requests. Cases already closed get their
clock from their closing date and outcome, with today's configured periods."""

from datetime import timedelta

import django.db.models.deletion
import waystation.ids
import waystation.vault.fields
from django.db import migrations, models


def start_clocks_of_closed_cases(apps, schema_editor):
    from django.conf import settings

    Case = apps.get_model("cases", "Case")
    days = settings.WAYSTATION_RETENTION_DAYS
    closed = Case.objects.filter(closed_at__isnull=False, retain_until__isnull=True)
    for case_id, closed_at, outcome in closed.values_list("pk", "closed_at", "outcome"):
        period = timedelta(days=days.get(outcome, days.get("other", 365)))
        Case.objects.filter(pk=case_id).update(retain_until=closed_at + period)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_partner_channel"),
        ("vault", "0002_kek_epoch"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="case",
            options={
                "permissions": [
                    ("open_case", "Can open cases, from a web request or by hand"),
                    ("work_case", "Can work on the cases they may see: notes, tasks, stages"),
                    ("approve_stage", "Can approve what needs a second person"),
                    ("grant_access", "Can grant others access to a case they may see"),
                    ("break_glass", "Can take emergency access to a case, with a reason"),
                    ("manage_teams", "Can create teams and choose their supervisors"),
                    ("shred_case", "Can extend a case's retention, and ask for or confirm a shred"),
                ]
            },
        ),
        migrations.AddField(
            model_name="case",
            name="retain_until",
            field=models.DateTimeField(blank=True, db_index=True, null=True),
        ),
        migrations.AddField(
            model_name="case",
            name="shred_cause",
            field=models.CharField(
                blank=True,
                choices=[
                    ("retention", "Its retention period ended"),
                    ("two_person", "Shredded now, by two programme managers"),
                ],
                max_length=12,
            ),
        ),
        migrations.AddField(
            model_name="case",
            name="shredded_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="alert",
            name="kind",
            field=models.CharField(
                choices=[
                    ("check_in_missed", "Check-in missed"),
                    ("check_in_escalated", "Check-in missed, grace period over"),
                    ("break_glass", "Emergency access taken"),
                    ("approval_requested", "Approval requested"),
                    ("help_now", "Pressed “I need help now” in the web mailbox"),
                    ("applicant_wrote", "Wrote from the web mailbox"),
                    ("leg_overdue", "Not arrived or checked in by a leg's planned arrival"),
                    ("leg_escalated", "Leg overdue, grace period over"),
                    ("document_expiring", "A travel document or visa expires soon"),
                    ("payment_approval", "A payment waits for approval"),
                    ("retention_ending", "The case will be shredded soon (retention)"),
                    ("shred_requested", "Asked to shred the case now: a second person confirms"),
                ],
                max_length=20,
            ),
        ),
        migrations.CreateModel(
            name="RetentionExtension",
            fields=[
                (
                    "id",
                    models.CharField(
                        default=waystation.ids.random_id,
                        editable=False,
                        max_length=16,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("extended_by_id", models.BigIntegerField()),
                ("at", models.DateTimeField()),
                ("previous_until", models.DateTimeField()),
                ("new_until", models.DateTimeField()),
                (
                    "reason",
                    waystation.vault.fields.SealedTextField(blank=True, max_length=2000, null=True),
                ),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="retention_extensions",
                        to="cases.case",
                    ),
                ),
                (
                    "data_key",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="vault.datakey",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["case", "at"], name="cases_reten_case_id_386ff9_idx")
                ],
            },
        ),
        migrations.CreateModel(
            name="ShredRequest",
            fields=[
                (
                    "id",
                    models.CharField(
                        default=waystation.ids.random_id,
                        editable=False,
                        max_length=16,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting for a second programme manager"),
                            ("confirmed", "Confirmed: the case was shredded"),
                            ("cancelled", "Cancelled"),
                            ("expired", "Expired: nobody confirmed in time"),
                        ],
                        default="pending",
                        max_length=10,
                    ),
                ),
                ("requested_by_id", models.BigIntegerField()),
                ("requested_at", models.DateTimeField()),
                ("via_command", models.BooleanField(default=False)),
                ("expires_at", models.DateTimeField()),
                ("decided_by_id", models.BigIntegerField(blank=True, null=True)),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                (
                    "reason",
                    waystation.vault.fields.SealedTextField(blank=True, max_length=2000, null=True),
                ),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="shred_requests",
                        to="cases.case",
                    ),
                ),
                (
                    "data_key",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="vault.datakey",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("status", "pending")),
                        fields=("case",),
                        name="one_pending_shred_request_per_case",
                    )
                ],
            },
        ),
        migrations.RunPython(start_clocks_of_closed_cases, migrations.RunPython.noop),
    ]
