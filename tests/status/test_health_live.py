"""``/health`` and ``waystation status`` on real processes: a key agent and gunicorn (the
staff stack of tests/processes.py), probed with raw HTTP over a socket as a monitor
would, through a real seal and unseal; and the public process, which has no probe."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.processes import database_url, public_server, staff_stack, waystation_command
from waystation.vault.agent import AgentClient

pytestmark = [pytest.mark.slow, pytest.mark.own_sqlite]


def raw_http(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are, read to the end: status, headers (lower-case), body."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


def probe(port: int, method: str = "GET", target: str = "/health") -> tuple[int, dict, bytes]:
    return raw_http(
        port,
        f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        "Content-Length: 0\r\n\r\n".encode(),
    )


def status_json(env: dict[str, str]) -> tuple[int, dict]:
    done = waystation_command(env, "status", "--json", timeout=60)
    return done.returncode, json.loads(done.stdout)


def test_health_and_status_follow_a_real_seal_and_unseal(tmp_path: Path):
    with staff_stack(tmp_path, workers=2) as stack:
        agent = AgentClient(stack.socket_path)

        status, headers, body = probe(stack.port)
        assert status == 200
        assert json.loads(body) == {"sealed": False, "ok": True}
        assert headers["content-type"] == "application/json"
        assert headers["cache-control"] == "no-store"
        assert "set-cookie" not in headers
        assert "server" not in headers or "waystation" not in headers["server"].lower()
        code, report = status_json(stack.env)
        workers = report["checks"]["workers"]
        assert report["checks"]["vault"]["facts"]["sealed"] is False
        assert workers["ok"] and workers["facts"]["subscribed"] == 2
        assert workers["facts"]["last_seal_at"] is None

        head_status, _, head_body = probe(stack.port, "HEAD")
        assert head_status == 200 and head_body == b""
        for method in ("POST", "PUT", "DELETE", "OPTIONS"):
            assert probe(stack.port, method)[0] == 405, method
        assert probe(stack.port, target="/health?verbose=1")[0] == 400

        sealed = agent.request({"op": "seal"})
        assert sealed["acknowledged"] == 2

        status, headers, body = probe(stack.port)
        assert status == 503
        assert json.loads(body) == {"sealed": True, "ok": False}
        assert "set-cookie" not in headers
        code, report = status_json(stack.env)
        assert code == 1
        assert report["checks"]["vault"]["ok"] is False
        workers = report["checks"]["workers"]
        assert workers["ok"] is True  # both confirmed: none may still hold keys
        assert workers["facts"]["last_seal_workers"] == 2
        assert workers["facts"]["last_seal_confirmed"] == 2
        assert workers["facts"]["subscribed"] == 2
        assert "2 of 2 workers confirmed" in workers["summary"]

        assert agent.request({"op": "unseal_demo"})["ok"]
        assert probe(stack.port)[0] == 200

        stack.agent.kill()
        stack.agent.wait(timeout=5)
        status, _, body = probe(stack.port)
        assert status == 503 and json.loads(body) == {"sealed": True, "ok": False}
        code, report = status_json(stack.env)
        assert code == 1
        assert report["checks"]["vault"]["summary"].startswith("Sealed: no key agent answers")
        assert report["checks"]["workers"]["ok"] is False


def test_the_public_process_has_no_probe(db, tmp_path: Path):
    """Everything the public side serves reaches anyone over Tor: /health there is an
    unknown path like any other, and says nothing of the staff side's seal."""
    with public_server(
        database=database_url(), media_root=tmp_path / "media", data_dir=tmp_path / "data"
    ) as (url, _process):
        port = int(url.rsplit(":", 1)[1])
        health = probe(port)
        unknown = probe(port, target="/no-such-path")

        assert health[0] == unknown[0] == 404
        assert health[2] == unknown[2]
        assert b"sealed" not in health[2].lower()
