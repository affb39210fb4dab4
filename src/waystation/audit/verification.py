"""Checking the audit log as a whole: its chain, its anchors, and that it is there at all.

The chain alone says the log agrees with itself. It cannot say that nothing is missing
from its end, nor that a log of 0 entries should have had some: someone who can write to
the database deletes the newest entries and moves the head back, or empties the log,
and the chain still agrees with itself. Two things stand in the way:

- the anchors (``audit.anchors``), written outside the database, say how long the log
  was and what its head was; a log shorter than an anchor, or with another hash at an
  anchored entry, is refused;
- every staff account and every case wrote an entry when it was made, so an empty log
  beside a database that holds either is refused, anchors or not.

A production server without an anchor file is refused too: without one a log cut at
its end cannot be told from a whole one, and "OK" would promise what was not checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from waystation.audit.anchors import (
    Anchor,
    AnchorError,
    append_anchor,
    check_anchors,
    iter_anchors,
    last_anchor,
)
from waystation.audit.models import GENESIS_HASH, AuditEntry, AuditHead
from waystation.audit.services import verify_chain


class LogNotVerified(Exception):
    """The log failed a check, or could not be checked; the message says which and why."""


def configured_anchor_path(explicit: Path | None = None) -> Path | None:
    return explicit if explicit is not None else settings.WAYSTATION_AUDIT_ANCHOR


def _not_configured(what: str) -> LogNotVerified:
    return LogNotVerified(
        f"NOT VERIFIED: {what}, but no anchor file is configured (set "
        "WAYSTATION_AUDIT_ANCHOR, see docs/operations.md#audit-log): without one, a log "
        "emptied or cut at its end cannot be told from a whole one"
    )


def _refuse_if_emptied(entries: int) -> None:
    """Every account and every case was made with an entry: 0 entries beside any of them
    means the log was emptied."""
    if entries:
        return
    users = get_user_model().objects.count()
    cases = (
        apps.get_model("cases", "Case").objects.count()
        if apps.is_installed("waystation.cases")
        else 0
    )
    if users or cases:
        raise LogNotVerified(
            f"BROKEN: the audit log is empty, but the database holds {users} staff "
            f"account(s) and {cases} case(s), each of which wrote an entry: the log was "
            "emptied"
        )


def _append_head(path: Path, newest: Anchor | None, entries: int, head_hash: str) -> bool:
    if not entries or (newest is not None and newest.seq == entries):
        return False
    append_anchor(path, Anchor(seq=entries, entry_hash=head_hash))
    return True


def verify_log(*, anchors: Path | None = None) -> str:
    """The whole chain, then every anchor; then append the head. Returns the line to print;
    raises ``LogNotVerified`` (and ``AnchorError`` for an unusable file)."""
    report = verify_chain()
    if not report.ok:
        raise LogNotVerified(report.describe())
    path = configured_anchor_path(anchors)
    if path is None:
        _refuse_if_emptied(report.entries)
        raise _not_configured(report.describe())
    checked = check_anchors(iter_anchors(path), head_seq=report.entries)
    if checked.mismatch is not None:
        raise LogNotVerified(f"BROKEN: {checked.mismatch}")
    _refuse_if_emptied(report.entries)
    _append_head(path, checked.newest, report.entries, report.head_hash)
    return f"{report.describe()}; {checked.count} earlier anchor(s) match"


def anchor_log(*, anchors: Path | None = None) -> str:
    """The minute's job: check the newest anchor and the entries written since it, then
    append the head if it has moved. Reads only the end of the file and of the log."""
    path = configured_anchor_path(anchors)
    if path is None:
        raise _not_configured("nothing was anchored")
    newest = last_anchor(path)
    if newest is not None:
        # The newest entry present, not the head row: a missing or moved head is the
        # chain's to name, below.
        last = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
        checked = check_anchors([newest], head_seq=last or 0)
        if checked.mismatch is not None:
            raise LogNotVerified(f"BROKEN: {checked.mismatch}")
    report = verify_chain(after=newest)
    if not report.ok:
        raise LogNotVerified(report.describe())
    _refuse_if_emptied(report.entries)
    if not report.entries:
        return "OK: the log is empty; nothing to anchor yet"
    if _append_head(path, newest, report.entries, report.head_hash):
        return f"OK: anchored entry #{report.entries}, head {report.head_hash}"
    return f"OK: entry #{report.entries} was already anchored"


@dataclass(frozen=True)
class ChainHead:
    """The audit log's head as a status check sees it, in a few queries: never a walk of
    the whole chain (that is ``audit verify``'s daily job).

    ``problem`` names what does not fit, in ids and entry numbers only; None when the
    head row, the newest entry and the newest anchor agree and entries are anchored
    as they come. ``unanchored_since``: when the oldest entry not yet anchored was
    written (None: every entry is anchored, or there is no anchor file)."""

    entries: int
    head_hash: str
    last_anchor: Anchor | None
    anchor_file: bool
    unanchored_since: datetime | None
    problem: str | None


def chain_head(*, anchor_lag: timedelta, now: datetime) -> ChainHead:
    """The head row against the newest entry, the newest anchor against the entry it
    names, and whether anchoring keeps up: an entry written more than ``anchor_lag``
    ago and still not anchored means the minute's ``audit anchor`` is not running."""
    head = AuditHead.objects.filter(pk=1).first()
    newest = AuditEntry.objects.order_by("-seq").values_list("seq", "entry_hash").first()
    entries, head_hash = (head.seq, head.entry_hash) if head else (0, GENESIS_HASH)
    problem: str | None = None
    if (newest or (0, GENESIS_HASH)) != (entries, head_hash):
        newest_seq = newest[0] if newest else 0
        problem = _("the head names entry #%(head)s, but the newest entry is #%(newest)s") % {
            "head": entries,
            "newest": newest_seq,
        }
    path = configured_anchor_path()
    if path is None:
        return ChainHead(
            entries, head_hash, None, False, None, problem or _("no anchor file is configured")
        )
    try:
        anchor = last_anchor(path)
    except AnchorError as exc:
        return ChainHead(entries, head_hash, None, True, None, problem or str(exc))
    if anchor is not None and problem is None:
        problem = check_anchors([anchor], head_seq=entries).mismatch
    first_unanchored = (
        AuditEntry.objects.filter(seq__gt=anchor.seq if anchor else 0)
        .order_by("seq")
        .values_list("at", flat=True)
        .first()
    )
    if problem is None and first_unanchored is not None and now - first_unanchored > anchor_lag:
        minutes = int((now - first_unanchored).total_seconds() // 60)
        problem = ngettext(
            "entries since #%(seq)s have waited %(minutes)s minute for an anchor: is "
            "`waystation audit anchor` running every minute?",
            "entries since #%(seq)s have waited %(minutes)s minutes for an anchor: is "
            "`waystation audit anchor` running every minute?",
            minutes,
        ) % {"seq": anchor.seq if anchor else 0, "minutes": minutes}
    return ChainHead(entries, head_hash, anchor, True, first_unanchored, problem)
