"""`demo serve` runs what production timers run, every minute; one of them writes the
audit log's head to its anchor file (issue 11, finding 4)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from waystation.audit.models import AuditEntry, AuditHead
from waystation.demo import services
from waystation.demo.management.commands.demo import SCHEDULED_JOBS

pytestmark = pytest.mark.django_db


def _run_jobs() -> None:
    for job in SCHEDULED_JOBS:
        call_command(*job, stdout=StringIO())


def test_the_minute_s_jobs_anchor_the_demo_s_audit_log(audit_anchor_file):
    services.create_demo_organisation()

    _run_jobs()

    head = AuditHead.objects.get(pk=1)
    assert audit_anchor_file.read_text().splitlines()[-1] == f"{head.seq} {head.entry_hash}"


def test_after_the_minute_s_jobs_a_cut_log_is_refused(audit_anchor_file):
    services.create_demo_organisation()
    _run_jobs()
    keep = AuditHead.objects.get(pk=1).seq - 10
    AuditEntry.objects.filter(seq__gt=keep).delete()
    AuditHead.objects.filter(pk=1).update(
        seq=keep, entry_hash=AuditEntry.objects.get(seq=keep).entry_hash
    )

    with pytest.raises(CommandError, match=rf"the log ends at entry #{keep}, but entry"):
        call_command("audit", "verify", stdout=StringIO())


def test_the_minute_s_jobs_destroy_an_intake_key_no_request_needs(settings):
    """A retired intake key outlives its last request by one scheduled run, not by an
    operator's memory (docs/operations.md, intake key rotation)."""
    from datetime import timedelta

    from django.utils import timezone

    from waystation.intake import keys, screening
    from waystation.intake.models import IntakeKey

    screening.ensure_intake_key(actor_id=None)  # no request is sealed to it
    keys.rotate_intake_key(actor_id=None)
    retired = IntakeKey.objects.exclude(retired_at=None).get()
    IntakeKey.objects.filter(pk=retired.pk).update(retired_at=timezone.now() - timedelta(days=1))

    _run_jobs()

    # Not refresh_from_db: that would open the sealed private key, now shredded.
    destroyed_at = IntakeKey.objects.values_list("destroyed_at", flat=True).get(pk=retired.pk)
    assert destroyed_at is not None
