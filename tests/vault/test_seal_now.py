"""Seal now, in this process (docs/design.md §2.2): the keys are dropped at once, nothing
personal can be read or written, and every staff URL answers the "sealed" page.

The same with a real key agent and several gunicorn workers is in
test_seal_now_multiworker.py.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import (
    IntConverter,
    PathConverter,
    SlugConverter,
    StringConverter,
    UUIDConverter,
)
from django.urls.resolvers import RoutePattern

from tests.factories import login_verified, make_staff
from tests.vault.seeding import demo_key_file, open_case
from waystation.accounts.roles import Role
from waystation.cases.models import Case
from waystation.vault import blind, datakeys, runtime, services
from waystation.vault.keyservice import VaultSealed
from waystation.vault.middleware import SEALED_DETAIL
from waystation.vault.models import DataKey

SAMPLE_BY_CONVERTER = {
    IntConverter: "1",
    StringConverter: "x",
    SlugConverter: "x-1",
    UUIDConverter: str(uuid.UUID(int=1)),
    PathConverter: "x/y",
}
_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _sample_paths(patterns=None, prefix: str = "", converters=None) -> Iterator[str]:
    """One concrete path for every URL pattern of the project, path converters filled
    with values they accept."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        pattern = entry.pattern
        if not isinstance(pattern, RoutePattern):
            raise AssertionError(f"add a sample for the regex URL pattern {pattern}")
        own = dict(converters or {}) | pattern.converters

        def fill(match: re.Match[str], own=own) -> str:
            converter = own[match["name"]]
            try:
                return SAMPLE_BY_CONVERTER[type(converter)]
            except KeyError:
                raise AssertionError(f"add a sample value for {type(converter)}") from None

        route = _PARAMETER.sub(fill, str(pattern))
        if isinstance(entry, URLResolver):
            yield from _sample_paths(entry.url_patterns, prefix + route, own)
        else:
            assert isinstance(entry, URLPattern)
            yield "/" + prefix + route


ALL_PATHS = sorted(set(_sample_paths()))


def test_the_url_walk_finds_the_staff_pages():
    """Not vacuous: the walk reaches nested includes."""
    assert {"/", "/accounts/login/", "/vault/seal/"} <= set(ALL_PATHS)


@pytest.mark.django_db
def test_sealing_drops_every_key_held_in_this_process(vault):
    keyring = runtime.keyring()
    case = open_case(full_name="Held Key")
    assert keyring.cached_data_sealer(case.data_key_id) is not None

    vault.seal()

    with pytest.raises(VaultSealed):
        runtime.keyring()
    assert not runtime.is_unsealed()
    # The keyring object someone may still hold is emptied, not only forgotten, and
    # refuses to work on rather than hand out empty keys.
    assert keyring.keks == {}
    assert keyring.blind_index_key == b""
    assert keyring.session_id_key == b""
    assert keyring._data_sealers == {}
    with pytest.raises(VaultSealed):
        keyring.cached_data_sealer(case.data_key_id)
    with pytest.raises(VaultSealed):
        keyring.require_blind_index_key()
    with pytest.raises(VaultSealed):
        keyring.require_session_id_key()
    with pytest.raises(VaultSealed):
        keyring.kek_sealer(keyring.current_kek)


@pytest.mark.django_db
def test_nothing_personal_is_read_or_written_while_sealed(vault):
    case = open_case(full_name="Sealed Away")
    loaded = Case.objects.get(pk=case.pk)
    vault.seal()

    with pytest.raises(VaultSealed):
        _ = loaded.full_name
    with pytest.raises(VaultSealed):
        datakeys.sealer_for(case.data_key_id)
    with pytest.raises(VaultSealed):
        blind.blind_name_tokens("Magomed")
    with pytest.raises(VaultSealed):
        open_case(full_name="Not Saved")
    assert Case.objects.count() == 1, "a refused action must leave nothing behind"
    assert DataKey.objects.count() == 1


@pytest.mark.django_db
def test_seal_now_service_seals_then_records(vault):
    report = services.seal_now(actor_id=None)

    assert report.describe().startswith("Sealed.")
    with pytest.raises(VaultSealed):
        runtime.keyring()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ALL_PATHS)
def test_every_url_answers_sealed_while_sealed(vault, path):
    client = Client(enforce_csrf_checks=True)
    vault.seal()

    for response in (client.get(path), client.post(path, {"anything": "x"})):
        assert response.status_code == 503, path
        assert response["Retry-After"]
        if path.startswith("/api/"):  # the API's clients read its one error shape
            assert response.json() == {"detail": SEALED_DETAIL}, path
        else:
            assert "vault/sealed.html" in [t.name for t in response.templates], path
            assert b"Waystation is sealed" in response.content


@pytest.mark.django_db
def test_signed_in_staff_get_the_sealed_page_everywhere(vault):
    """A session that was fully signed in before the seal works no further."""
    client = Client()
    login_verified(client, make_staff(Role.ADMINISTRATOR))
    vault.seal()

    for path in ALL_PATHS:
        assert client.get(path).status_code == 503, path
        assert client.post(path).status_code == 503, path


@pytest.mark.django_db
def test_unknown_urls_answer_sealed_too(vault):
    vault.seal()
    assert Client().get("/no-such-page/").status_code == 503


@pytest.mark.django_db
def test_unsealing_restores_the_pages(vault, tmp_path):
    """Not vacuous: the same page answers normally when unsealed."""
    client = Client()
    assert client.get("/accounts/login/").status_code == 200
    vault.seal()
    assert client.get("/accounts/login/").status_code == 503

    vault.unseal_with_demo_key_file(demo_key_file(tmp_path))

    assert client.get("/accounts/login/").status_code == 200
