"""Seal now, for real: a key agent and a gunicorn server with two worker processes.

docs/design.md §2.2: "seal now" makes every worker drop its keys within a second; staff pages
then refuse, and unsealing restores service. Also: a worker that loses the agent fails
closed instead of keeping keys nobody can take back.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from waystation.vault.agent import AgentClient, AgentUnavailable

pytestmark = pytest.mark.slow

STAFF_PATHS = ["/", "/accounts/login/", "/vault/seal/", "/no-such-page/"]


@dataclass
class Server:
    env: dict[str, str]
    port: int
    socket_path: Path
    agent: subprocess.Popen[bytes]

    def get(self, path: str) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read().decode()
        finally:
            conn.close()

    def waystation(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "waystation.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def agent_status(self) -> dict[str, object]:
        return AgentClient(self.socket_path).request({"op": "status"}, timeout=2.0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except (AgentUnavailable, OSError):
            pass
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    data_dir = tmp_path / "data"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "waystation.settings",
        "WAYSTATION_MODE": "demo",
        "WAYSTATION_DATA_DIR": str(data_dir),
        "WAYSTATION_VAULT_BACKEND": "agent",
        "DATABASE_URL": f"sqlite:///{data_dir / 'db.sqlite3'}",
    }
    socket_path = data_dir / "run" / "agent.sock"
    migrate = subprocess.run(
        [sys.executable, "-m", "waystation.cli", "migrate", "--verbosity", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert migrate.returncode == 0, migrate.stderr
    log = (tmp_path / "servers.log").open("wb")
    agent = subprocess.Popen(
        [sys.executable, "-m", "waystation.cli", "agent", "--demo"],
        env=env,
        stdout=log,
        stderr=log,
    )
    port = _free_port()
    srv = Server(env=env, port=port, socket_path=socket_path, agent=agent)
    workers: subprocess.Popen[bytes] | None = None
    try:
        _wait_for(lambda: not srv.agent_status()["sealed"], 20, "the agent to unseal")
        workers = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "waystation.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--log-level",
                "warning",
                "--no-control-socket",
            ],
            env=env,
            stdout=log,
            stderr=log,
        )
        # Each worker subscribes to the agent when it starts (wsgi.py: prepare_worker).
        _wait_for(lambda: srv.agent_status()["subscribers"] == 2, 30, "two subscribed workers")
    except AssertionError:
        log.flush()
        print((tmp_path / "servers.log").read_text())
        raise
    else:
        yield srv
    finally:
        procs = [p for p in (workers, agent) if p is not None]
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        log.close()


def _is_sealed_page(status: int, body: str) -> bool:
    return status == 503 and "Waystation is sealed" in body


def test_seal_now_drops_keys_in_every_worker_within_a_second(server: Server) -> None:
    for _ in range(6):  # several requests, so both workers serve unsealed pages first
        status, body = server.get("/accounts/login/")
        assert status == 200 and not _is_sealed_page(status, body)

    result = server.waystation("seal")

    assert result.returncode == 0, result.stderr
    match = re.search(r"(\d+) of (\d+) worker\(s\) confirmed .* took ([\d.]+) ms", result.stdout)
    assert match, result.stdout
    acknowledged, workers, slowest_ms = int(match[1]), int(match[2]), float(match[3])
    assert workers == 2 and acknowledged == 2
    assert slowest_ms < 1000
    for path in STAFF_PATHS * 5:
        assert _is_sealed_page(*server.get(path)), path


def test_unsealing_restores_service(server: Server) -> None:
    assert server.waystation("seal").returncode == 0
    assert _is_sealed_page(*server.get("/accounts/login/"))

    result = server.waystation("unseal", "--demo")

    assert result.returncode == 0, result.stderr
    for _ in range(6):
        status, body = server.get("/accounts/login/")
        assert status == 200 and not _is_sealed_page(status, body)


def test_workers_fail_closed_when_the_key_agent_dies(server: Server) -> None:
    assert server.get("/accounts/login/")[0] == 200

    server.agent.kill()
    server.agent.wait(timeout=5)

    # The workers' subscriptions break at once; within a second every page is sealed.
    time.sleep(1.0)
    for path in STAFF_PATHS * 3:
        assert _is_sealed_page(*server.get(path)), path


def test_seal_command_is_recorded_in_the_audit_log(server: Server) -> None:
    assert server.waystation("seal").returncode == 0

    result = server.waystation("audit", "verify")

    assert result.returncode == 0, result.stderr
    assert re.search(r"OK: [1-9]\d* entries", result.stdout)
