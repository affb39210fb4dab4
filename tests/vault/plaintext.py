"""Finding plaintext in bytes the way a thief would: every encoding a value might sit in.

Used by the dump tests to search a raw database file, a ``pg_dump`` and the uploads
folder for marker strings. The search is only as good as its list of forms, so the list
is generous and checked against itself (``test_dump_has_no_plaintext`` plants markers in
each form and requires them found).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import shutil
import subprocess
import urllib.parse
from collections.abc import Iterable
from pathlib import Path

from django.db import connection

TEXT_ENCODINGS = (
    "utf-8",
    "utf-16-le",
    "utf-16-be",
    "utf-32-le",
    "utf-32-be",
    "cp1251",  # Cyrillic, Windows
    "koi8-r",  # Cyrillic, old Unix
    "cp866",  # Cyrillic, DOS
    "latin-1",
)
# Shorter forms match random bytes too easily to mean anything.
MIN_FORM_BYTES = 6


def case_forms(text: str) -> set[str]:
    return {text, text.lower(), text.upper(), text.casefold(), text.title(), text.swapcase()}


def _base64_pieces(raw: bytes) -> Iterable[tuple[str, bytes]]:
    """The part of the base64 of ``raw`` that does not depend on its neighbours, at each
    of the three alignments it can have in a longer stream."""
    for offset in range(3):
        encoded = base64.b64encode(bytes(offset) + raw)
        start = 4 if offset else 0  # the first group mixes in the neighbour's bytes
        end = (offset + len(raw)) // 3 * 4  # the last full group of our own bytes
        piece = encoded[start:end]
        yield f"base64@{offset}", piece
        yield f"base64url@{offset}", piece.replace(b"+", b"-").replace(b"/", b"_")


def forms_of(text: str) -> dict[str, bytes]:
    """Every form of ``text`` we search for, by a name saying which form it is."""
    found: dict[str, bytes] = {}
    for form in case_forms(text):
        raw = form.encode()
        for encoding in TEXT_ENCODINGS:
            with contextlib.suppress(UnicodeEncodeError):  # not every script in every code
                found[f"{encoding}:{form}"] = form.encode(encoding)
        found[f"hex:{form}"] = binascii.hexlify(raw)
        found[f"HEX:{form}"] = binascii.hexlify(raw).upper()
        for name, piece in _base64_pieces(raw):
            found[f"{name}:{form}"] = piece
        quoted = urllib.parse.quote(form, safe="")
        found[f"url:{form}"] = quoted.encode()
        found[f"url-lowerhex:{form}"] = _lower_percent_hex(quoted).encode()
        found[f"url-plus:{form}"] = urllib.parse.quote_plus(form).encode()
        escaped = json.dumps(form)[1:-1]  # \\uXXXX for everything outside ASCII
        found[f"json:{form}"] = escaped.encode()
        found[f"json-upperhex:{form}"] = _upper_unicode_escapes(escaped).encode()
        found[f"html-dec:{form}"] = "".join(f"&#{ord(c)};" for c in form).encode()
        found[f"html-hex:{form}"] = "".join(f"&#x{ord(c):x};" for c in form).encode()
        found[f"py-bytes:{form}"] = repr(raw)[2:-1].encode()  # b'\xd0\x97...'
        found[f"bytea-octal:{form}"] = "".join(
            chr(b) if b < 0x80 else f"\\{b:03o}" for b in raw
        ).encode()
    return {name: form for name, form in found.items() if len(form) >= MIN_FORM_BYTES}


def _lower_percent_hex(quoted: str) -> str:
    parts = quoted.split("%")
    return parts[0] + "".join("%" + p[:2].lower() + p[2:] for p in parts[1:])


def _upper_unicode_escapes(escaped: str) -> str:
    parts = escaped.split("\\u")
    return parts[0] + "".join("\\u" + p[:4].upper() + p[4:] for p in parts[1:])


def find_forms(haystack: bytes, texts: Iterable[str]) -> list[str]:
    """The names of every form of every text that occurs in ``haystack``."""
    return [
        f"{text!r} as {name}"
        for text in texts
        for name, form in forms_of(text).items()
        if form in haystack
    ]


def read_tree(root: Path) -> bytes:
    """Every file under ``root``, and every path name too (a file named after a person
    would leak as surely as its contents)."""
    chunks: list[bytes] = []
    for path in sorted(root.rglob("*")):
        chunks.append(str(path.relative_to(root)).encode())
        if path.is_file():
            chunks.append(path.read_bytes())
    return b"\n".join(chunks)


def read_from_another_process(path: Path) -> bytes:
    """A live SQLite file's bytes, read by ``cat``, never by this process.

    POSIX record locks belong to the process, and closing *any* descriptor of a file
    drops all of them. Were this process to open and close the database or its ``-shm``
    file while its own SQLite connection is open, SQLite's locks would silently go: the
    public server would then take itself for the last user, checkpoint and delete the
    write-ahead log under this process, whose later reads are stale ("no answer yet")
    and whose writes fail ("disk I/O error", "database disk image is malformed")."""
    result = subprocess.run(["cat", "--", str(path)], capture_output=True, check=False)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result.stdout


def database_bytes() -> bytes:
    conf = connection.settings_dict
    if connection.vendor == "sqlite":
        database = Path(conf["NAME"])
        assert database.is_file(), "the SQLite test database must be a file (tests/settings.py)"
        files = [database]
        for suffix in ("-wal", "-journal", "-shm"):
            sidecar = database.with_name(database.name + suffix)
            if sidecar.exists():
                files.append(sidecar)
        return b"\n".join(read_from_another_process(file) for file in files)
    pg_dump = shutil.which("pg_dump")
    assert pg_dump is not None, "pg_dump is not installed: the dump cannot be checked"
    env = dict(os.environ)
    if conf.get("PASSWORD"):
        env["PGPASSWORD"] = str(conf["PASSWORD"])
    result = subprocess.run(
        [
            pg_dump,
            "--format=plain",
            "--no-owner",
            f"--host={conf['HOST'] or '127.0.0.1'}",
            f"--port={conf['PORT'] or 5432}",
            f"--username={conf['USER']}",
            f"--dbname={conf['NAME']}",
        ],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result.stdout
