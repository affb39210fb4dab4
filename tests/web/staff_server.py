"""The real staff process for tests: a key agent and gunicorn on ``waystation.wsgi``,
started the way ``demo serve`` starts them, on a database of its own; and a signed-in
member of staff talking to it over plain HTTP (password, then the TOTP code)."""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django_otp.oath import totp

from tests.factories import DEFAULT_TEST_PASSWORD
from tests.processes import staff_stack
from waystation.accounts.roles import Role

_MAKE_STAFF = """
import django
django.setup()
from waystation.accounts.models import SealedTOTPDevice
from waystation.accounts import services
from waystation.accounts.roles import Role
user = services.create_staff(
    actor_id=None, username="{username}", role=Role["{role}"], password="{password}"
)
device = services.enrol_totp(user=user)
services.confirm_totp(user=user, device=device, token=services.current_totp_code(device))
# The code that confirmed the device may not be used again; the test signs in at once.
SealedTOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
print(device.bin_key.hex())
"""


@dataclass
class StaffServer:
    port: int
    log: Path
    env: dict[str, str]
    totp_keys: dict[str, bytes] = field(default_factory=dict)

    def make_staff(self, username: str, role: Role) -> None:
        script = _MAKE_STAFF.format(
            username=username, role=role.name, password=DEFAULT_TEST_PASSWORD
        )
        made = subprocess.run(
            [sys.executable, "-c", script],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert made.returncode == 0, made.stderr
        self.totp_keys[username] = bytes.fromhex(made.stdout.strip().splitlines()[-1])

    def session(self) -> Session:
        return Session(self)


@dataclass
class Response:
    status: int
    page: str
    location: str | None


class Session:
    """One browser: its cookies, and the CSRF token of the last page it read."""

    def __init__(self, server: StaffServer) -> None:
        self.server = server
        self.cookies: dict[str, str] = {}
        self.token = ""

    def request(self, method: str, path: str, body: bytes | None = None) -> Response:
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://127.0.0.1:{self.server.port}"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            page = response.read().decode(errors="replace")
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
        finally:
            connection.close()
        if token := re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page):
            self.token = token[1]
        return Response(response.status, page, response.getheader("Location"))

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, fields: dict[str, str]) -> Response:
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.token, **fields}).encode()
        return self.request("POST", path, body)

    def sign_in(self, username: str) -> None:
        self.get("/accounts/login/")
        answer = self.post(
            "/accounts/login/", {"username": username, "password": DEFAULT_TEST_PASSWORD}
        )
        assert answer.status == 302 and answer.location, answer.status
        self.get(answer.location)
        code = f"{totp(self.server.totp_keys[username]):06d}"
        answer = self.post("/accounts/login/code/", {"code": code})
        assert answer.status == 302, answer.status


@contextmanager
def staff_server(tmp_path: Path) -> Iterator[StaffServer]:
    with staff_stack(tmp_path) as stack:
        yield StaffServer(port=stack.port, log=stack.log, env=stack.env)
