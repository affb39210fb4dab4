"""The vault's commands: `keys init`, `unseal`, `seal`, `keys rotate` (docs/design.md §2.9: bad
input gets a clear answer and changes nothing).

`unseal` talks to a real key agent, served from a thread of this process on a socket
in the test's folder (the multi-worker seal test runs a separate agent and server).
"""

from __future__ import annotations

import io
import re
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.vault.seeding import open_case
from waystation.audit.models import AuditEntry
from waystation.vault import agent, runtime
from waystation.vault.keyservice import KeyService, VaultSealed
from waystation.vault.shares import MAX_SHARES


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- keys init ------------------------------------------------------------------------------


@pytest.fixture
def fresh_keystore(tmp_path, settings) -> Path:
    path = tmp_path / "fresh-keys" / "keystore.json"
    settings.WAYSTATION_KEYSTORE_PATH = path
    return path


def _printed_shares(output: str) -> list[str]:
    return re.findall(r"^Share \d+ of \d+:\n(.+)$", output, flags=re.MULTILINE)


def test_keys_init_prints_shares_that_unseal(fresh_keystore):
    out, _err = _run("keys", "init", "--shares", "4", "--threshold", "2")
    shares = _printed_shares(out)

    assert len(shares) == 4
    assert "any 2 unseal" in out
    service = KeyService(fresh_keystore)
    service.unseal_with_shares(shares[2:])
    assert service.is_unsealed


@pytest.mark.parametrize(
    "arguments",
    [
        ["--threshold", "1"],
        ["--shares", "3", "--threshold", "4"],
        ["--shares", str(MAX_SHARES + 1)],
        ["--shares", "0", "--threshold", "0"],
        ["--shares", "-5"],
        ["--shares", "five"],
        ["--threshold", "2.5"],
        ["--shares", "9" * 400],
    ],
)
def test_keys_init_refuses_impossible_schemes_and_writes_nothing(fresh_keystore, arguments):
    with pytest.raises(CommandError):
        _run("keys", "init", *arguments)
    assert not fresh_keystore.parent.exists() or not any(fresh_keystore.parent.iterdir())


def test_keys_init_refuses_to_replace_a_key_store(fresh_keystore):
    _run("keys", "init")
    before = fresh_keystore.read_bytes()

    with pytest.raises(CommandError, match="already exists"):
        _run("keys", "init")
    assert fresh_keystore.read_bytes() == before


def test_keys_init_demo_is_refused_outside_demo_mode(fresh_keystore, settings):
    settings.DEMO_MODE = False
    settings.WAYSTATION_DEMO_KEY_FILE = fresh_keystore.parent / "demo-key"

    with pytest.raises(CommandError, match="refused outside"):
        _run("keys", "init", "--demo")
    assert not fresh_keystore.exists()
    assert not settings.WAYSTATION_DEMO_KEY_FILE.exists()


# --- unseal (against a real key agent) ------------------------------------------------------


@dataclass
class Agent:
    service: KeyService
    shares: list[str]
    keystore: Path


@pytest.fixture
def key_agent(tmp_path, settings) -> Iterator[Agent]:
    keystore = tmp_path / "agent-keys" / "keystore.json"
    service = KeyService(keystore)
    shares = service.initialise(shares=5, threshold=3)
    socket_path = tmp_path / "run" / "agent.sock"
    assert len(str(socket_path)) < 100, "Unix socket paths are limited to 108 bytes"
    server = agent.serve(socket_path, service)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    settings.WAYSTATION_AGENT_SOCKET = socket_path
    try:
        yield Agent(service=service, shares=shares, keystore=keystore)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _pipe(monkeypatch, text: str) -> None:
    """Shares piped in, as `waystation unseal < shares.txt` gives them."""
    stdin = io.StringIO(text)
    assert not stdin.isatty()
    monkeypatch.setattr(sys, "stdin", stdin)


def test_unseal_with_three_piped_shares_unseals_the_agent(key_agent, monkeypatch):
    _pipe(monkeypatch, "\n".join(key_agent.shares[1:4]) + "\n")

    out, _err = _run("unseal")

    assert "Unsealed." in out
    assert key_agent.service.is_unsealed


def test_unseal_accepts_blank_lines_and_numbering(key_agent, monkeypatch):
    a, b, c = key_agent.shares[:3]
    _pipe(monkeypatch, f"\n1. {a}\n\n2) {b.upper()}\n   \n3: {c}  \n\n")

    _run("unseal")

    assert key_agent.service.is_unsealed


