"""Waystation's real processes, started for tests and benchmarks as operators start them.

One home for every launcher: the public process (``waystation serve-public``), the staff
stack (the key agent and gunicorn on ``waystation.wsgi``, as ``demo serve`` starts them,
on a database of their own), and ``waystation demo serve`` itself. Tests under ``tests/``
and the benchmarks under ``bench/`` both start servers through here, so a change to how
Waystation is started is made once.

Every process gets its own port from the kernel and its own process group, so tests can
run side by side (pytest-xdist) and a stopped server takes its workers with it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parents[1]

Output = int | IO[bytes] | None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(
    condition: Callable[[], object],
    *,
    timeout: float,
    what: str,
    poll: float = 0.05,
    process: subprocess.Popen[bytes] | None = None,
) -> None:
    """Until ``condition()`` is true; an ``OSError`` (nothing listening yet) is a no."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with {process.returncode}")
        try:
            if condition():
                return
        except OSError:
            pass
        time.sleep(poll)
    raise AssertionError(f"timed out waiting for {what}")


def stop(process: subprocess.Popen[bytes], timeout: float = 10.0) -> str:
    """SIGTERM to the process group (as Ctrl-C would), SIGKILL if it lingers; returns what
    it printed when its output was piped."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return process.stdout.read().decode(errors="replace") if process.stdout else ""


def waystation_command(
    env: Mapping[str, str], *args: str, timeout: float = 180.0
) -> subprocess.CompletedProcess[str]:
    """A ``waystation`` command, run to its end."""
    return subprocess.run(
        [sys.executable, "-m", "waystation.cli", *args],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _serving(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except urllib.error.HTTPError:
        return True  # it answered: it is up


def database_url(settings_dict: Mapping[str, Any] | None = None) -> str:
    """The current (test) database as a URL a separate Waystation process can use."""
    from django.db import connection

    conf = settings_dict or connection.settings_dict
    if conf["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{conf['NAME']}"
    auth = conf["USER"] + (f":{conf['PASSWORD']}" if conf.get("PASSWORD") else "")
    return f"postgres://{auth}@{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}/{conf['NAME']}"


# --- the public process --------------------------------------------------------------


def public_env(*, database: str, media_root: Path, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "WAYSTATION_MODE": "demo",
        "WAYSTATION_DATA_DIR": str(data_dir),
        "WAYSTATION_MEDIA_ROOT": str(media_root),
        "DATABASE_URL_PUBLIC": database,
        # What a staff environment holds; serve-public must not pass it on.
        "WAYSTATION_SECRET_KEY": "STAFF-SIGNING-KEY-MUST-NOT-LEAK",
        "WAYSTATION_KEYSTORE_PATH": str(data_dir / "keys" / "keystore.json"),
        "WAYSTATION_VAULT_BACKEND": "inprocess",
        "PYTHONPATH": f"{REPO / 'src'}",
    }
    env.update(extra)
    return env


def inspect_public_process(script: str, tmp_path: Path, **extra: str) -> Any:
    """Run ``script`` in a fresh Python under the public settings, with the environment
    the public server gets, and return the JSON it prints: what that process loads and
    holds, seen from inside."""
    env = public_env(
        database=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        media_root=tmp_path / "media",
        data_dir=tmp_path,
        DJANGO_SETTINGS_MODULE="waystation.settings_public",
        **extra,
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, check=True, cwd=REPO
    )
    return json.loads(out.stdout)


def wait_until_public(
    url: str,
    timeout: float = 20.0,
    process: subprocess.Popen[bytes] | None = None,
    poll: float = 0.05,
) -> None:
    wait_for(
        lambda: _serving(url + "/en/safety/"),
        timeout=timeout,
        what="the public process",
        poll=poll,
        process=process,
    )


def start_public(
    env: Mapping[str, str],
    *,
    workers: int = 1,
    threads: int = 4,
    stdout: Output = subprocess.PIPE,
) -> tuple[str, subprocess.Popen[bytes]]:
    """``waystation serve-public`` on a port of its own, once it answers."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "waystation.cli",
            "serve-public",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
        ],
        env=dict(env),
        stdout=stdout,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_public(url, timeout=30.0, process=process)
    except BaseException:
        stop(process)
        raise
    return url, process


