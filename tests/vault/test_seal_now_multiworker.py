"""Seal now, for real: a key agent and a gunicorn server with two worker processes.

docs/design.md §2.2: "seal now" makes every worker drop its keys within a second; staff pages
then refuse, and unsealing restores service. Also: a worker that loses the agent fails
closed instead of keeping keys nobody can take back.
"""

from __future__ import annotations

import http.client
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.processes import StaffStack, staff_stack, waystation_command
from waystation.vault.agent import AgentClient

pytestmark = [pytest.mark.slow, pytest.mark.own_sqlite]

STAFF_PATHS = ["/", "/accounts/login/", "/vault/seal/", "/no-such-page/"]


@dataclass
class Server:
    stack: StaffStack

    def get(self, path: str) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.stack.port, timeout=5)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read().decode()
        finally:
            conn.close()

    def waystation(self, *args: str) -> subprocess.CompletedProcess[str]:
        return waystation_command(self.stack.env, *args, timeout=60)

    def agent_status(self) -> dict[str, object]:
        return AgentClient(self.stack.socket_path).request({"op": "status"}, timeout=2.0)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with staff_stack(tmp_path, workers=2) as stack:
        yield Server(stack)


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

    server.stack.agent.kill()
    server.stack.agent.wait(timeout=5)

    # The workers' subscriptions break at once; within a second every page is sealed.
    time.sleep(1.0)
    for path in STAFF_PATHS * 3:
        assert _is_sealed_page(*server.get(path)), path


def test_seal_command_is_recorded_in_the_audit_log(server: Server) -> None:
    assert server.waystation("seal").returncode == 0

    result = server.waystation("audit", "verify")

    assert result.returncode == 0, result.stderr
    assert re.search(r"OK: [1-9]\d* entries", result.stdout)
