"""`waystation audit verify`: prints OK with the head hash, or fails naming the entry."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from tests.audit.chains import build_chain
from waystation.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _verify() -> str:
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def test_verify_prints_ok_with_the_count_and_head():
    entries = build_chain(7)

    assert _verify().strip() == (
        f"OK: 7 entries, head {entries[-1].entry_hash}; 0 earlier anchor(s) match"
    )


def test_verify_on_an_empty_log_of_an_empty_database_is_ok():
    assert _verify().startswith("OK: 0 entries")


def test_verify_names_the_first_changed_entry():
    build_chain(7)
    AuditEntry.objects.filter(seq=3).update(object_id="changed000000000")
    AuditEntry.objects.filter(seq=6).update(object_id="changed000000000")

    with pytest.raises(CommandError, match=r"BROKEN at entry #3: its contents were changed"):
        _verify()


def test_verify_names_a_missing_entry():
    build_chain(7)
    AuditEntry.objects.filter(seq=5).delete()

    with pytest.raises(CommandError, match=r"#5: entry missing"):
        _verify()


def test_verify_names_removed_newest_entries():
    build_chain(7)
    AuditEntry.objects.filter(seq__gte=6).delete()

    with pytest.raises(CommandError, match=r"#6: entries after #5 were removed"):
        _verify()


def test_verify_needs_its_subcommand():
    with pytest.raises(CommandError):
        call_command("audit")
