"""The public process holds no secret and serves no staff route (docs/design.md §2.3)."""

from __future__ import annotations

import ast
import socket
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.processes import (
    REPO,
    database_url,
    inspect_public_process,
    public_server,
    stop,
)
from waystation.intake.management.commands import intake as _intake_command  # noqa: F401
from waystation.intake.models import IntakeKey

SERVE_PUBLIC = __import__(
    "waystation.intake.management.commands.serve-public", fromlist=["public_environment"]
)

INSPECT_SETTINGS = """
import json, sys, django
from django.conf import settings
django.setup()
from django.urls import resolve, Resolver404
staff_paths = ["/accounts/login/", "/vault/seal/", "/intake/", "/admin/", "/en/intake/"]
resolved = []
for p in staff_paths:
    try:
        resolve(p); resolved.append(p)
    except Resolver404:
        pass
print(json.dumps({
    "apps": settings.INSTALLED_APPS,
    "middleware": settings.MIDDLEWARE,
    "secret_key": settings.SECRET_KEY,
    "debug": settings.DEBUG,
    "resolved_staff_paths": resolved,
    "settings_text": repr({k: getattr(settings, k) for k in dir(settings) if k.isupper()}),
    "modules": sorted(m for m in sys.modules if m.startswith("waystation.settings")),
}))
"""


def inspect_public_settings(tmp_path: Path, **extra: str) -> dict:
    return inspect_public_process(INSPECT_SETTINGS, tmp_path, **extra)


def test_public_settings_have_no_staff_apps_routes_or_signing_key(tmp_path):
    seen = inspect_public_settings(tmp_path)
    for app in (
        "django.contrib.auth",
        "django.contrib.sessions",
        "django.contrib.admin",
        "django.contrib.messages",
        "waystation.accounts",
        "waystation.cases",
        "waystation.audit",
    ):
        assert app not in seen["apps"]
    assert not any(
        "session" in m.lower() or "auth" in m.lower() or "csrf" in m.lower()
        for m in seen["middleware"]
    )
    assert seen["resolved_staff_paths"] == []
    assert seen["debug"] is False
    assert seen["secret_key"] != "STAFF-SIGNING-KEY-MUST-NOT-LEAK"
    assert "STAFF-SIGNING-KEY-MUST-NOT-LEAK" not in seen["settings_text"]
    assert "keystore" not in seen["settings_text"].lower()
    assert "agent.sock" not in seen["settings_text"]
    # Only the shared part of the settings is loaded, never the staff side's module.
    assert seen["modules"] == ["waystation.settings_common", "waystation.settings_public"]


def _environment_reads(tree: ast.AST) -> tuple[set[object], int]:
    """The names read from the environment (``os.environ[...]``, ``os.environ.get(...)``,
    ``os.getenv(...)``), and how many mentions of the environment there are in all."""
    read: set[object] = set()
    for node in ast.walk(tree):
        key = None
        if isinstance(node, ast.Subscript) and getattr(node.value, "attr", None) == "environ":
            key = node.slice
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func
            if target.attr == "getenv" or (
                target.attr == "get" and getattr(target.value, "attr", None) == "environ"
            ):
                key = node.args[0]
        if key is not None:
            read.add(key.value if isinstance(key, ast.Constant) else "<not a constant>")
    mentions = sum(
        isinstance(node, ast.Attribute) and node.attr in {"environ", "environb", "getenv"}
        for node in ast.walk(tree)
    )
    return read, mentions


def test_the_settings_both_sides_share_read_no_secret():
    # settings_common.py is loaded by the public process too: it may read the mode and the
    # data folder from the environment, and nothing else (no signing key, no database
    # account, no key path), and by name only.
    tree = ast.parse((REPO / "src" / "waystation" / "settings_common.py").read_text())
    read, mentions = _environment_reads(tree)
    assert read == {"WAYSTATION_MODE", "WAYSTATION_DATA_DIR"}
    assert mentions == 2, "the environment is read some other way too"
    staff, _ = _environment_reads(
        ast.parse((REPO / "src" / "waystation" / "settings.py").read_text())
    )
    assert "WAYSTATION_SECRET_KEY" in staff  # the check does see a read of a secret


def test_each_public_process_gets_its_own_random_secret_key(tmp_path):
    assert (
        inspect_public_settings(tmp_path)["secret_key"]
        != inspect_public_settings(tmp_path)["secret_key"]
    )


