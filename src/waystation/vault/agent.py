"""The key agent: one small process that holds the root key for every worker.

Why: a multi-worker server must give each worker the keys without writing them to disk
or to environment variables, and "seal now" must reach every worker within a second.
The agent listens on a Unix socket (mode 0600 in a 0700 directory, peers checked with
SO_PEERCRED to run as the same user). Workers subscribe to it; on "seal" it tells every
subscriber to drop its keys and waits for each to confirm. Protocol: one JSON object per
line; every connection carries one request, except ``subscribe`` which stays open.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import socketserver
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from waystation.vault.keyring import Keyring
from waystation.vault.keyservice import KeyService, UnsealError, VaultSealed
from waystation.vault.keystore import KeystoreError

logger = logging.getLogger(__name__)

MAX_LINE_BYTES = 64 * 1024
SEAL_ACK_TIMEOUT_SECONDS = 1.0


class AgentUnavailable(Exception):
    """No key agent answers on the socket."""


@dataclass(frozen=True)
class SealReport:
    workers: int
    acknowledged: int
    slowest_ms: float

    def describe(self) -> str:
        if self.workers == 0:
            return "Sealed. No worker held keys."
        return (
            f"Sealed. {self.acknowledged} of {self.workers} worker(s) confirmed they dropped "
            f"their keys; the slowest took {self.slowest_ms:.1f} ms."
        )


def read_line(sock: socket.socket, buffer: bytearray) -> bytes | None:
    """One newline-terminated line, or None at end of stream. Refuses oversized lines."""
    while b"\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buffer.extend(chunk)
        if len(buffer) > MAX_LINE_BYTES:
            raise ValueError("line too long")
    line, _, rest = bytes(buffer).partition(b"\n")
    buffer[:] = rest
    return line


def send(sock: socket.socket, message: dict[str, Any]) -> None:
    sock.sendall(json.dumps(message).encode() + b"\n")


# --- server --------------------------------------------------------------------------


@dataclass(eq=False)
class _Subscriber:
    sock: socket.socket
    acked: dict[int, threading.Event] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _AgentServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, path: Path, service: KeyService, allow_demo_key: Path | None) -> None:
        self.service = service
        self.allow_demo_key = allow_demo_key
        self.subscribers: set[_Subscriber] = set()
        self.subscribers_lock = threading.Lock()
        self.event_counter = 0
        # The newest seal's report, for ``status``: how many workers confirmed they
        # dropped their keys. Memory only, like everything the agent knows.
        self.last_seal: dict[str, float | int] | None = None
        super().__init__(str(path), _Handler)

    def broadcast(self, event: str) -> list[tuple[_Subscriber, int, threading.Event]]:
        with self.subscribers_lock:
            self.event_counter += 1
            event_id = self.event_counter
            targets = list(self.subscribers)
        waiting = []
        for sub in targets:
            done = threading.Event()
            with sub.lock:
                sub.acked[event_id] = done
            try:
                send(sub.sock, {"event": event, "id": event_id})
                waiting.append((sub, event_id, done))
            except OSError:
                self._drop(sub)
        return waiting

    def _drop(self, sub: _Subscriber) -> None:
        with self.subscribers_lock:
            self.subscribers.discard(sub)


class _Handler(socketserver.BaseRequestHandler):
    server: _AgentServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        if not _same_user(sock):
            send(sock, {"ok": False, "error": "refused: not the service user"})
            return
        buffer = bytearray()
        try:
            line = read_line(sock, buffer)
            if line is None:
                return
            request = json.loads(line)
            if not isinstance(request, dict):
                raise ValueError("not an object")
        except (ValueError, OSError):
            send(sock, {"ok": False, "error": "malformed request"})
            return
        op = request.get("op")
        if op == "subscribe":
            self._subscribe(sock, buffer)
            return
        with suppress(OSError):
            send(sock, self._dispatch(op, request))

    def _dispatch(self, op: object, request: dict[str, Any]) -> dict[str, Any]:
        service = self.server.service
        try:
            if op == "status":
                with self.server.subscribers_lock:
                    subscribers = len(self.server.subscribers)
                return {
                    "ok": True,
                    "sealed": not service.is_unsealed,
                    "demo": service.demo,
                    "subscribers": subscribers,
                    "last_seal": self.server.last_seal,
                }
            if op == "keys":
                if not service.is_unsealed:
                    return {"ok": True, "sealed": True}
                keyring = service.keyring()
                return {"ok": True, "sealed": False, "keyring": keyring.to_wire()}
            if op == "unseal":
                shares = request.get("shares")
                if not isinstance(shares, list) or not all(isinstance(s, str) for s in shares):
                    return {"ok": False, "error": "shares must be a list of texts"}
                service.unseal_with_shares(shares)
                logger.info("vault unsealed with trustees' shares")
                return {"ok": True}
            if op == "unseal_demo":
                if self.server.allow_demo_key is None:
                    return {"ok": False, "error": "this agent does not accept a demo key"}
                service.unseal_with_demo_key_file(self.server.allow_demo_key)
                logger.warning("vault unsealed with the DEMO KEY - not for real data")
                return {"ok": True}
            if op == "seal":
                report = self._seal()
                return {"ok": True, **report.__dict__}
            if op == "add_kek":
                return {"ok": True, "version": service.add_kek()}
            if op == "retire_keks_except":
                keep = request.get("keep")
                if not isinstance(keep, int):
                    return {"ok": False, "error": "keep must be a key version"}
                return {"ok": True, "retired": service.retire_keks_except(keep)}
        except VaultSealed:
            return {"ok": False, "error": "sealed"}
        except (UnsealError, KeystoreError) as exc:
            return {"ok": False, "error": str(exc)}
        return {"ok": False, "error": "unknown operation"}

    def _seal(self) -> SealReport:
        started = time.monotonic()
        self.server.service.seal()
        waiting = self.server.broadcast("sealed")
        deadline = started + SEAL_ACK_TIMEOUT_SECONDS
        acknowledged = 0
        slowest = 0.0
        for _sub, _event_id, done in waiting:
            if done.wait(max(0.0, deadline - time.monotonic())):
                acknowledged += 1
        slowest = (time.monotonic() - started) * 1000 if waiting else 0.0
        self.server.last_seal = {
            "at": time.time(),
            "workers": len(waiting),
            "acknowledged": acknowledged,
        }
        logger.warning("vault sealed; %d of %d workers confirmed", acknowledged, len(waiting))
        return SealReport(workers=len(waiting), acknowledged=acknowledged, slowest_ms=slowest)

    def _subscribe(self, sock: socket.socket, buffer: bytearray) -> None:
        sub = _Subscriber(sock=sock)
        # Under the lock, so that no event can overtake the confirmation and none is
        # missed between the confirmation and the registration.
        with self.server.subscribers_lock:
            self.server.subscribers.add(sub)
            try:
                send(sock, {"ok": True, "subscribed": True})
            except OSError:
                self.server.subscribers.discard(sub)
                return
        try:
            while True:
                line = read_line(sock, buffer)
                if line is None:
                    break
                message = json.loads(line)
                event_id = message.get("ack") if isinstance(message, dict) else None
                if isinstance(event_id, int):
                    with sub.lock:
                        done = sub.acked.pop(event_id, None)
                    if done is not None:
                        done.set()
        except (OSError, ValueError):
            pass
        finally:
            self.server._drop(sub)


def _same_user(sock: socket.socket) -> bool:
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return bool(uid == os.getuid())


def serve(
    socket_path: Path, service: KeyService, *, allow_demo_key: Path | None = None
) -> _AgentServer:
    """Bind the agent's socket and return the server (call ``serve_forever`` on it)."""
    socket_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    socket_path.parent.chmod(0o700)
    if socket_path.exists():
        if _answers(socket_path):
            raise AgentUnavailable(f"another key agent is already listening on {socket_path}")
        socket_path.unlink()
    old_umask = os.umask(0o177)
    try:
        server = _AgentServer(socket_path, service, allow_demo_key)
    finally:
        os.umask(old_umask)

    # Every key change (add/retire KEK after a shred or rotation) must reach workers too.
    def forward_key_change(event: str) -> None:
        if event == "changed":
            server.broadcast(event)

    service.add_listener(forward_key_change)
    return server


