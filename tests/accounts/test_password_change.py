"""Changing one's password, and the forced change after a temporary one."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.accounts.conftest import entries, is_fully_signed_in, is_signed_out
from tests.factories import DEFAULT_TEST_PASSWORD, login_verified, make_staff
from waystation.accounts import services
from waystation.accounts.models import StaffUser

pytestmark = pytest.mark.django_db

URL = reverse("accounts:password_change")
NEW = "juniper-compass-willow-29"


def _change(client, current=DEFAULT_TEST_PASSWORD, new=NEW, again=None):
    return client.post(
        URL,
        {
            "current_password": current,
            "new_password": new,
            "new_password_again": again if again is not None else new,
        },
    )


@pytest.fixture
def temporary(db) -> StaffUser:
    user = make_staff()
    StaffUser.objects.filter(pk=user.pk).update(password_change_required=True)
    user.refresh_from_db()
    return user


def test_temporary_password_must_be_replaced_before_anything_else(client, temporary):
    login_verified(client, temporary)

    response = client.get(reverse("home"))

    assert response.url.startswith(URL)


def test_replacing_the_temporary_password_opens_the_way(client, temporary):
    login_verified(client, temporary)

    response = _change(client)

    assert response.url == reverse("home")
    temporary.refresh_from_db()
    assert temporary.check_password(NEW)
    assert not temporary.password_change_required
    assert is_fully_signed_in(client)


def test_password_change_is_audited(client, staff):
    login_verified(client, staff)

    _change(client)

    [entry] = entries("accounts.password_changed")
    assert (entry.actor_id, entry.object_id) == (staff.pk, str(staff.pk))


def test_password_change_ends_the_other_sessions(staff):
    here, elsewhere = Client(), Client()
    login_verified(here, staff)
    login_verified(elsewhere, staff)

    _change(here)

    assert is_fully_signed_in(here)
    assert not is_fully_signed_in(elsewhere)


def test_wrong_current_password_is_refused(client, staff):
    login_verified(client, staff)

    response = _change(client, current="not-the-password-at-all")

    assert "That is not your current password." in response.content.decode()
    staff.refresh_from_db()
    assert staff.check_password(DEFAULT_TEST_PASSWORD)


def test_repeated_wrong_current_passwords_sign_out(client, staff, settings):
    settings.WAYSTATION_LOGIN_MAX_FAILURES = 3
    login_verified(client, staff)

    for _ in range(3):
        _change(client, current="not-the-password-at-all")

    assert is_signed_out(client)


def test_different_new_passwords_are_refused(client, staff):
    login_verified(client, staff)

    response = _change(client, again=NEW + "x")

    assert "The two new passwords differ." in response.content.decode()
    staff.refresh_from_db()
    assert staff.check_password(DEFAULT_TEST_PASSWORD)


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("short", "This password is too short"),
        ("password1234", "This password is too common"),
        (DEFAULT_TEST_PASSWORD, "differs from the current one"),
        ("", "This field is required."),
    ],
)
def test_weak_or_unchanged_new_password_is_refused(client, staff, new, message):
    login_verified(client, staff)

    response = _change(client, new=new)

    assert message in response.content.decode()
    assert not entries("accounts.password_changed")


def test_service_refuses_a_weak_password():
    user = make_staff()

    with pytest.raises(services.AccountError, match="too short"):
        services.change_password(
            user=user, current_password=DEFAULT_TEST_PASSWORD, new_password="x"
        )
