"""Running the real public process (``waystation serve-public``: gunicorn with the public
settings) against the test database, for browser, isolation and crash tests."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(settings_dict=None) -> str:
    """The test database as a URL the public process can use."""
    sd = settings_dict or connection.settings_dict
    if sd["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{sd['NAME']}"
    auth = sd["USER"] + (f":{sd['PASSWORD']}" if sd.get("PASSWORD") else "")
    return f"postgres://{auth}@{sd['HOST'] or '127.0.0.1'}:{sd['PORT'] or 5432}/{sd['NAME']}"


def wait_until_serving(url: str, timeout: float = 20.0, process=None, poll: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"public server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/en/safety/", timeout=1):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(poll)
    raise RuntimeError("public server did not start")


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


@contextmanager
def public_server(
    *,
    database: str,
    media_root: Path,
    data_dir: Path,
    workers: int = 1,
    threads: int = 4,
    extra_env: dict[str, str] | None = None,
) -> Iterator[tuple[str, subprocess.Popen]]:
    port = free_port()
    env = public_env(
        database=database, media_root=media_root, data_dir=data_dir, **(extra_env or {})
    )
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
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, process=process)
        yield url, process
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return process.stdout.read().decode(errors="replace") if process.stdout else ""


def multipart(
    fields: dict[str, str], files: list[tuple[str, str, str, bytes]] = ()
) -> tuple[bytes, str]:
    """A multipart/form-data body and its content type: ``files`` are (field, file name,
    content type, bytes)."""
    boundary = f"----waystation{secrets.token_hex(12)}"
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    for field, filename, content_type, data in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def post(
    url: str, path: str, fields: dict[str, str], files=(), timeout: float = 30
) -> tuple[int, str]:
    """POST a form to the public server; (status, page)."""
    body, content_type = multipart(fields, list(files))
    request = urllib.request.Request(
        url + path, data=body, headers={"Content-Type": content_type}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