def _answers(path: Path) -> bool:
    try:
        AgentClient(path).request({"op": "status"}, timeout=0.5)
    except AgentUnavailable:
        return False
    return True


# --- client --------------------------------------------------------------------------


class AgentClient:
    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _connect(self, timeout: float | None) -> Iterator[socket.socket]:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(str(self.path))
        except OSError as exc:
            sock.close()
            raise AgentUnavailable(f"no key agent at {self.path}") from exc
        try:
            yield sock
        finally:
            sock.close()

    def request(self, message: dict[str, Any], timeout: float = 10.0) -> dict[str, Any]:
        try:
            with self._connect(timeout) as sock:
                send(sock, message)
                line = read_line(sock, bytearray())
        except (OSError, ValueError) as exc:
            raise AgentUnavailable(f"the key agent at {self.path} did not answer") from exc
        if line is None:
            raise AgentUnavailable("the key agent closed the connection")
        reply = json.loads(line)
        assert isinstance(reply, dict)
        return reply

    def subscribe(self) -> tuple[socket.socket, bytearray]:
        """An open connection on which the agent sends events (the caller acks each),
        with whatever was read past the confirmation."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        buffer = bytearray()
        try:
            sock.settimeout(5.0)
            sock.connect(str(self.path))
            send(sock, {"op": "subscribe"})
            line = read_line(sock, buffer)
            if line is None or not json.loads(line).get("subscribed"):
                raise AgentUnavailable("the key agent refused the subscription")
            sock.settimeout(None)
        except (OSError, ValueError) as exc:
            sock.close()
            raise AgentUnavailable(f"no key agent at {self.path}") from exc
        return sock, buffer

    def keyring(self) -> Keyring | None:
        reply = self.request({"op": "keys"})
        if not reply.get("ok") or reply.get("sealed"):
            return None
        try:
            return Keyring.from_wire(reply["keyring"])
        except (KeyError, TypeError, ValueError, AssertionError) as exc:
            # An agent from before an upgrade hands out a keyring without a key this
            # worker needs (the session-id key, for one): serve "sealed", not errors.
            message = (
                "the key agent sent keys this worker cannot use; restart the agent "
                "(and unseal) after an upgrade"
            )
            logger.error(message)
            raise AgentUnavailable(message) from exc
