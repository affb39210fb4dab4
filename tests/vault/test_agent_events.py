"""A worker's keys and the key agent's events.

A key change (rotation, shred) that lands while a worker is fetching keys must give it
the new keys, not a "sealed" page; a seal that lands then must leave it with none.
"Seal now" must seal even when the audit entry cannot be written.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import DatabaseError

from waystation.audit.models import AuditEntry
from waystation.vault import agent, runtime, services
from waystation.vault.keyring import Keyring
from waystation.vault.keyservice import KeyService
from waystation.vault.runtime import AgentBackend


@pytest.fixture
def agent_service(tmp_path: Path) -> Iterator[tuple[KeyService, Path]]:
    service = KeyService(tmp_path / "agent-keys" / "keystore.json")
    key_file = tmp_path / "agent-keys" / "root"
    service.initialise_demo(key_file)
    service.unseal_with_demo_key_file(key_file)
    socket_path = tmp_path / "run" / "agent.sock"
    server = agent.serve(socket_path, service)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield service, socket_path
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class _EventDuringFirstFetch(agent.AgentClient):
    """The real client; its first fetch lets an event happen and be heard before it
    returns, which is the race a live server meets now and then."""

    def __init__(self, path: Path, backend: AgentBackend, event: Callable[[], None]) -> None:
        super().__init__(path)
        self.backend = backend
        self.event = event
        self.fetches = 0

    def keyring(self) -> Keyring | None:
        self.fetches += 1
        fetched = super().keyring()
        if self.fetches == 1:
            epoch = self.backend._epoch
            self.event()
            deadline = time.monotonic() + 30  # generous: CI machines can be busy
            while self.backend._epoch == epoch and time.monotonic() < deadline:
                time.sleep(0.01)
            assert self.backend._epoch != epoch, "the worker never heard the event"
        return fetched


def test_a_key_change_during_a_fetch_gives_the_new_keys_not_a_sealed_page(agent_service):
    service, socket_path = agent_service
    backend = AgentBackend(socket_path)
    backend.client = _EventDuringFirstFetch(socket_path, backend, service.add_kek)

    keyring = backend.keyring()

    assert keyring is not None
    assert keyring.current_kek == 2  # the keys after the change
    assert backend.client.fetches == 2


def test_a_seal_during_a_fetch_leaves_the_worker_without_keys(agent_service):
    _service, socket_path = agent_service
    backend = AgentBackend(socket_path)
    seal = lambda: agent.AgentClient(socket_path).request({"op": "seal"})  # noqa: E731
    backend.client = _EventDuringFirstFetch(socket_path, backend, seal)

    assert backend.keyring() is None
    assert backend.keyring() is None


@pytest.mark.django_db
def test_seal_now_seals_even_when_the_audit_entry_cannot_be_written(vault, monkeypatch):
    def database_down(**_kwargs):
        raise DatabaseError("database is locked")

    monkeypatch.setattr(services.audit, "record", database_down)

    report = services.seal_now(actor_id=None)

    assert report.workers == 1
    assert not runtime.is_unsealed()
    assert not AuditEntry.objects.exists()
