"""The key agent's workers as the status sees them, against a real key agent on a Unix
socket (in a thread of this process) and real subscriptions: workers that confirm a
seal, a worker that hangs and never confirms, an agent with no worker at all."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone

from waystation.status import checks
from waystation.vault import agent, runtime
from waystation.vault.keyservice import KeyService
from waystation.vault.runtime import AgentBackend


@pytest.fixture
def agent_socket(tmp_path: Path) -> Iterator[Path]:
    service = KeyService(tmp_path / "agent-keys" / "keystore.json")
    key_file = tmp_path / "agent-keys" / "root"
    service.initialise_demo(key_file)
    service.unseal_with_demo_key_file(key_file)
    socket_path = tmp_path / "run" / "agent.sock"
    server = agent.serve(socket_path, service, allow_demo_key=key_file)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    # This process asks as a status command would: through the agent, holding no key.
    runtime.use_backend(AgentBackend(socket_path))
    try:
        yield socket_path
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def workers() -> checks.Finding:
    probe = checks.Probe(timezone.now())
    return checks.check_workers(probe)


def seal(socket_path: Path) -> dict[str, object]:
    return agent.AgentClient(socket_path).request({"op": "seal"})


def test_workers_that_confirm_the_seal_are_counted(agent_socket):
    worker_a, worker_b = AgentBackend(agent_socket), AgentBackend(agent_socket)
    assert worker_a.keyring() is not None and worker_b.keyring() is not None

    before = workers()
    assert before.ok and before.facts["subscribed"] == 2
    assert before.facts["last_seal_at"] is None

    assert seal(agent_socket)["acknowledged"] == 2
    after = workers()

    assert after.ok, after.summary
    assert after.facts["last_seal_workers"] == 2
    assert after.facts["last_seal_confirmed"] == 2
    assert "2 of 2 workers confirmed" in after.summary
    vault = checks.check_vault(checks.Probe(timezone.now()))
    assert not vault.ok and vault.facts["sealed"] is True
    assert runtime.backend().keyring() is None  # the status asked, and holds nothing


def test_a_worker_that_never_confirms_is_not_ok_while_sealed(agent_socket):
    confirming = AgentBackend(agent_socket)
    assert confirming.keyring() is not None
    hung, _buffer = agent.AgentClient(agent_socket).subscribe()  # never reads, never acks
    try:
        report = seal(agent_socket)
        assert (report["workers"], report["acknowledged"]) == (2, 1)

        found = workers()

        assert not found.ok
        assert found.facts["last_seal_confirmed"] == 1
        assert "restart the staff side" in found.summary
    finally:
        hung.close()


def test_unsealed_with_no_worker_subscribed_is_not_ok(agent_socket):
    found = workers()

    assert not found.ok
    assert found.facts["subscribed"] == 0
    assert "no staff worker is subscribed" in found.summary


def test_no_agent_at_all_is_sealed_and_not_ok(tmp_path):
    runtime.use_backend(AgentBackend(tmp_path / "nowhere" / "agent.sock"))

    found = workers()
    vault = checks.check_vault(checks.Probe(timezone.now()))

    assert not found.ok and not vault.ok
    assert vault.summary.startswith("Sealed: no key agent answers")