@contextmanager
def public_server(
    *,
    database: str,
    media_root: Path,
    data_dir: Path,
    workers: int = 1,
    threads: int = 4,
    extra_env: dict[str, str] | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    env = public_env(
        database=database, media_root=media_root, data_dir=data_dir, **(extra_env or {})
    )
    url, process = start_public(env, workers=workers, threads=threads)
    try:
        yield url, process
    finally:
        stop(process)


# --- the staff stack: key agent and gunicorn -----------------------------------------


@dataclass
class StaffStack:
    port: int
    env: dict[str, str]
    data_dir: Path
    log: Path
    agent: subprocess.Popen[bytes]
    gunicorn: subprocess.Popen[bytes]

    @property
    def socket_path(self) -> Path:
        return self.data_dir / "run" / "agent.sock"


def staff_env(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "waystation.settings",
        "WAYSTATION_MODE": "demo",
        "WAYSTATION_DATA_DIR": str(data_dir),
        "WAYSTATION_VAULT_BACKEND": "agent",
        "DATABASE_URL": f"sqlite:///{data_dir / 'db.sqlite3'}",
        "PYTHONPATH": str(REPO / "src"),
    }


@contextmanager
def staff_stack(tmp_path: Path, *, workers: int = 1) -> Iterator[StaffStack]:
    """A migrated SQLite database (a copy of the run's, tests/databases.py), a key agent
    unsealed with the demo key, and gunicorn
    with ``workers`` workers, each subscribed to the agent (wsgi.py: prepare_worker)."""
    from tests.databases import migrated_sqlite
    from waystation.vault.agent import AgentClient, AgentUnavailable

    data_dir = tmp_path / "data"
    env = staff_env(data_dir)
    # What `waystation migrate` makes of an empty database, made once per run of the suite.
    migrated_sqlite(data_dir / "db.sqlite3")
    log = tmp_path / "servers.log"
    agent_client = AgentClient(data_dir / "run" / "agent.sock")

    def agent_status() -> dict[str, object]:
        try:
            return agent_client.request({"op": "status"}, timeout=2.0)
        except AgentUnavailable:
            return {"sealed": True, "subscribers": 0}

    processes: list[subprocess.Popen[bytes]] = []
    with log.open("wb") as out:
        try:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "waystation.cli", "agent", "--demo"],
                    env=env,
                    stdout=out,
                    stderr=out,
                    start_new_session=True,
                )
            )
            wait_for(lambda: not agent_status()["sealed"], timeout=30, what="the agent")
            port = free_port()
            # As `demo serve` starts it (demo/management/commands/demo.py).
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "waystation.wsgi:application",
                        "--bind",
                        f"127.0.0.1:{port}",
                        "--workers",
                        str(workers),
                        "--error-logfile",
                        "-",
                        "--log-level",
                        "warning",
                        "--no-control-socket",
                    ],
                    env=env,
                    stdout=out,
                    stderr=out,
                    start_new_session=True,
                )
            )
            wait_for(
                lambda: agent_status()["subscribers"] == workers,
                timeout=60,
                what=f"{workers} subscribed worker(s)",
            )
            wait_for(
                lambda: _serving(f"http://127.0.0.1:{port}/accounts/login/"),
                timeout=30,
                what="gunicorn",
            )
        except BaseException:
            out.flush()
            # Into pytest's captured output of a failed start: the servers' own log, of a
            # scratch installation holding only invented test data, and gunicorn's error
            # log is redacted of addresses (waystation.web.gunicorn_logging).
            print(log.read_text(errors="replace"))
            for process in reversed(processes):
                stop(process)
            raise
        try:
            yield StaffStack(
                port=port,
                env=env,
                data_dir=data_dir,
                log=log,
                agent=processes[0],
                gunicorn=processes[1],
            )
        finally:
            for process in reversed(processes):
                stop(process)


# --- waystation demo serve -----------------------------------------------------------


def demo_env(data_dir: Path) -> dict[str, str]:
    """Only what a newcomer's shell has: no test settings, no DATABASE_URL (the demo's
    database is the SQLite file in the data folder)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(REPO / "src"),
        "PYTHONUNBUFFERED": "1",
        "WAYSTATION_MODE": "demo",
        "WAYSTATION_DATA_DIR": str(data_dir),
    }


def start_demo(
    env: Mapping[str, str],
    *,
    staff_port: int,
    public_port: int,
    stdout: Output,
    workers: int | None = None,
    umask: int = -1,
    cwd: Path | None = None,
) -> subprocess.Popen[bytes]:
    """``waystation demo serve`` in a process group of its own (its key agent and both
    gunicorns are its children); ``umask`` as a newcomer's shell would have it."""
    command = [
        sys.executable,
        "-m",
        "waystation.cli",
        "demo",
        "serve",
        "--staff-port",
        str(staff_port),
        "--public-port",
        str(public_port),
    ]
    if workers is not None:
        command += ["--workers", str(workers)]
    return subprocess.Popen(
        command,
        env=dict(env),
        stdout=stdout,
        stderr=subprocess.STDOUT,
        umask=umask,
        start_new_session=True,
        cwd=cwd,
    )


def two_free_ports() -> tuple[int, int]:
    first, second = free_port(), free_port()
    while second == first:
        second = free_port()
    return first, second


# --- a second installation, for Waystation-to-Waystation tests ------------------------


def peer_env(data_dir: Path) -> dict[str, str]:
    """Another installation: its own data folder, SQLite database and vault (held in the
    process, unsealed with a demo key of its own), nothing of the test's settings."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{REPO}",
        "DJANGO_SETTINGS_MODULE": "waystation.settings",
        "WAYSTATION_MODE": "demo",
        "WAYSTATION_DATA_DIR": str(data_dir),
        "WAYSTATION_VAULT_BACKEND": "inprocess",
        "DATABASE_URL": f"sqlite:///{data_dir / 'peer.sqlite3'}",
    }


def run_peer(data_dir: Path, module: str, *args: str, timeout: float = 300.0) -> str:
    """``python -m module args…`` as that other installation, to its end; its output."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        env=peer_env(data_dir),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    # The peer holds invented test data only: its error output is safe to show.
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout
