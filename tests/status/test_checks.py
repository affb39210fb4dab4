"""Each status check against a seeded installation: the real audit chain and anchor
file, the real vault held by the test process (sealed and unsealed), real requests."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone, translation

from tests.status.conftest import Seeded
from waystation.audit.anchors import Anchor, append_anchor
from waystation.audit.models import AuditEntry, AuditHead
from waystation.audit.verification import anchor_log
from waystation.cases.models import Case
from waystation.status import checks
from waystation.status.checks import Probe

pytestmark = pytest.mark.django_db


def finding(name: str, now=None) -> checks.Finding:
    report = checks.run_checks(now)
    return next(f for f in report.findings if f.name == name)


def test_the_checks_are_the_documented_ones_in_order(seeded):
    names = [f.name for f in checks.run_checks().findings]

    assert names == [
        "vault",
        "workers",
        "database",
        "requests",
        "backup",
        "shredding",
        "audit",
    ]


# --- the vault ------------------------------------------------------------------------


def test_vault_unsealed_is_ok(seeded):
    found = finding("vault")

    assert found.ok
    assert found.facts == {"sealed": False, "demo_key": True}
    assert "DEMO key" in found.summary


def test_vault_sealed_is_not_ok(seeded, vault):
    vault.seal()

    found = finding("vault")

    assert not found.ok
    assert found.facts["sealed"] is True
    assert found.summary.startswith("Sealed")
    assert not checks.run_checks().ok


def test_in_process_keys_have_no_workers_to_count(seeded):
    found = finding("workers")

    assert found.ok
    assert found.facts["subscribed"] is None
    assert "this process holds the keys" in found.summary


# --- requests -------------------------------------------------------------------------


def test_oldest_unanswered_request_counts_from_the_applicants_message(seeded: Seeded):
    now = timezone.now()

    found = finding("requests", now)

    assert found.facts["count"] == seeded.waiting
    to_the_minute = seeded.oldest_waiting_since.replace(second=0, microsecond=0)
    assert found.facts["oldest_waiting_since"] == to_the_minute.isoformat()
    assert found.facts["oldest_age_minutes"] == int((now - to_the_minute).total_seconds() // 60)
    assert not found.ok  # 50 hours is past the default 24
    assert "2 requests need an answer; the longest has waited 2 d 2 h" in found.summary


def test_requests_within_the_limit_are_ok(seeded: Seeded, settings):
    settings.WAYSTATION_STATUS_UNANSWERED_HOURS = 72

    assert finding("requests").ok


def test_no_request_waiting_is_ok(db):
    found = finding("requests")

    assert found.ok
    assert found.facts["count"] == 0
    assert found.facts["oldest_waiting_since"] is None


def test_answering_the_oldest_moves_the_age_to_the_next(seeded: Seeded, settings):
    from waystation.intake import screening
    from waystation.intake.models import MessageKind

    screening.answer_request(
        user=seeded.screener,
        request_id=seeded.request_ids[1],
        kind=MessageKind.REPLY,
        text="We read it.",
    )

    found = finding("requests")

    assert found.facts["count"] == 1
    assert 30 * 60 - 1 <= found.facts["oldest_age_minutes"] <= 30 * 60 + 1


# --- backup and shredding: what this installation records ----------------------------


def test_no_backup_recorded_is_not_ok_in_production(seeded, settings):
    settings.DEMO_MODE = False

    found = finding("backup")

    assert not found.ok
    assert found.summary == "No backup recorded."
    assert found.facts["taken_at"] is None


def test_no_backup_recorded_is_ok_in_a_demo(seeded, settings):
    settings.DEMO_MODE = True

    found = finding("backup")

    assert found.ok
    assert found.summary.startswith("No backup recorded")


@pytest.mark.parametrize(("hours", "ok"), [(2, True), (30, False)])
def test_a_recorded_backup_is_judged_by_its_age(seeded, settings, hours, ok):
    """Read from the record ``waystation backup create`` appends to (one JSON line a run;
    a torn last line is skipped)."""
    now = timezone.now().replace(microsecond=0)
    taken = (now - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
    Path(settings.WAYSTATION_BACKUP_RECORD).write_text(
        '{"at": "2020-01-01T00:00:00Z", "id": "older", "bytes": 1}\n'
        f'{{"at": "{taken}", "id": "newest", "bytes": 1234}}\n'
        '{"at": "2030-'
    )

    found = checks.check_last_backup(Probe(now))

    assert found.ok is ok
    assert found.facts["age_seconds"] == hours * 3600


def test_no_case_past_its_retention_means_nothing_due(seeded):
    found = finding("shredding")

    assert found.ok
    assert found.facts == {"due": 0, "oldest_end": None}


@pytest.mark.parametrize(("late_minutes", "ok"), [(5, True), (90, False)])
def test_cases_past_retention_are_not_ok_once_the_scheduled_run_is_late(seeded, late_minutes, ok):
    now = timezone.now()
    ended = now - timedelta(minutes=late_minutes)
    Case.objects.filter(pk=seeded.case_id).update(retain_until=ended)
    # Shredded already (a tombstone) or still running: neither is due.
    Case.objects.exclude(pk=seeded.case_id).update(retain_until=now + timedelta(days=1))

    found = checks.check_shredding(Probe(now))

    assert found.ok is ok
    assert found.facts["due"] == 1
    assert found.facts["oldest_end"] == ended.isoformat()


# --- the audit chain ------------------------------------------------------------------


def test_audit_head_is_the_newest_entry_and_the_anchor_is_read(seeded, audit_anchor_file):
    anchor_log()  # the minute's job
    newest = AuditEntry.objects.order_by("-seq").first()

    found = finding("audit")

    assert found.ok, found.summary
    assert found.facts["entries"] == newest.seq == AuditEntry.objects.count()
    assert found.facts["head_hash"] == newest.entry_hash
    assert found.facts["last_anchor_entry"] == newest.seq
    assert found.facts["last_anchor_hash"] == newest.entry_hash
    assert found.facts["anchor_file"] is True
    assert found.facts["unanchored_since"] is None


def test_entries_waiting_too_long_for_an_anchor_are_not_ok(seeded, audit_anchor_file):
    anchor_log()
    anchored = AuditHead.objects.get().seq
    later = timezone.now() + timedelta(minutes=1)
    from waystation.audit import services as audit

    audit.record(actor_id=None, action="test.after_anchor")

    assert finding("audit", later).ok  # a minute: the timer will catch up
    found = finding("audit", later + timedelta(minutes=15))
    assert not found.ok
    assert f"Entries since #{anchored} have waited 15 minutes" in found.summary
    assert found.facts["last_anchor_entry"] == anchored


def test_a_head_moved_back_is_not_ok(seeded):
    AuditHead.objects.filter(pk=1).update(seq=1)

    found = finding("audit")

    assert not found.ok
    assert "the newest entry is" in found.summary


def test_a_rewritten_anchored_entry_is_not_ok(seeded, audit_anchor_file):
    anchor_log()
    head = AuditHead.objects.get()
    AuditHead.objects.filter(pk=1).update(entry_hash="f" * 64)
    AuditEntry.objects.filter(seq=head.seq).update(entry_hash="f" * 64)

    found = finding("audit")

    assert not found.ok
    assert f"#{head.seq}" in found.summary


def test_a_log_shorter_than_its_anchor_is_not_ok(seeded, audit_anchor_file):
    head = AuditHead.objects.get()
    append_anchor(audit_anchor_file, Anchor(seq=head.seq + 5, entry_hash="a" * 64))

    found = finding("audit")

    assert not found.ok
    assert "removed" in found.summary


def test_no_anchor_file_configured_is_not_ok(seeded, settings):
    settings.WAYSTATION_AUDIT_ANCHOR = None

    found = finding("audit")

    assert not found.ok
    assert found.facts["anchor_file"] is False
    assert "No anchor file is configured." in found.summary


# --- the whole report -----------------------------------------------------------------


def test_everything_ok_on_a_healthy_installation(seeded, settings, audit_anchor_file):
    settings.WAYSTATION_STATUS_UNANSWERED_HOURS = 72
    anchor_log()

    report = checks.run_checks()

    assert report.ok, [f for f in report.findings if not f.ok]


def test_a_check_that_raises_is_not_ok_and_hides_nothing_else(seeded, monkeypatch):
    def broken(_probe):
        raise RuntimeError("Secret Person Name")

    monkeypatch.setattr(checks, "CHECKS", (checks.check_vault, broken, checks.check_database))

    report = checks.run_checks()

    assert [f.ok for f in report.findings] == [True, False, True]
    assert "Secret Person Name" not in report.findings[1].summary
    assert "RuntimeError" in report.findings[1].summary


def test_a_check_that_cannot_run_keeps_its_name_and_title(seeded, monkeypatch):
    def broken(probe):
        raise RuntimeError("boom")

    broken.__name__ = "check_last_backup"
    monkeypatch.setattr(
        checks,
        "CHECKS",
        tuple(broken if c is checks.check_last_backup else c for c in checks.CHECKS),
    )
    failed = finding("backup")
    assert not failed.ok and failed.title == "Last backup"
    assert failed.summary == "Could not be checked (RuntimeError)."
    with translation.override("ru"):
        assert finding("backup").title == "Последняя резервная копия"
