"""docs/design.md §2.8: a shredded case leaves a tombstone of operational fields only.

A case holding marker strings everywhere (fields, a document, a note, the reasons for
keeping it longer and for shredding it) is shredded by two programme managers, another
by the retention run. Then the database is read as a thief would (the raw SQLite files
or ``pg_dump``) with the uploads and the key store: no marker in any form. And the
keyed digests that stay readable to anyone holding the blind-index key (which no shred
rotates) are gone from a logical copy of the database, where they were before."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tests.factories import make_staff
from tests.vault.plaintext import database_bytes, find_forms, read_tree
from tests.vault.seeding import Markers, seed_case
from waystation.accounts.roles import Role
from waystation.cases.models import (
    Assignment,
    Case,
    CaseIdentifier,
    CaseNameToken,
    Outcome,
    Stage,
)
from waystation.cases.services import access, daily_work, retention, shredding


def _logical_copy() -> bytes:
    """The rows as a copy of the database holds them (SQL text), without the free pages
    and write-ahead frames a raw file keeps until SQLite reuses them."""
    if connection.vendor != "sqlite":
        return database_bytes()  # pg_dump is already a logical copy
    connection.ensure_connection()
    copy = sqlite3.connect(":memory:")
    try:
        connection.connection.backup(copy)
        return "\n".join(copy.iterdump()).encode()
    finally:
        copy.close()


def _closed(case: Case) -> None:
    now = timezone.now()
    Case.objects.filter(pk=case.pk).update(
        stage=Stage.CLOSED,
        closed_at=now - timedelta(days=1),
        outcome=Outcome.RELOCATED,
        retain_until=now + timedelta(days=1),
    )


def _digests(case: Case) -> list[str]:
    row = Case.objects.filter(pk=case.pk).values_list("phone_index", flat=True).get()
    return [
        row,
        *CaseNameToken.objects.filter(case=case).values_list("digest", flat=True),
        *CaseIdentifier.objects.filter(case=case).values_list("digest", flat=True),
    ]


@pytest.mark.slow
def test_a_tombstone_holds_no_marker_and_no_digest(transactional_db, tmp_path):
    manager = make_staff(Role.PROGRAMME_MANAGER, "tombmanager")
    second = make_staff(Role.PROGRAMME_MANAGER, "tombsecond")
    caseworker = make_staff(Role.CASEWORKER, "tombworker")
    team = access.create_team(actor_id=None, name="Tomb", supervisor_id=manager.pk)
    two_person, _doc, markers = seed_case()
    by_clock, _doc2, clock_markers = seed_case(Markers())
    for case in (two_person, by_clock):
        Case.objects.filter(pk=case.pk).update(team=team)
        for person in (caseworker, second):
            Assignment.objects.create(case=case, user=person)
        daily_work.add_note(user=caseworker, case_id=case.id, text=markers.story)
        _closed(case)
    retention.extend_retention(
        user=manager,
        case_id=two_person.id,
        until=timezone.now() + timedelta(days=30),
        reason=f"kept for {markers.latin_name}",
    )
    asked = shredding.request_shred(
        user=manager, case_id=two_person.id, reason=f"{markers.cyrillic_name} asked"
    )
    digests = _digests(two_person) + _digests(by_clock)
    before = _logical_copy()
    assert all(d.encode() in before for d in digests), "the digests were stored before"

    shredding.confirm_shred(user=second, case_id=two_person.id, request_id=asked.id)
    retention.run_retention(now=timezone.now() + timedelta(days=2))

    raw = database_bytes() + read_tree(tmp_path)
    every_marker = markers.all() + clock_markers.all()
    leaks = find_forms(raw, every_marker)
    assert leaks == [], f"personal data readable after the shred: {leaks[:10]}"
    logical = _logical_copy()
    assert [d for d in digests if d.encode() in logical] == []
    for case, cause in ((two_person, "two_person"), (by_clock, "retention")):
        tomb = Case.objects.get(pk=case.pk)
        assert tomb.shredded_at is not None and tomb.shred_cause == cause
        # the numbers still add up: what the figures count is still there
        assert (tomb.stage, tomb.outcome, tomb.country) == (Stage.CLOSED, "relocated", "RU")
        assert tomb.opened_at and tomb.closed_at and tomb.team_id == team.pk
