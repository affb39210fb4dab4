"""This process's view of the vault: where its keys come from, and dropping them.

Two backends share one interface:

- :class:`AgentBackend` (servers): keys come from the key agent over its Unix socket. A
  background thread keeps a subscription open; when the agent says "sealed" or "changed"
  the thread drops the keyring at once and confirms. If the agent goes away the keyring
  is dropped too: without the agent there is no way to learn of a seal, so we fail closed.
- :class:`InProcessBackend` (tests and one-off commands): this process holds a
  :class:`KeyService` and therefore the root key itself.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from django.conf import settings

from waystation.vault.agent import AgentClient, AgentUnavailable, SealReport, read_line, send
from waystation.vault.keyring import Keyring
from waystation.vault.keyservice import KeyService, UnsealError, VaultSealed

logger = logging.getLogger(__name__)

# Fetches per keyring() call while key events keep arriving (a rotation in progress).
FETCH_ATTEMPTS = 5


@dataclass(frozen=True)
class LastSeal:
    """The newest "seal now" the key agent remembers: how many workers held keys, and
    how many confirmed they dropped them within the agent's timeout."""

    at: datetime
    workers: int
    acknowledged: int


@dataclass(frozen=True)
class VaultStatus:
    """What is knowable about the vault without fetching any key.

    ``agent`` is None when this process holds the keys itself (tests, one-off commands):
    there is no agent and no worker to count. Otherwise it says whether the agent
    answered; an agent that does not answer counts as sealed, since no worker can get
    keys from it. ``subscribed_workers``: worker processes subscribed to the agent now,
    each of which is told to drop its keys on a seal and confirms it."""

    sealed: bool
    demo: bool
    agent: bool | None
    subscribed_workers: int | None
    last_seal: LastSeal | None


def _last_seal(value: object) -> LastSeal | None:
    if not isinstance(value, dict):
        return None
    try:
        return LastSeal(
            at=datetime.fromtimestamp(float(value["at"]), tz=UTC),
            workers=int(value["workers"]),
            acknowledged=int(value["acknowledged"]),
        )
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        return None


class Backend(Protocol):
    def keyring(self) -> Keyring | None: ...
    def report(self) -> VaultStatus: ...
    def forget_keys(self) -> None: ...
    def seal(self) -> SealReport: ...
    def add_kek(self) -> int: ...
    def retire_keks_except(self, keep: int) -> list[int]: ...


class InProcessBackend:
    def __init__(self, service: KeyService) -> None:
        self.service = service

    def keyring(self) -> Keyring | None:
        return self.service.keyring() if self.service.is_unsealed else None

    def forget_keys(self) -> None:
        pass  # this process holds the key service: its keyring is always current

    def report(self) -> VaultStatus:
        return VaultStatus(
            sealed=not self.service.is_unsealed,
            demo=self.service.demo,
            agent=None,
            subscribed_workers=None,
            last_seal=None,
        )

    def seal(self) -> SealReport:
        self.service.seal()
        return SealReport(workers=1, acknowledged=1, slowest_ms=0.0)

    def add_kek(self) -> int:
        return self.service.add_kek()

    def retire_keks_except(self, keep: int) -> list[int]:
        return self.service.retire_keks_except(keep)


