"""The session-id key: derived from the root key for one purpose, handed to workers with
the rest of the keyring, the same after every unsealing, gone when sealed."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.vault.seeding import reopen_vault
from waystation.vault import agent, runtime
from waystation.vault.keyring import Keyring, VaultSealed
from waystation.vault.primitives import derive_key
from waystation.vault.runtime import AgentBackend
from waystation.vault.session_ids import STORED_ID_LENGTH, stored_session_id


def test_the_session_id_key_is_its_own_key():
    keyring = runtime.keyring()
    assert len(keyring.session_id_key) == 32
    assert keyring.session_id_key != keyring.blind_index_key
    assert keyring.session_id_key not in keyring.keks.values()


def test_a_stored_id_is_a_digest_of_fixed_length_stable_across_unsealing(vault, tmp_path):
    before = stored_session_id("k3y0fas3ss10nc00k1ev4lue0f32chrs")
    assert len(before) == STORED_ID_LENGTH
    assert int(before, 16) >= 0
    assert stored_session_id("k3y0fas3ss10nc00k1ev4lue0f32chrt") != before

    reopen_vault(vault, tmp_path)

    assert stored_session_id("k3y0fas3ss10nc00k1ev4lue0f32chrs") == before


def test_no_stored_id_while_sealed(vault):
    vault.seal()
    with pytest.raises(VaultSealed):
        stored_session_id("k3y0fas3ss10nc00k1ev4lue0f32chrs")


def test_workers_get_the_session_id_key_with_their_keyring():
    keyring = runtime.keyring()
    copy = Keyring.from_wire(keyring.to_wire())
    assert copy.session_id_key == keyring.session_id_key
    assert copy.blind_index_key == keyring.blind_index_key


def test_a_worker_given_keys_without_a_session_id_key_serves_sealed(
    vault, tmp_path: Path, monkeypatch
):
    """An agent still running code from before an upgrade: the worker fails closed (the
    sealed page), it does not answer every page with an error."""

    def old_wire(self: Keyring) -> dict[str, object]:
        wire = original(self)
        del wire["session_id_key"]
        return wire

    original = Keyring.to_wire
    socket_path = tmp_path / "run" / "agent.sock"
    server = agent.serve(socket_path, vault)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        backend = AgentBackend(socket_path)
        assert backend.keyring() is not None  # control: the same agent, current code
        backend.forget_keys()
        monkeypatch.setattr(Keyring, "to_wire", old_wire)
        assert backend.keyring() is None
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_the_key_is_the_hkdf_of_the_root_for_its_purpose(vault):
    root = vault._require_root()
    assert runtime.keyring().session_id_key == derive_key(root, "waystation/session-id/v1")
