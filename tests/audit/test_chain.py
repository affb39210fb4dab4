"""docs/design.md §2.6: the audit log cannot be quietly edited. Every kind of change to the
stored chain is detected, and the report names the first entry that does not fit."""

from __future__ import annotations

import datetime
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.audit.chains import build_chain
from waystation.audit import services as audit
from waystation.audit.models import AuditEntry, AuditHead
from waystation.audit.services import verify_chain

pytestmark = pytest.mark.django_db

LENGTH = 50


def _entries(**filters: object):
    return AuditEntry.objects.filter(**filters)


def _forge(seq: int, prev_hash: str, action: str = "case.closed") -> AuditEntry:
    """An entry made the way the code makes them: a forger who read the source."""
    forged = AuditEntry(
        seq=seq,
        at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        actor_id=1,
        action=action,
        object_type="case",
        object_id="forgedforgedforg",
        prev_hash=prev_hash,
    )
    forged.entry_hash = forged.compute_hash()
    return forged


def test_a_fresh_chain_verifies():
    entries = build_chain(LENGTH)

    report = verify_chain()

    assert report.ok, report.describe()
    assert report.entries == LENGTH
    assert report.head_hash == entries[-1].entry_hash
    assert report.describe() == f"OK: {LENGTH} entries, head {entries[-1].entry_hash}"


def test_an_empty_chain_verifies():
    assert verify_chain().ok


def test_verification_walks_in_batches():
    build_chain(12)
    assert verify_chain(batch_size=5).entries == 12


def test_entries_link_each_to_the_one_before():
    entries = build_chain(5)
    assert entries[0].prev_hash == "0" * 64
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.entry_hash
        assert after.seq == before.seq + 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("action", "case.closed"),
        ("actor_id", 999),
        ("object_type", "kek"),
        ("object_id", "someotherid00000"),
        ("at", datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)),
        ("prev_hash", "f" * 64),
        ("entry_hash", "e" * 64),
    ],
)
@pytest.mark.parametrize("seq", [1, 17, LENGTH])
def test_editing_any_field_of_an_entry_is_detected_at_that_entry(field, value, seq):
    build_chain(LENGTH)
    _entries(seq=seq).update(**{field: value})

    report = verify_chain()

    assert report.broken_at == seq, report.describe()
    assert f"#{seq}" in report.describe()


def test_editing_an_entry_and_recomputing_its_hash_is_detected_at_the_next():
    build_chain(LENGTH)
    edited = _entries(seq=20).get()
    edited.action = "case.closed"
    edited.entry_hash = edited.compute_hash()
    edited.save()

    assert verify_chain().broken_at == 21


def test_editing_the_last_entry_and_recomputing_its_hash_is_detected_by_the_head():
    """Regression: this was reported as "entries after #50 removed" (at #51)."""
    build_chain(LENGTH)
    edited = _entries(seq=LENGTH).get()
    edited.actor_id = 999
    edited.entry_hash = edited.compute_hash()
    edited.save()

    report = verify_chain()

    assert report.broken_at == LENGTH
    assert "newest entry" in report.reason


def test_renumbering_an_entry_is_detected_where_it_went_missing():
    build_chain(LENGTH)
    _entries(seq=30).update(seq=10_000)

    report = verify_chain()

    assert report.broken_at == 30
    assert "missing" in report.reason


def test_deleting_a_middle_entry_is_detected():
    build_chain(LENGTH)
    _entries(seq=25).delete()

    report = verify_chain()

    assert report.broken_at == 25
    assert "missing" in report.reason


def test_deleting_the_first_entry_is_detected():
    build_chain(LENGTH)
    _entries(seq=1).delete()
    assert verify_chain().broken_at == 1


@pytest.mark.parametrize("from_seq", [LENGTH, LENGTH - 9, 1])
def test_deleting_the_last_entries_is_detected(from_seq):
    build_chain(LENGTH)
    _entries(seq__gte=from_seq).delete()

    report = verify_chain()

    assert report.broken_at == from_seq
    assert "removed" in report.reason


def test_swapping_two_entries_is_detected_at_the_first():
    build_chain(LENGTH)
    _entries(seq=12).update(seq=-1)
    _entries(seq=33).update(seq=12)
    _entries(seq=-1).update(seq=33)

    assert verify_chain().broken_at == 12


def test_swapping_neighbours_is_detected():
    build_chain(LENGTH)
    _entries(seq=40).update(seq=-1)
    _entries(seq=41).update(seq=40)
    _entries(seq=-1).update(seq=41)

    assert verify_chain().broken_at == 40


