"""Anchors: the audit chain's head, written down outside the database.

A hash chain shows an edited entry, unless whoever edited it also recomputed every later
hash and the head row: anyone with write access to the database can. The same person can
delete the newest entries and move the head back, or empty the log. An anchor is a
``seq hash`` line kept where that person cannot reach (another machine, write-once
storage, a printout). Verifying against the anchors shows any rewrite that reaches back
to or before the newest anchor, and any log that is now shorter than an anchor says it
was. ``waystation audit anchor`` (every minute) appends the head when it has moved;
``waystation audit verify`` (daily) checks every anchor in the file, then appends too.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from django.utils.translation import gettext as _

from waystation.audit.models import AuditEntry

_LINE = re.compile(r"(\d{1,18}) ([0-9a-f]{64})")
# A line is at most 84 bytes: an anchor a minute for twenty years stays below this.
MAX_ANCHOR_FILE_BYTES = 1024 * 1024 * 1024
# The newest anchor is in the file's last line; no line is longer than this.
_TAIL_BYTES = 4096
_BATCH = 1000


class AnchorError(Exception):
    """The anchor file cannot be used; the message says why."""


@dataclass(frozen=True)
class Anchor:
    seq: int
    entry_hash: str


def _parse(path: Path, number: int, line: str) -> Anchor | None:
    if not line.strip() or line.startswith("#"):
        return None
    match = _LINE.fullmatch(line.strip())
    if match is None:
        raise AnchorError(
            _("%(path)s, line %(number)s: not an anchor ('<entry> <hash>')")
            % {"path": path, "number": number}
        )
    return Anchor(seq=int(match[1]), entry_hash=match[2])


def _check_size(path: Path) -> bool:
    """False if there is no file yet."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise AnchorError(_unreadable(path)) from exc
    if size > MAX_ANCHOR_FILE_BYTES:
        raise AnchorError(_("%(path)s is far larger than an anchor file can be") % {"path": path})
    return True


def _unreadable(path: Path) -> str:
    return _("%(path)s cannot be read as an anchor file") % {"path": path}


def iter_anchors(path: Path) -> Iterator[Anchor]:
    """Every anchor in the file (none if it does not exist yet), read line by line: a
    file of years of anchors is never held in memory at once."""
    if not _check_size(path):
        return
    try:
        with path.open(encoding="ascii", newline="") as lines:
            for number, line in enumerate(lines, start=1):
                anchor = _parse(path, number, line)
                if anchor is not None:
                    yield anchor
    except (OSError, UnicodeDecodeError) as exc:
        raise AnchorError(_unreadable(path)) from exc


def read_anchors(path: Path) -> list[Anchor]:
    return list(iter_anchors(path))


def last_anchor(path: Path) -> Anchor | None:
    """The anchor on the file's last line, reading only the file's end (the minute's
    job must not read years of anchors)."""
    if not _check_size(path):
        return None
    try:
        with path.open("rb") as file:
            size = file.seek(0, os.SEEK_END)
            file.seek(max(size - _TAIL_BYTES, 0))
            tail = file.read().decode("ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise AnchorError(_unreadable(path)) from exc
    lines = tail.splitlines()
    if size > _TAIL_BYTES:
        lines = lines[1:]  # the first may be the end of a longer line
    for line in reversed(lines):
        anchor = _parse(path, 0, line)
        if anchor is not None:
            return anchor
    if size > _TAIL_BYTES:
        raise AnchorError(_("%(path)s ends in something that is not an anchor") % {"path": path})
    return None


@dataclass(frozen=True)
class AnchorCheck:
    count: int  # anchors checked
    newest: Anchor | None  # the one with the highest entry number
    mismatch: str | None  # what no longer fits, or None


def check_anchors(anchors: Iterable[Anchor], *, head_seq: int) -> AnchorCheck:
    """Compare every anchor with the log whose newest entry is ``head_seq``.

    A log shorter than an anchor is named as such first (the usual sign of entries
    deleted from the end with the head moved back, or of a log emptied), then any
    anchored entry whose hash is no longer the one written down. Queries go in batches:
    a year of minute anchors is a few hundred queries, not a hundred thousand."""
    count = 0
    newest: Anchor | None = None
    changed: Anchor | None = None
    iterator = iter(anchors)
    while batch := list(islice(iterator, _BATCH)):
        count += len(batch)
        for anchor in batch:
            if newest is None or anchor.seq > newest.seq:
                newest = anchor
        stored = dict(
            AuditEntry.objects.filter(seq__in={a.seq for a in batch}).values_list(
                "seq", "entry_hash"
            )
        )
        for anchor in batch:
            if anchor.seq > head_seq:
                continue  # reported below, for the newest such anchor
            if stored.get(anchor.seq) != anchor.entry_hash and (
                changed is None or anchor.seq < changed.seq
            ):
                changed = anchor
    if newest is not None and newest.seq > head_seq:
        numbers = {"head": head_seq, "anchored": newest.seq, "first": head_seq + 1}
        cut = (
            _(
                "the log ends at entry #%(head)s, but entry #%(anchored)s was anchored "
                "earlier: entries from #%(first)s on were removed"
            )
            if head_seq
            else _(
                "the log is empty, but entry #%(anchored)s was anchored earlier: entries "
                "from #%(first)s on were removed"
            )
        )
        return AnchorCheck(count, newest, cut % numbers)
    if changed is not None:
        rewritten = (
            _(
                "entry #%(seq)s, anchored earlier, is gone: the log was rewritten at or "
                "before #%(seq)s"
            )
            if not AuditEntry.objects.filter(seq=changed.seq).exists()
            else _(
                "entry #%(seq)s no longer has the hash anchored earlier: the log was "
                "rewritten at or before #%(seq)s"
            )
        )
        return AnchorCheck(count, newest, rewritten % {"seq": changed.seq})
    return AnchorCheck(count, newest, None)


def append_anchor(path: Path, anchor: Anchor) -> None:
    """Append durably: a crash leaves the file as it was or with the whole line."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError as exc:
        raise AnchorError(_("cannot write to %(path)s") % {"path": path}) from exc
    try:
        os.write(fd, f"{anchor.seq} {anchor.entry_hash}\n".encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