def test_the_public_environment_is_an_allow_list():
    env = SERVE_PUBLIC.public_environment(
        {
            "PATH": "/usr/bin",
            "WAYSTATION_SECRET_KEY": "s",
            "WAYSTATION_SECRET_KEY_FILE": "/f",
            "WAYSTATION_KEYSTORE_PATH": "/k",
            "WAYSTATION_AGENT_SOCKET": "/a",
            "WAYSTATION_MODE": "production",
            "DATABASE_URL": "postgres://waystation:pw@db/waystation",
            "DATABASE_URL_PUBLIC": "postgres://waystation_public:pw2@db/waystation",
            "WAYSTATION_PUBLIC_NEUTRAL_TITLE": "Notes",
            "AWS_SECRET_ACCESS_KEY": "x",
        }
    )
    assert env == {
        "PATH": "/usr/bin",
        "WAYSTATION_MODE": "production",
        "DATABASE_URL_PUBLIC": "postgres://waystation_public:pw2@db/waystation",
        "WAYSTATION_PUBLIC_NEUTRAL_TITLE": "Notes",
        "DJANGO_SETTINGS_MODULE": "waystation.settings_public",
    }


def test_in_production_the_staff_database_account_is_not_handed_over():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="DATABASE_URL_PUBLIC"):
        SERVE_PUBLIC.public_environment(
            {"WAYSTATION_MODE": "production", "DATABASE_URL": "postgres://staff:pw@db/ws"}
        )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_running_public_process_holds_no_private_key(tmp_path, intake_key, settings):
    private_hex = IntakeKey.objects.get().private_key
    with public_server(
        database=database_url(), media_root=Path(settings.MEDIA_ROOT), data_dir=tmp_path
    ) as (url, process):
        with urllib.request.urlopen(url + "/en/") as page:
            assert page.status == 200
        # The gunicorn master and its worker: their environment and open files.
        pids = [process.pid]
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
        for pid in pids:
            environ = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
            assert "STAFF-SIGNING-KEY-MUST-NOT-LEAK" not in environ
            assert "KEYSTORE" not in environ and "VAULT" not in environ
            assert private_hex not in environ
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    target = str(fd.readlink())
                except OSError:
                    continue
                assert "keys" not in Path(target).parts, target
    # The private key exists nowhere on disk in clear (it is sealed in the database).
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert private_hex.encode() not in data
            assert bytes.fromhex(private_hex) not in data


# Request targets as a hostile visitor sends them, byte for byte (what a test client
# would normalise first): doubled slashes, encoded slashes, backslashes, CR LF, a full
# URL and a network-path reference, each behind a language the pages do not have.
HOSTILE_TARGETS = [
    b"/de//evil.example",
    b"/de/%2F%2Fevil.example",
    b"/de/%2f%5cevil.example",
    b"/de/\\evil.example",
    b"/de/%5C%5Cevil.example",
    b"/de%2F%2Fevil.example",
    b"//de//evil.example",
    b"///de//evil.example",
    b"/de/%0d%0aSet-Cookie:%20x=1",
    b"/de/%0aLocation:%20//evil.example",
    b"/de/%3F//evil.example",
    b"/de/%23//evil.example",
    b"/de/https://evil.example",
    b"/DE//evil.example",
    b"/pt-br//evil.example",
    b"/de/..//evil.example",
    b"http://evil.example/de//x",
    b"/de/%FF%FE",
]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_real_server_redirects_unknown_languages_only_to_its_own_english_pages(
    tmp_path, settings
):
    with public_server(
        database=database_url(), media_root=Path(settings.MEDIA_ROOT), data_dir=tmp_path
    ) as (url, process):
        port = int(url.rsplit(":", 1)[1])
        answers = {}
        for target in HOSTILE_TARGETS:
            with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
                sock.sendall(
                    b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                )
                raw = b""
                while chunk := sock.recv(65536):
                    raw += chunk
            answers[target] = raw.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
        # What the server printed meanwhile (its error log): no path, no address.
        printed = stop(process)
    assert "Public side on" in printed
    assert "evil" not in printed and "127.0.0.1" not in printed.partition("\n")[2]
    for target, lines in answers.items():
        status = lines[0].split(" ")[1]
        headers = [line.split(":", 1) for line in lines[1:]]
        names = [name.strip().lower() for name, _value in headers]
        assert "set-cookie" not in names, target
        assert names.count("location") <= 1, target
        if status != "302":
            assert status in {"400", "404"}, (target, lines[0])
            continue
        location = next(value.strip() for name, value in headers if name.lower() == "location")
        # A path on this site, in English: never another host, never //host or /\host.
        assert location.startswith("/en/"), (target, location)
        assert urlsplit(location)[:2] == ("", ""), (target, location)
        assert not any(c in location for c in "\r\n\\ "), (target, location)
