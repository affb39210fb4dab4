"""The session store keyed by digests (accounts/session_store.py, vault/session_ids.py):
it keeps sign-out, "sign out everywhere", rotation, sealing, ``clearsessions`` and
Django's asynchronous paths working. That a stolen table opens nothing is shown in
test_stolen_sessions.py.
"""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.sessions.backends import db as django_db_store
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests.accounts.conftest import (
    goes_to_sign_in,
    is_fully_signed_in,
    sign_in_fully,
    stolen_session_rows,
)
from tests.factories import make_staff
from tests.vault.seeding import demo_key_file
from waystation.accounts.session_store import SessionStore
from waystation.vault import runtime, services
from waystation.vault.keyring import VaultSealed
from waystation.vault.keyservice import KeyService
from waystation.vault.session_ids import stored_session_id

COOKIE = settings.SESSION_COOKIE_NAME


@pytest.mark.django_db
def test_a_stored_id_depends_on_the_vault_not_only_on_the_cookie(tmp_path):
    """A thief cannot compute the stored id of a guessed or seen cookie without this
    vault's key: another vault gives another id."""
    ours = stored_session_id("a" * 32)
    other = KeyService(tmp_path / "other" / "keystore.json")
    other.initialise_demo(tmp_path / "other" / "root-key")
    other.unseal_with_demo_key_file(tmp_path / "other" / "root-key")
    runtime.use_backend(runtime.InProcessBackend(other))  # reset by tests/conftest.py

    assert stored_session_id("a" * 32) != ours


@pytest.mark.django_db
def test_sign_out_everywhere_and_sign_out_still_end_sessions():
    staff = make_staff()
    laptop, phone = sign_in_fully(staff), sign_in_fully(staff)

    phone.post(reverse("accounts:end_other_sessions"))

    assert goes_to_sign_in(laptop.get(reverse("home")))
    assert is_fully_signed_in(phone)
    stored = stored_session_id(phone.cookies[COOKIE].value)
    phone.post(reverse("accounts:logout"))
    assert not Session.objects.filter(session_key=stored).exists()
    assert goes_to_sign_in(phone.get(reverse("home")))


@pytest.mark.django_db
def test_sessions_survive_key_rotation(django_capture_on_commit_callbacks):
    """Rotation (and shredding, which rotates) changes key-encryption keys only; the
    session-id key comes from the root key, so nobody is signed out."""
    client = sign_in_fully(make_staff())
    with django_capture_on_commit_callbacks(execute=True):
        services.rotate_keys(actor_id=None)

    assert is_fully_signed_in(client)


@pytest.mark.django_db
def test_while_sealed_a_session_does_not_resolve_and_carries_on_after_unsealing(vault, tmp_path):
    client = sign_in_fully(make_staff())
    [before] = Session.objects.values_list("session_key", "session_data", "expire_date")
    vault.seal()

    for path in (reverse("home"), reverse("accounts:security"), reverse("accounts:login")):
        response = client.get(path)
        assert response.status_code == 503, path  # the sealed page, not an error
        assert COOKIE not in response.cookies, path  # the cookie is neither cut nor replaced
    assert list(Session.objects.values_list("session_key", "session_data", "expire_date")) == [
        before
    ]

    vault.unseal_with_demo_key_file(demo_key_file(tmp_path))
    assert is_fully_signed_in(client)


@pytest.mark.django_db
def test_a_session_read_while_sealed_is_never_written_over(vault, tmp_path):
    client = sign_in_fully(make_staff())
    cookie = client.cookies[COOKIE].value
    vault.seal()
    store = SessionStore(cookie)
    assert store.load() == {}  # does not resolve
    store["written while sealed"] = True
    vault.unseal_with_demo_key_file(demo_key_file(tmp_path))

    store.save()  # must not replace the real session with what this store holds

    assert "written while sealed" not in SessionStore(cookie).load()
    assert is_fully_signed_in(client)


@pytest.mark.django_db
def test_nothing_is_written_when_the_vault_seals_during_a_request(vault):
    existing = SessionStore()
    existing["here"] = 1
    existing.save()
    started_before_the_seal = SessionStore(existing.session_key)
    assert started_before_the_seal["here"] == 1
    fresh = SessionStore()
    fresh["new"] = 1
    rows = Session.objects.count()
    vault.seal()

    started_before_the_seal["more"] = 2
    started_before_the_seal.save()  # what the session middleware does after the view
    fresh.save()

    assert Session.objects.count() == rows
    assert fresh.session_key is not None  # a cookie that will resolve to nothing
    with pytest.raises(VaultSealed):  # signing out does not pretend to have worked
        started_before_the_seal.delete()


@pytest.mark.django_db
def test_clearsessions_deletes_expired_sessions_even_while_sealed(vault):
    kept, expired = sign_in_fully(make_staff()), sign_in_fully(make_staff())
    kept_id = stored_session_id(kept.cookies[COOKIE].value)
    Session.objects.filter(session_key=stored_session_id(expired.cookies[COOKIE].value)).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    vault.seal()

    call_command("clearsessions")

    assert list(Session.objects.values_list("session_key", flat=True)) == [kept_id]


@pytest.mark.django_db(transaction=True)
def test_the_asynchronous_paths_store_digests_too():
    store = SessionStore()
    async_to_sync(store.acreate)()
    store["marker"] = "async"
    async_to_sync(store.asave)()
    key = store.session_key
    assert key is not None

    assert [k for k, _d in stolen_session_rows()] == [stored_session_id(key)]
    assert async_to_sync(store.aexists)(key)
    assert async_to_sync(SessionStore(key).aload)() == {"marker": "async"}
    async_to_sync(SessionStore(key).adelete)()
    assert stolen_session_rows() == []


def test_every_method_of_djangos_store_that_names_a_row_is_overridden():
    """A Django upgrade that adds a way to reach a row by its key must not bypass the
    digest: every method Django's database store defines is ours, but those that reach
    rows only through the ones overridden here, or by expiry date."""
    inherited_on_purpose = {"get_model_class", "model", "load", "create"}
    inherited_on_purpose |= {"clear_expired", "aclear_expired"}
    own = set(vars(SessionStore))
    for name in vars(django_db_store.SessionStore):
        if name.startswith("__") and name != "__init__":
            continue
        assert name in own or name in inherited_on_purpose, name


@pytest.mark.django_db
def test_the_upgrade_deletes_the_sessions_stored_under_their_cookie():
    from django.apps import apps

    migration = importlib.import_module(
        "waystation.accounts.migrations.0006_forget_sessions_keyed_by_cookie"
    )
    Session.objects.create(
        session_key="oldsessionkeyfromthecookie000000",
        session_data="",
        expire_date=timezone.now() + timedelta(hours=1),
    )

    migration.forget_sessions_keyed_by_cookie(apps, None)

    assert stolen_session_rows() == []
