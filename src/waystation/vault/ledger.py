"""The shred ledger: every shred, by random id, in a file outside the database and
outside every backup (docs/operations.md#the-shred-ledger).

A restore brings back the database as it was when the backup was taken, with the data
keys of every case shredded since. ``waystation backup restore`` reads this file and
shreds those cases again, so that a restore never undoes a shred (docs/design.md §2.8).

One line per shred, appended and fsynced once the shred has committed::

    2026-12-07T15:30:00Z case 3kq9x2m4t7w8y5zb

Random ids only (``waystation.ids``): the file says how many shreds happened and when,
nothing about whom. It is written only after commit: a line for a shred that rolled back
would make a later restore destroy a case that was never shredded.
"""

from __future__ import annotations

import contextvars
import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction

from waystation.vault import runtime
from waystation.vault.agent import SealReport
from waystation.vault.keyring import Keyring
from waystation.vault.keystore import Keystore
from waystation.vault.runtime import VaultStatus

logger = logging.getLogger(__name__)

# "key": a data key destroyed on its own (a reset second factor), not with a case.
KINDS = ("case", "request", "key")
_LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) (case|request|key) ([A-Za-z0-9]{1,64})$")
_replaying: contextvars.ContextVar[bool] = contextvars.ContextVar("ledger_replay", default=False)


class LedgerError(Exception):
    """The ledger could not be written or read; the message is for operators."""


@dataclass(frozen=True)
class LedgerEntry:
    at: str
    kind: str
    object_id: str


def ledger_path() -> Path:
    return Path(settings.WAYSTATION_SHRED_LEDGER)


def record_shred(kind: str, object_id: str) -> None:
    """Append ``kind object_id`` to the ledger once the current transaction commits (at
    once outside one). A shred replayed by a restore is already in the ledger."""
    if kind not in KINDS or not re.fullmatch(r"[A-Za-z0-9]{1,64}", object_id):
        raise ValueError("the shred ledger holds a kind and a random id only")
    if _replaying.get():
        return
    transaction.on_commit(lambda: append(ledger_path(), kind, object_id))


def append(path: Path, kind: str, object_id: str) -> None:
    """One line, written with O_APPEND in one write, fsynced with its folder."""
    at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    line = f"{at} {kind} {object_id}\n".encode("ascii")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        created = not path.exists()
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            # A line torn by a crash or a full disk has no newline: this one must not be
            # glued to it (one malformed line, and this shred lost inside it).
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            folder = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
    except OSError as exc:
        # The shred itself is committed and final here; only its record for later
        # restores is missing. Say which id, so an operator can add the line by hand.
        logger.error("shred ledger not written (%s %s): %s", kind, object_id, exc.strerror)
        raise LedgerError(
            f"the shred of {kind} {object_id} is done, but the shred ledger {path} could not "
            f"be written ({exc.strerror}): add the line '{line.decode().strip()}' by hand"
        ) from exc


def read(path: Path) -> list[LedgerEntry]:
    """Every entry, oldest first. A malformed line is refused, not skipped: a restore
    that silently skipped it would bring a shredded person back."""
    entries: list[LedgerEntry] = []
    try:
        text = path.read_bytes().decode("ascii")
    except UnicodeDecodeError as exc:
        raise LedgerError(f"the shred ledger {path} is not a ledger (not ASCII)") from exc
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.fullmatch(line.strip())
        if not match:
            raise LedgerError(
                f"the shred ledger {path} has a malformed line {number}: compare it with "
                "your other copies of the ledger; a line cut off by a crash is the start of "
                "a shred's line, whose full line another copy may hold "
                "(docs/operations.md#the-shred-ledger)"
            )
        entries.append(LedgerEntry(*match.groups()))
    return entries


class _SealedReplayBackend:
    """What a restore shreds under: the installation is sealed (the root key comes only
    from the trustees), so no key is cached and none can be made. Destroying a data key
    needs no key; the KEK rotation that follows a shred is owed until the trustees
    unseal and ``waystation keys rotate`` runs (the restore says so)."""

    def __init__(self, keystore_path: Path) -> None:
        self.current = Keystore(keystore_path).load().current_kek
        self.ring = Keyring(
            keks={}, current_kek=self.current, blind_index_key=b"", session_id_key=b""
        )

    def keyring(self) -> Keyring | None:
        return self.ring

    def report(self) -> VaultStatus:
        # Only the restore uses this backend, and it holds no key: sealed, no agent.
        return VaultStatus(
            sealed=True, demo=False, agent=None, subscribed_workers=None, last_seal=None
        )

    def forget_keys(self) -> None:
        pass

    def seal(self) -> SealReport:
        return SealReport(workers=0, acknowledged=0, slowest_ms=0.0)

    def add_kek(self) -> int:
        return self.current  # no new KEK without the root key: the rotation is owed

    def retire_keks_except(self, keep: int) -> list[int]:
        return []


@contextmanager
def replaying_sealed() -> Iterator[None]:
    """Shred (``cases.services.shredding.shred_case``) in a sealed, just restored
    installation: data keys destroyed, indexes and rows erased, files removed, the KEKs
    left as they are, and nothing appended to the ledger (the entries are already
    there)."""
    token = _replaying.set(True)
    runtime.use_backend(_SealedReplayBackend(Path(settings.WAYSTATION_KEYSTORE_PATH)))
    try:
        yield
    finally:
        runtime.use_backend(None)
        _replaying.reset(token)
