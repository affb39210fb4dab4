"""Writing to and checking the audit log."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from waystation.audit.anchors import Anchor
from waystation.audit.models import GENESIS_HASH, AuditEntry, AuditHead

_ACTION = re.compile(r"^[a-z][a-z0-9_.]{1,63}$")
_IDENT = re.compile(r"^[A-Za-z0-9_.:-]{0,64}$")


def first_actor(*, action: str, object_type: str, object_id: str) -> int | None:
    """Who did ``action`` to this object first, as the log says (None: nobody, or the
    system)."""
    entry = (
        AuditEntry.objects.filter(action=action, object_type=object_type, object_id=object_id)
        .order_by("seq")
        .first()
    )
    return entry.actor_id if entry is not None else None


def record(
    *,
    actor_id: int | None,
    action: str,
    object_type: str = "",
    object_id: str = "",
    actor_partner_id: str = "",
) -> AuditEntry:
    """Append one entry. Called inside the action's own transaction, so the entry exists
    exactly when the action happened. Only ids and action names are accepted: a value
    that looks like free text is refused rather than written."""
    # fullmatch, not match: "$" would let a trailing newline through.
    if not _ACTION.fullmatch(action):
        raise ValueError(f"not an audit action name: {action!r}")
    if not _IDENT.fullmatch(object_type) or not _IDENT.fullmatch(str(object_id)):
        raise ValueError("audit entries hold ids only")
    # The hash covers the value as given and verification recomputes it from the stored
    # one: a "12" stored as 12 would read as tampering from this entry on, for ever.
    if actor_id is not None and type(actor_id) is not int:
        raise ValueError("an audit actor is a user id (int) or None")
    if not _IDENT.fullmatch(actor_partner_id) or (actor_partner_id and actor_id is not None):
        raise ValueError("a partner actor is a partner's id, and speaks for no user")
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        entry = AuditEntry(
            seq=head.seq + 1,
            at=timezone.now(),
            actor_id=actor_id,
            actor_partner_id=actor_partner_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            prev_hash=head.entry_hash,
        )
        entry.entry_hash = entry.compute_hash()
        entry.save(force_insert=True)
        head.seq = entry.seq
        head.entry_hash = entry.entry_hash
        head.save(update_fields=["seq", "entry_hash"])
    return entry


@dataclass(frozen=True)
class ChainReport:
    entries: int  # when whole: the newest entry's number, which is how many there are
    broken_at: int | None
    reason: str
    head_hash: str

    @property
    def ok(self) -> bool:
        return self.broken_at is None

    def describe(self) -> str:
        if self.ok:
            return f"OK: {self.entries} entries, head {self.head_hash}"
        return f"BROKEN at entry #{self.broken_at}: {self.reason}"


def verify_chain(batch_size: int = 5000, *, after: Anchor | None = None) -> ChainReport:
    """Walk the whole chain and name the first entry that does not fit.

    With ``after``, walk only the entries since that anchor, starting from its hash: the
    minute's anchoring checks what is new, not years of log. The caller checks that the
    anchored entry itself still has that hash (``anchors.check_anchors``)."""
    expected_prev = after.entry_hash if after else GENESIS_HASH
    expected_seq = after.seq + 1 if after else 1
    count = 0
    last_seq = after.seq if after else 0
    queryset = AuditEntry.objects.order_by("seq")
    while True:
        batch = list(queryset.filter(seq__gt=last_seq)[:batch_size])
        if not batch:
            break
        for entry in batch:
            if entry.seq != expected_seq:
                return ChainReport(
                    count, expected_seq, f"entry missing (next present is #{entry.seq})", ""
                )
            if entry.prev_hash != expected_prev:
                return ChainReport(count, entry.seq, "does not link to the entry before it", "")
            if entry.compute_hash() != entry.entry_hash:
                return ChainReport(count, entry.seq, "its contents were changed", "")
            expected_prev = entry.entry_hash
            expected_seq += 1
            count += 1
            last_seq = entry.seq
    head = AuditHead.objects.filter(pk=1).first()
    if head is None and last_seq:
        return ChainReport(count, last_seq, "the record of the newest entry is missing", "")
    head_seq, head_hash = (head.seq, head.entry_hash) if head else (0, GENESIS_HASH)
    if head_seq > last_seq:
        return ChainReport(
            count, last_seq + 1, f"entries after #{last_seq} were removed (head is #{head_seq})", ""
        )
    if head_seq < last_seq:
        # The entries past the head link up, but no append ever made them the head.
        return ChainReport(
            count,
            head_seq + 1,
            f"entries from #{head_seq + 1} on were added outside the log (head is #{head_seq})",
            "",
        )
    if head_hash != expected_prev:
        return ChainReport(count, last_seq, "does not match the newest entry's recorded hash", "")
    return ChainReport(last_seq, None, "", expected_prev)
