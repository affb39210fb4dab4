"""The administrators' status page: administrators only, linked from their navigation,
the same findings as the command, and no personal data."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import login_verified, make_staff, signed_in_client
from tests.status.conftest import personal_values
from waystation.accounts.roles import ROLE_PERMISSIONS, Role
from waystation.status import checks

pytestmark = pytest.mark.django_db

PAGE = "/status/"


def test_the_page_is_where_the_docs_say():
    assert reverse("status:page") == PAGE


def test_only_administrators_hold_the_permission():
    holders = {role for role, perms in ROLE_PERMISSIONS.items() if "accounts.view_status" in perms}
    assert holders == {Role.ADMINISTRATOR}


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMINISTRATOR])
def test_every_other_role_is_refused(seeded, role):
    client = signed_in_client(make_staff(role))

    response = client.get(PAGE)

    assert response.status_code == 403
    for value in personal_values(seeded):
        assert value not in response.content.decode()
    assert 'href="/status/"' not in client.get("/").content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(db):
    response = Client().get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_password_without_the_second_factor_is_not_enough(db):
    client = Client()
    client.force_login(make_staff(Role.ADMINISTRATOR))

    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:verify"))


def test_the_administrator_sees_every_check_and_the_link(seeded):
    client = signed_in_client(seeded.admin)

    response = client.get(PAGE)
    body = response.content.decode()

    assert response.status_code == 200
    for found in checks.run_checks().findings:
        assert f'id="check-{found.name}"' in body
        assert found.title.replace("'", "&#x27;") in body
    assert "No backup recorded" in body
    assert 'href="/status/"' in client.get("/").content.decode()
    assert response["Cache-Control"] == "no-store"


def test_the_page_holds_no_personal_data(seeded):
    body = signed_in_client(seeded.admin).get(PAGE).content.decode()

    for value in personal_values(seeded):
        assert value not in body, value


def test_the_page_takes_only_get(seeded):
    client = Client(enforce_csrf_checks=False)
    login_verified(client, seeded.admin)

    assert client.post(PAGE).status_code == 405


def test_a_sealed_installation_shows_the_sealed_page_here_too(seeded, vault):
    """Status while sealed is the command's job: the page says "sealed" like every page."""
    client = signed_in_client(seeded.admin)
    vault.seal()

    response = client.get(PAGE)

    assert response.status_code == 503
    assert b"Waystation is sealed" in response.content