def test_a_forged_entry_appended_without_moving_the_head_is_detected():
    """Regression: it was reported at #52 as "entries after #51 were removed"."""
    entries = build_chain(LENGTH)
    _forge(LENGTH + 1, entries[-1].entry_hash).save(force_insert=True)

    report = verify_chain()

    assert report.broken_at == LENGTH + 1
    assert "added outside the log" in report.reason


def test_a_forged_entry_with_a_bad_hash_is_detected_at_itself():
    entries = build_chain(LENGTH)
    forged = _forge(LENGTH + 1, entries[-1].entry_hash)
    forged.entry_hash = "0" * 64
    forged.save(force_insert=True)

    assert verify_chain().broken_at == LENGTH + 1


def test_a_forged_entry_inserted_in_the_middle_is_detected():
    """The entries after the insertion point are shifted up by one and a correctly
    linked, correctly hashed entry put in the gap: the forged entry itself cannot be
    told from a real one, but the one after it no longer links to it."""
    entries = build_chain(LENGTH)
    for seq in range(LENGTH, 14, -1):
        _entries(seq=seq).update(seq=seq + 1)
    _forge(15, entries[13].entry_hash).save(force_insert=True)
    AuditHead.objects.update(seq=LENGTH + 1)

    report = verify_chain()

    assert report.broken_at == 16
    assert "does not link" in report.reason


def test_a_deleted_head_is_detected():
    build_chain(LENGTH)
    AuditHead.objects.all().delete()

    report = verify_chain()

    assert report.broken_at == LENGTH
    assert "newest entry" in report.reason


def test_an_edited_head_is_detected():
    build_chain(LENGTH)
    AuditHead.objects.update(entry_hash="a" * 64)

    assert verify_chain().broken_at == LENGTH


HASHED_FIELDS = ["seq", "at", "actor_id", "action", "object_type", "object_id", "prev_hash"]


@pytest.mark.parametrize("field", HASHED_FIELDS)
def test_the_hash_covers_every_field(field):
    entry = build_chain(1)[0]
    changed = AuditEntry(**{name: getattr(entry, name) for name in HASHED_FIELDS})
    assert changed.compute_hash() == entry.entry_hash

    setattr(changed, field, _different(getattr(entry, field)))

    assert changed.compute_hash() != entry.entry_hash


def _different(value: object) -> object:
    if isinstance(value, datetime.datetime):
        return value + datetime.timedelta(microseconds=1)
    if isinstance(value, int):
        return value + 1
    if value is None:
        return 0
    return str(value) + "x"


# --- any single tamper, anywhere ------------------------------------------------------------

TAMPERS = ["edit", "edit_rehash", "delete", "truncate", "swap", "renumber", "append_forged"]


def _tamper(kind: str, seq: int, length: int) -> int:
    """Apply one change; return the entry the report must name."""
    if kind == "edit":
        _entries(seq=seq).update(action="case.shredded")
        return seq
    if kind == "edit_rehash":
        entry = _entries(seq=seq).get()
        entry.object_id = "rewritten0000000"
        entry.entry_hash = entry.compute_hash()
        entry.save()
        return seq + 1 if seq < length else seq  # the next entry, or the head
    if kind == "delete":
        _entries(seq=seq).delete()
        return seq
    if kind == "truncate":
        _entries(seq__gte=seq).delete()
        return seq
    if kind == "swap":
        other = seq + 1 if seq < length else seq - 1
        low = min(seq, other)
        _entries(seq=seq).update(seq=-1)
        _entries(seq=other).update(seq=seq)
        _entries(seq=-1).update(seq=other)
        return low
    if kind == "renumber":
        _entries(seq=seq).update(seq=length + 100)
        return seq
    assert kind == "append_forged"
    last = _entries(seq=length).get()
    _forge(length + 1, last.entry_hash).save(force_insert=True)
    return length + 1


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_single_tamper_is_reported_at_the_right_entry(data):
    length = data.draw(st.integers(2, 25), label="length")
    kind = data.draw(st.sampled_from(TAMPERS), label="kind")
    seq = data.draw(st.integers(1, length), label="seq")
    build_chain(length)
    assert verify_chain().ok

    expected = _tamper(kind, seq, length)
    report = verify_chain()

    assert report.broken_at == expected, report.describe()


def test_a_tampered_chain_stays_broken_after_more_entries():
    """New entries do not paper over an old break."""
    build_chain(10)
    _entries(seq=4).update(object_id="changed000000000")
    for _ in range(5):
        audit.record(actor_id=None, action="case.opened")

    assert verify_chain().broken_at == 4
