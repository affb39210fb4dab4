"""The demo's data folder is private (issue 11, finding 2).

An earlier demo left ``var/`` 0755 and its SQLite file 0644: anyone with an account on
the laptop could copy the database. Now every process runs under umask 077
(waystation.filemodes), the data folder is created 0700 and narrowed to 0700 if an
earlier version made it. These tests start the real commands, as a newcomer would,
from a shell whose umask is the usual 022.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.processes import demo_env, start_demo, stop, two_free_ports

# The public side writes the intake folder it shares with the staff side with these
# modes on purpose (docs/operations.md); it sits inside the 0700 data folder.
SHARED_INTAKE_MODES = {"dir": 0o2770, "file": 0o640}


def _modes(root: Path) -> dict[str, tuple[str, int]]:
    """Every entry under ``root`` (itself as "."): its kind and permission bits."""
    found = {".": ("dir", stat.S_IMODE(os.lstat(root).st_mode))}
    for path in root.rglob("*"):
        info = os.lstat(path)
        kind = "dir" if stat.S_ISDIR(info.st_mode) else "file"
        found[str(path.relative_to(root))] = (kind, stat.S_IMODE(info.st_mode))
    return found


def _not_private(modes: dict[str, tuple[str, int]]) -> list[str]:
    wrong = []
    for name, (kind, mode) in sorted(modes.items()):
        if name == "media/intake" or name.startswith("media/intake/"):
            expected = SHARED_INTAKE_MODES[kind]
        else:
            expected = 0o700 if kind == "dir" else 0o600
        if mode != expected:
            wrong.append(f"{name}: {mode:o}, not {expected:o}")
    return wrong


@pytest.mark.slow  # a migrate of an empty database in its own process: ~10 s of CPU
@pytest.mark.own_sqlite
def test_a_new_data_folder_and_its_database_are_private(tmp_path):
    data_dir = tmp_path / "var"

    result = subprocess.run(
        [sys.executable, "-m", "waystation.cli", "migrate", "--verbosity", "0"],
        env=demo_env(data_dir),
        umask=0o022,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    modes = _modes(data_dir)
    assert {".", "demo-secret-key", "waystation.sqlite3"} <= set(modes)
    assert _not_private(modes) == []


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@pytest.mark.slow
@pytest.mark.own_sqlite
def test_demo_serve_keeps_its_data_folder_and_everything_its_servers_write_private(tmp_path):
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    data_dir.chmod(0o755)  # as an earlier version left it, with an open database file
    (data_dir / "waystation.sqlite3").touch()
    (data_dir / "waystation.sqlite3").chmod(0o644)
    staff_port, public_port = two_free_ports()
    log = (tmp_path / "demo.log").open("wb")
    process = start_demo(
        demo_env(data_dir),
        staff_port=staff_port,
        public_port=public_port,
        stdout=log,
        workers=1,
        umask=0o022,
    )
    try:
        deadline = time.monotonic() + 180
        while not (
            _answers(f"http://127.0.0.1:{staff_port}/accounts/login/")
            and _answers(f"http://127.0.0.1:{public_port}/")
        ):
            assert process.poll() is None, (tmp_path / "demo.log").read_text()
            assert time.monotonic() < deadline, "the demo did not come up"
            time.sleep(0.5)

        modes = _modes(data_dir)
        # Written by the command, the key agent and both servers.
        expected = {".", "demo-secret-key", "waystation.sqlite3", "keys", "run"}
        assert expected | {"keys/keystore.json", "run/agent.sock"} <= set(modes)
        assert _not_private(modes) == []
    finally:
        stop(process, timeout=30)  # the demo's own process group
        log.close()
