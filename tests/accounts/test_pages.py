"""Every account page: renders, is plain HTML the CSP allows, and labels its fields."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.accounts.conftest import sign_in_with_password
from tests.factories import DEFAULT_TEST_PASSWORD, login_verified, signed_in_client
from waystation.accounts import services
from waystation.accounts.roles import Role

pytestmark = pytest.mark.django_db


def _assert_plain(body: str) -> None:
    assert "<script" not in body
    assert "<style" not in body and " style=" not in body
    assert not re.search(r"\son[a-z]+=", body)  # no inline event handlers
    assert "http://" not in body and "https://" not in body
    for field_id in re.findall(r'<input[^>]+id="(id_[a-z_]+)"', body):
        assert f'for="{field_id}"' in body, field_id


@pytest.fixture
def admin_client(admin) -> Client:
    return signed_in_client(admin, reauthenticated=True)


@pytest.mark.parametrize(
    "name",
    [
        "accounts:security",
        "accounts:password_change",
        "accounts:reauthenticate",
        "accounts:recovery_codes",
        "accounts:staff_list",
        "accounts:staff_create",
    ],
)
def test_signed_in_pages_are_plain(admin_client, name):
    response = admin_client.get(reverse(name))

    assert response.status_code == 200
    _assert_plain(response.content.decode())
    assert response["Cache-Control"] == "no-store"


def test_staff_detail_page_is_plain(admin_client, staff):
    response = admin_client.get(reverse("accounts:staff_detail", args=[staff.pk]))

    assert response.status_code == 200
    _assert_plain(response.content.decode())


def test_sign_in_pages_are_plain(client, staff):
    _assert_plain(client.get(reverse("accounts:login")).content.decode())
    sign_in_with_password(client, staff.username)
    _assert_plain(client.get(reverse("accounts:verify")).content.decode())


def test_enrolment_page_is_plain(client):
    user = services.create_staff(
        actor_id=None, username="newcomer", role=Role.CASEWORKER, password=DEFAULT_TEST_PASSWORD
    )
    sign_in_with_password(client, user.username)

    _assert_plain(client.get(reverse("accounts:enrol")).content.decode())


def test_nav_shows_staff_link_only_to_those_who_manage_staff(admin_client, staff):
    other = Client()
    login_verified(other, staff)

    assert reverse("accounts:staff_list") in admin_client.get(reverse("home")).content.decode()
    assert reverse("accounts:staff_list") not in other.get(reverse("home")).content.decode()


def test_issuing_new_recovery_codes_from_my_account(admin_client, admin):
    response = admin_client.post(reverse("accounts:recovery_codes"))

    assert response.status_code == 200
    assert response.content.decode().count("<li><code>") == 10