@pytest.mark.parametrize(
    ("piped", "message"),
    [
        pytest.param(lambda s: s[0] + "\n" + s[1], "this vault needs 3", id="too-few"),
        pytest.param(lambda s: f"{s[0]}\n{s[0]}\n{s[1]}", "given twice", id="same-twice"),
        pytest.param(lambda s: "", "no shares given", id="empty"),
        pytest.param(lambda s: "\n \n\t\n", "no shares given", id="blank"),
        pytest.param(
            lambda s: f"{s[0]}\n{s[1]}\n{s[2].replace(s[2].split()[3], 'zzzq', 1)}",
            "'zzzq' is not a share word",
            id="mistyped",
        ),
        pytest.param(
            lambda s: '{"op": "seal"}\n' + s[0], "is not a share word", id="protocol-injection"
        ),
        pytest.param(
            lambda s: "<script>alert(1)</script>\n" + s[0], "is not a share word", id="markup"
        ),
        pytest.param(lambda s: "\x00\x01\x02 \u202e\ufeff", "is not a share word", id="binary"),
        pytest.param(lambda s: "academic " * 400, "far too long", id="long-line"),
        pytest.param(lambda s: ("academic " * 100 + "\n") * 40, "more input than", id="oversized"),
        pytest.param(lambda s: "academic\n" * (MAX_SHARES + 1), "lines given", id="many-lines"),
        pytest.param(lambda s: "Жамбул " * 900, "far too long", id="non-ascii-long"),
    ],
)
def test_unseal_refuses_bad_input_clearly_and_changes_nothing(
    key_agent, monkeypatch, piped, message
):
    before = key_agent.keystore.read_bytes()
    _pipe(monkeypatch, piped(key_agent.shares))

    with pytest.raises(CommandError, match=re.escape(message)):
        _run("unseal")

    assert not key_agent.service.is_unsealed
    assert key_agent.keystore.read_bytes() == before


def test_unseal_with_shares_of_another_vault_is_refused(key_agent, monkeypatch, tmp_path):
    other = KeyService(tmp_path / "other" / "keystore.json").initialise(shares=5, threshold=3)
    _pipe(monkeypatch, "\n".join(other[:3]))

    with pytest.raises(CommandError, match="different vault"):
        _run("unseal")
    assert not key_agent.service.is_unsealed


def test_oversized_input_is_refused_not_cut_short(key_agent, monkeypatch):
    """Three good shares, then more than the command reads: refused as a whole rather
    than cut off at the limit and sent on (regression)."""
    good = "\n".join(key_agent.shares[:3]) + "\n"
    _pipe(monkeypatch, good + " " * (1000 * MAX_SHARES))

    with pytest.raises(CommandError, match="more input than"):
        _run("unseal")
    assert not key_agent.service.is_unsealed


def test_unseal_demo_is_refused_by_an_agent_without_a_demo_key(key_agent):
    with pytest.raises(CommandError, match="does not accept a demo key"):
        _run("unseal", "--demo")
    assert not key_agent.service.is_unsealed


def test_unseal_without_an_agent_says_how_to_start_one(tmp_path, settings, monkeypatch):
    settings.WAYSTATION_AGENT_SOCKET = tmp_path / "nobody-here.sock"
    _pipe(monkeypatch, "academic acid")

    with pytest.raises(CommandError, match="start it with `waystation agent`"):
        _run("unseal")


# --- seal and rotate (in this process) ------------------------------------------------------


@pytest.mark.django_db
def test_seal_command_drops_the_keys_and_records_the_seal(vault):
    out, _err = _run("seal")

    assert out.startswith("Sealed.")
    assert not vault.is_unsealed
    with pytest.raises(VaultSealed):
        runtime.keyring()
    assert AuditEntry.objects.filter(action="vault.seal_now").count() == 1


@pytest.mark.django_db
def test_keys_rotate_reports_progress_and_the_new_key(
    monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("waystation.vault.datakeys.REWRAP_BATCH", 2)
    for number in range(5):
        open_case(full_name=f"Person {number}")

    with django_capture_on_commit_callbacks(execute=True):
        out, _err = _run("keys", "rotate")

    assert "rewrapped 2 of 5 data keys" in out
    assert "rewrapped 4 of 5 data keys" in out
    assert "rewrapped 5 of 5 data keys" in out
    assert "now wrapped under key v2" in out
    assert AuditEntry.objects.filter(action="vault.keys_rotated", object_id="2").exists()


@pytest.mark.django_db
def test_keys_rotate_while_sealed_is_a_clear_error(vault):
    before = vault.keystore.path.read_bytes()
    vault.seal()

    with pytest.raises(CommandError, match="sealed"):
        _run("keys", "rotate")
    assert vault.keystore.path.read_bytes() == before
