"""An age header made to keep pyrage busy (it holds the GIL while it tries each stanza)
is refused in Python first, fast, and changes nothing (security review, M3)."""

from __future__ import annotations

import base64
import json
import os
import textwrap
import time

import pytest

from tests.partners.test_bad_input import _manifest, _refused, _zip, ours, sender
from waystation.partners.services import incoming
from waystation.vault import age

__all__ = ["ours", "sender"]

pytestmark = pytest.mark.django_db


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def _header(stanzas: list[str]) -> bytes:
    lines = ["age-encryption.org/v1", *stanzas, f"--- {_b64(os.urandom(32))}"]
    return ("\n".join(lines) + "\n").encode() + os.urandom(64)


def _x25519(count: int) -> list[str]:
    out: list[str] = []
    for _ in range(count):
        out += [f"-> X25519 {_b64(os.urandom(32))}", _b64(os.urandom(32))]
    return out


def test_hundreds_of_fake_stanzas_are_refused_fast(ours, sender):
    started = time.monotonic()
    _refused(_header(_x25519(500)), sender, "more than 20 recipients")
    assert time.monotonic() - started < 2


def test_a_header_over_64_kb_is_refused(ours, sender):
    body = [_b64(os.urandom(48)) for _ in range(1500)] + [""]  # one stanza, ~96 KB
    _refused(_header(["-> X25519 " + _b64(os.urandom(32)), *body]), sender, "longer than 64 KB")


def test_a_stanza_of_another_kind_is_refused(ours, sender):
    scrypt = [f"-> scrypt {_b64(os.urandom(16))} 22", _b64(os.urandom(32))]
    _refused(_header(scrypt), sender, "other than an age X25519 key")
    ssh = [f"-> ssh-ed25519 abcdef {_b64(os.urandom(32))}", _b64(os.urandom(32))]
    _refused(_header(ssh), sender, "other than an age X25519 key")


def test_an_armored_file_is_refused_clearly(ours, sender):
    binary = age.encrypt(_zip({"manifest.json": json.dumps(_manifest()).encode()}), [ours])
    armored = (
        "-----BEGIN AGE ENCRYPTED FILE-----\n"
        + "\n".join(textwrap.wrap(base64.b64encode(binary).decode(), 64))
        + "\n-----END AGE ENCRYPTED FILE-----\n"
    ).encode()
    _refused(armored, sender, "armored")


def test_a_package_with_several_recipients_and_grease_still_opens(ours, sender):
    others = [age.new_identity().recipient for _ in range(5)]
    data = age.encrypt(_zip({"manifest.json": json.dumps(_manifest()).encode()}), [ours, *others])
    assert incoming.receive_referral(data, sender)