class AgentBackend:
    def __init__(self, socket_path: Path) -> None:
        self.client = AgentClient(socket_path)
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._keyring: Keyring | None = None
        self._epoch = 0
        self._subscriber: threading.Thread | None = None

    def _after_fork_check(self) -> None:
        # Threads do not survive fork: a forked worker starts its own subscription.
        if self._pid != os.getpid():
            self._reset()

    def keyring(self) -> Keyring | None:
        self._after_fork_check()
        keyring = self._keyring
        if keyring is not None:
            return keyring
        with self._lock:
            if self._keyring is not None:
                return self._keyring
            try:
                self._ensure_subscribed()
                for _attempt in range(FETCH_ATTEMPTS):
                    epoch = self._epoch
                    fetched = self.client.keyring()
                    if fetched is None:
                        return None  # the agent is sealed
                    if epoch == self._epoch:
                        self._keyring = fetched
                        return fetched
                    # An event arrived while we fetched, so these keys may be stale. Ask
                    # again: after a seal the agent answers "sealed"; after a key change
                    # (rotation, shred) it hands out the new keys.
            except AgentUnavailable:
                return None
            return None  # events kept arriving: fail closed, the next request retries

    def _ensure_subscribed(self) -> None:
        if self._subscriber is not None and self._subscriber.is_alive():
            return
        sock, buffer = self.client.subscribe()
        thread = threading.Thread(
            target=self._listen, args=(sock, buffer), name="vault-subscriber", daemon=True
        )
        self._subscriber = thread
        thread.start()

    def _listen(self, sock: socket.socket, buffer: bytearray) -> None:
        try:
            while True:
                line = read_line(sock, buffer)
                if line is None:
                    break
                message = json.loads(line)
                self._drop()
                if isinstance(message, dict) and isinstance(message.get("id"), int):
                    send(sock, {"ack": message["id"]})
        except (OSError, ValueError):
            pass
        finally:
            self._drop()
            sock.close()

    def forget_keys(self) -> None:
        self._drop()

    def _drop(self) -> None:
        self._epoch += 1
        keyring, self._keyring = self._keyring, None
        if keyring is not None:
            keyring.wipe()

    def seal(self) -> SealReport:
        reply = self.client.request({"op": "seal"})
        self._drop()
        return SealReport(
            workers=int(reply.get("workers", 0)),
            acknowledged=int(reply.get("acknowledged", 0)),
            slowest_ms=float(reply.get("slowest_ms", 0.0)),
        )

    def _checked(self, message: dict[str, object]) -> dict[str, object]:
        reply = self.client.request(message)
        if not reply.get("ok"):
            error = str(reply.get("error", "the key agent refused"))
            if error == "sealed":
                raise VaultSealed()
            raise UnsealError(error)
        return reply

    def add_kek(self) -> int:
        version = self._checked({"op": "add_kek"})["version"]
        assert isinstance(version, int)
        self._drop()
        return version

    def retire_keks_except(self, keep: int) -> list[int]:
        retired = self._checked({"op": "retire_keks_except", "keep": keep})["retired"]
        assert isinstance(retired, list)
        self._drop()
        return [int(v) for v in retired]

    def unseal_with_shares(self, shares: Iterable[str]) -> None:
        self._checked({"op": "unseal", "shares": list(shares)})

    def unseal_demo(self) -> None:
        self._checked({"op": "unseal_demo"})

    def status(self) -> dict[str, object]:
        return self.client.request({"op": "status"}, timeout=2.0)

    def report(self) -> VaultStatus:
        """Asked of the agent, which hands out no key for it: a status command or page
        does not make this process hold keys it does not need."""
        try:
            reply = self.status()
        except AgentUnavailable:
            return VaultStatus(
                sealed=True, demo=False, agent=False, subscribed_workers=0, last_seal=None
            )
        workers = reply.get("subscribers")
        return VaultStatus(
            sealed=reply.get("sealed") is not False,
            demo=reply.get("demo") is True,
            agent=True,
            subscribed_workers=workers if isinstance(workers, int) else 0,
            last_seal=_last_seal(reply.get("last_seal")),
        )


_backend: Backend | None = None
_backend_lock = threading.Lock()


def backend() -> Backend:
    global _backend
    if _backend is None:
        with _backend_lock:
            if _backend is None:
                if settings.WAYSTATION_VAULT_BACKEND == "inprocess":
                    _backend = InProcessBackend(KeyService(settings.WAYSTATION_KEYSTORE_PATH))
                else:
                    _backend = AgentBackend(settings.WAYSTATION_AGENT_SOCKET)
    return _backend


def use_backend(new: Backend | None) -> None:
    """Install a backend explicitly (commands that hold the keys, tests)."""
    global _backend
    _backend = new


def keyring() -> Keyring:
    """The keys of this process, or :class:`VaultSealed`."""
    current = backend().keyring()
    if current is None:
        raise VaultSealed()
    return current


def refreshed_keyring() -> Keyring:
    """The keys fetched afresh: for when the database says they changed before the key
    agent's event about it arrived."""
    backend().forget_keys()
    return keyring()


def is_unsealed() -> bool:
    return backend().keyring() is not None


def vault_status() -> VaultStatus:
    """Sealed or not, and what the key agent knows of its workers (status checks)."""
    return backend().report()


def prepare_worker() -> None:
    """Subscribe and fetch keys at worker start, so the first request is not slower and
    the agent can count this worker when sealing. Sealed or no agent is fine here."""
    try:
        backend().keyring()
    except Exception:  # a worker must start even when the vault is unreachable
        logger.warning("vault not reachable at worker start; pages will show 'sealed'")
