"""``waystation demo serve`` for real, in a scratch folder: the key agent, the staff
gunicorn and the public gunicorn exactly as a tester starts them, and raw HTTP to them.

The demo prints the sign-in details of its invented staff once; they are read from its
output, as a tester would read them."""

from __future__ import annotations

import base64
import re
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

from django_otp.oath import TOTP

from tests.processes import demo_env, start_demo, stop, two_free_ports, waystation_command

START_SECONDS = 240.0  # migrations, Argon2 for six accounts, on a busy machine


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def raw_request(port: int, data: bytes, timeout: float = 15.0) -> bytes:
    """Send bytes as they are, read until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        with suppress(OSError):
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def parse(raw: bytes) -> Response:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    match = re.match(r"HTTP/1\.[01] (\d{3})", lines[0])
    if not match:
        return Response(0, [], raw)
    headers = [tuple(line.split(":", 1)) for line in lines[1:] if ":" in line]
    return Response(int(match[1]), [(k.strip(), v.strip()) for k, v in headers], body)


@dataclass
class Browser:
    """Cookies and the CSRF token of one staff session, sent over raw sockets."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""
    set_cookie_headers: list[str] = field(default_factory=list)

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: list[tuple[str, str]] = (),
        form: dict[str, str] | None = None,
    ) -> Response:
        body = b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", "Connection: close"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if form is not None:
            from urllib.parse import urlencode

            body = urlencode({"csrfmiddlewaretoken": self.csrf, **form}).encode()
            lines += ["Content-Type: application/x-www-form-urlencoded"]
            lines += [f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers]
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        response = parse(raw_request(self.port, raw))
        self._keep(response)
        return response

    def _keep(self, response: Response) -> None:
        for name, value in response.headers:
            if name.lower() != "set-cookie":
                continue
            self.set_cookie_headers.append(value)
            for key, morsel in SimpleCookie(value).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[key] = morsel.value
                else:
                    self.cookies.pop(key, None)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', response.body)
        if token:
            self.csrf = token[1].decode()

    def sign_in_with_password(self, username: str, password: str) -> Response:
        self.request("GET", "/accounts/login/")
        response = self.request(
            "POST", "/accounts/login/", form={"username": username, "password": password}
        )
        assert response.status == 302, (response.status, response.text[:500])
        assert "/accounts/login/code/" in (response.header("Location") or "")
        return response

    def give_code(self, secret_base32: str) -> None:
        self.request("GET", "/accounts/login/code/")
        totp = TOTP(base64.b32decode(secret_base32))
        response = self.request(
            "POST", "/accounts/login/code/", form={"code": f"{totp.token():06d}"}
        )
        assert response.status == 302, (response.status, response.text[:500])


@dataclass
class DemoServer:
    staff_port: int
    public_port: int
    data_dir: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log_path: Path
    passwords: dict[str, str]
    secrets: dict[str, str]

    def browser(self) -> Browser:
        return Browser(self.staff_port)

    def query(self, sql: str) -> list[tuple]:
        with sqlite3.connect(self.data_dir / "waystation.sqlite3") as db:
            return db.execute(sql).fetchall()

    def waystation(self, *args: str) -> subprocess.CompletedProcess[str]:
        return waystation_command(self.env, *args, timeout=120)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> str:
        """Stop everything (SIGTERM, as Ctrl-C) and return all it printed."""
        stop(self.process, timeout=30)
        return self.output()


def _credentials(output: str) -> tuple[dict[str, str], dict[str, str]]:
    passwords = dict(re.findall(r"user (\S+)\s+password (\S+)", output))
    users = list(passwords)
    secrets = re.findall(r"two-factor secret (\S+)", output)
    return passwords, dict(zip(users, secrets, strict=True))


@contextmanager
def demo_serve() -> Iterator[DemoServer]:
    # A short folder: the agent's Unix socket path must stay under 108 bytes.
    scratch = Path(tempfile.mkdtemp(prefix="ws-demo-"))
    data_dir = scratch / "d"
    env = demo_env(data_dir)
    staff_port, public_port = two_free_ports()
    log_path = scratch / "output.log"
    log = log_path.open("wb")
    process = start_demo(
        env, staff_port=staff_port, public_port=public_port, stdout=log, cwd=scratch
    )
    server = DemoServer(
        staff_port=staff_port,
        public_port=public_port,
        data_dir=data_dir,
        env=env,
        process=process,
        log_path=log_path,
        passwords={},
        secrets={},
    )
    try:
        _wait_until_up(server)
        server.passwords, server.secrets = _credentials(server.output())
        yield server
    finally:
        server.stop()
        log.close()
        shutil.rmtree(scratch, ignore_errors=True)


def _wait_until_up(server: DemoServer) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"demo serve stopped:\n{server.output()}")
        if "Staff side:" in server.output():
            try:
                staff = parse(raw_request(server.staff_port, _get("/accounts/login/")))
                public = parse(raw_request(server.public_port, _get("/en/")))
            except OSError:
                staff = public = Response(0, [], b"")
            if staff.status == 200 and public.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"demo serve did not come up:\n{server.output()}")


def _get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
