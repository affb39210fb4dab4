"""A copy of the database gives no live session (issue 11, finding 2).

Before, each ``django_session`` row's key was the cookie itself: sent as
``Cookie: sessionid=…`` it was that person signed in, second factor included. These
tests take a real, fully signed-in session, read the session table as a thief would and
use every stored key as the cookie. They use only Django's and the vault's public
parts, so they ran (and failed) against the store from before.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from tests.accounts.conftest import (
    goes_to_sign_in,
    is_fully_signed_in,
    sign_in_fully,
    sign_in_with_password,
    stolen_session_rows,
)
from tests.factories import make_staff, totp_now
from tests.vault.plaintext import database_bytes, find_forms
from tests.vault.seeding import demo_key_file
from waystation.vault import agent, runtime
from waystation.vault.keyservice import KeyService
from waystation.vault.runtime import AgentBackend

COOKIE = settings.SESSION_COOKIE_NAME


def _decode(session_data: str) -> dict:
    return import_module(settings.SESSION_ENGINE).SessionStore().decode(session_data)


@pytest.fixture
def agent_backend(tmp_path: Path) -> Iterator[AgentBackend]:
    """A real key agent (in a thread) holding this test's vault, and this process as one
    of its workers: the keys come over the socket, as in a server."""
    service = KeyService(settings.WAYSTATION_KEYSTORE_PATH)
    service.unseal_with_demo_key_file(demo_key_file(tmp_path))
    socket_path = tmp_path / "run" / "agent.sock"
    server = agent.serve(socket_path, service)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    backend = AgentBackend(socket_path)
    runtime.use_backend(backend)  # tests/conftest.py resets it afterwards
    try:
        yield backend
    finally:
        backend.forget_keys()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.django_db
@pytest.mark.parametrize("keys_from", ["this process", "a key agent"])
def test_session_keys_copied_from_the_database_do_not_sign_in(keys_from, request):
    if keys_from == "a key agent":
        request.getfixturevalue("agent_backend")
    staff = make_staff()
    real = sign_in_fully(staff)
    rows = stolen_session_rows()
    # Not vacuous: the table holds this verified session, second factor and all.
    assert any(
        decoded.get("_auth_user_id") == str(staff.pk) and DEVICE_ID_SESSION_KEY in decoded
        for decoded in (_decode(data) for _key, data in rows)
    )

    for stored_key, _data in rows:
        thief = Client()
        thief.cookies[COOKIE] = stored_key
        assert goes_to_sign_in(thief.get(reverse("home"))), stored_key
        assert goes_to_sign_in(thief.get(reverse("accounts:security"))), stored_key
        assert goes_to_sign_in(thief.post(reverse("accounts:end_other_sessions"))), stored_key

    assert is_fully_signed_in(real)
    assert real.get(reverse("accounts:security")).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_no_cookie_is_in_the_session_table_or_anywhere_in_the_database():
    staff = make_staff()
    client = Client()
    sign_in_with_password(client, staff.username)
    before_code = client.cookies[COOKIE].value
    client.post(reverse("accounts:verify"), {"code": totp_now(staff)})
    cookie = client.cookies[COOKIE].value
    assert cookie != before_code and is_fully_signed_in(client)

    rows = stolen_session_rows()
    for row in rows:
        for value in row:
            assert cookie not in value
            assert before_code not in value
    dump = database_bytes()  # the SQLite file and its WAL, or a pg_dump
    assert find_forms(dump, [cookie, before_code]) == []
    # The search reads the session table: what is stored there is found.
    assert rows and all(find_forms(dump, [key]) for key, _data in rows)
