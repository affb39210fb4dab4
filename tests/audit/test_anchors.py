"""Anchors outside the database catch a log rewritten by someone who could also
recompute every hash and the head row (docs/design.md §2.6)."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.audit.chains import build_chain
from waystation.audit import services as audit
from waystation.audit.models import AuditEntry, AuditHead
from waystation.audit.services import verify_chain

pytestmark = pytest.mark.django_db


def _verify(anchors: Path) -> str:
    out = StringIO()
    call_command("audit", "verify", "--anchors", str(anchors), stdout=out)
    return out.getvalue()


def _rewrite_from(seq: int) -> None:
    """What an insider with database access can do: change an entry, then recompute
    every later hash and the head, so that the chain alone looks whole."""
    entries = list(AuditEntry.objects.filter(seq__gte=seq).order_by("seq"))
    prev = AuditEntry.objects.get(seq=seq - 1).entry_hash if seq > 1 else "0" * 64
    entries[0].action = "case.closed"
    for entry in entries:
        entry.prev_hash = prev
        entry.entry_hash = entry.compute_hash()
        entry.save()
        prev = entry.entry_hash
    AuditHead.objects.filter(pk=1).update(entry_hash=prev)


def test_verify_appends_the_head_as_an_anchor(tmp_path):
    build_chain(10)
    anchors = tmp_path / "anchors"

    output = _verify(anchors)

    assert "OK: 10 entries" in output and "0 earlier anchor(s) match" in output
    head = AuditEntry.objects.get(seq=10).entry_hash
    assert anchors.read_text() == f"10 {head}\n"


def test_a_rewrite_that_fools_the_chain_is_caught_by_an_earlier_anchor(tmp_path):
    build_chain(10)
    anchors = tmp_path / "anchors"
    _verify(anchors)

    _rewrite_from(4)

    assert verify_chain().ok  # the chain alone cannot tell
    with pytest.raises(CommandError, match=r"entry #10 no longer has the hash anchored"):
        _verify(anchors)


def test_entries_added_after_an_anchor_still_verify(tmp_path):
    build_chain(5)
    anchors = tmp_path / "anchors"
    _verify(anchors)
    before = AuditEntry.objects.count()
    audit.record(actor_id=1, action="case.opened", object_type="case", object_id="abc")

    output = _verify(anchors)

    assert f"OK: {before + 1} entries" in output and "1 earlier anchor(s) match" in output
    assert len(anchors.read_text().splitlines()) == 2


def test_an_anchored_entry_cut_from_the_end_is_named(tmp_path):
    build_chain(6)
    anchors = tmp_path / "anchors"
    _verify(anchors)
    AuditEntry.objects.filter(seq=6).delete()
    AuditHead.objects.filter(pk=1).update(
        seq=5, entry_hash=AuditEntry.objects.get(seq=5).entry_hash
    )

    with pytest.raises(CommandError, match=r"ends at entry #5, but entry #6 was anchored"):
        _verify(anchors)


@pytest.mark.parametrize(
    "content",
    ["not an anchor\n", "10 abc\n", "-1 " + "0" * 64 + "\n", "\x00\x01garbage", "5 " + "A" * 64],
)
def test_a_damaged_anchor_file_gets_a_clear_error_and_is_left_as_it_was(tmp_path, content):
    build_chain(3)
    anchors = tmp_path / "anchors"
    anchors.write_text(content)

    with pytest.raises(CommandError, match=r"not an anchor|cannot be read"):
        _verify(anchors)
    assert anchors.read_text() == content


def test_an_anchor_path_that_is_a_folder_gets_a_clear_error(tmp_path):
    build_chain(3)
    with pytest.raises(CommandError, match="cannot be read"):
        _verify(tmp_path)
