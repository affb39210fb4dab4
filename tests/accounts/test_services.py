"""The public API other apps call, tested directly."""

import base64

import pytest
from django_otp.oath import TOTP

from tests.factories import (
    DEFAULT_TEST_PASSWORD,
    make_staff,
    recovery_digests,
    stored_recovery_digests,
    totp_now,
)
from waystation.accounts import services
from waystation.accounts.models import SealedTOTPDevice, StaffUser
from waystation.accounts.roles import Role
from waystation.accounts.selectors import role_of

pytestmark = pytest.mark.django_db


def test_create_staff_makes_an_active_user_with_one_role():
    user = services.create_staff(
        actor_id=None, username="amira", role=Role.SCREENER, password=DEFAULT_TEST_PASSWORD
    )

    assert user.is_active and not user.is_superuser and not user.is_staff
    assert role_of(user) == Role.SCREENER
    assert not user.password_change_required


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"username": ""}, "without spaces"),
        ({"username": " amira"}, "without spaces"),
        ({"username": "a" * 151}, "at most 150"),
        ({"username": "<i>x</i>"}, "Enter a valid username"),
        ({"role": "overlord"}, "listed roles"),
        ({"password": "short"}, "too short"),
    ],
)
def test_create_staff_refuses_bad_input_with_a_readable_message(kwargs, message):
    args = {"username": "amira", "role": Role.SCREENER, "password": DEFAULT_TEST_PASSWORD}
    args.update(kwargs)

    with pytest.raises(services.AccountError, match=message):
        services.create_staff(actor_id=None, **args)
    assert not StaffUser.objects.exists()


def test_create_staff_refuses_a_taken_name_in_any_case():
    make_staff(username="amira")

    with pytest.raises(services.AccountError, match="already taken"):
        services.create_staff(
            actor_id=None, username="AMIRA", role=Role.SCREENER, password=DEFAULT_TEST_PASSWORD
        )


def test_make_staff_gives_a_confirmed_device_and_a_working_code():
    user = make_staff(Role.LOGISTICS)

    assert role_of(user) == Role.LOGISTICS
    code = totp_now(user)
    device = SealedTOTPDevice.objects.get(user=user)
    assert device.confirmed
    assert device.verify_token(code)


def test_provision_demo_staff_returns_what_a_tester_needs():
    demo = services.provision_demo_staff(
        username="manager", role=Role.PROGRAMME_MANAGER, password=DEFAULT_TEST_PASSWORD
    )

    user = StaffUser.objects.get(username="manager")
    assert (demo.username, demo.password, demo.role) == (
        "manager",
        DEFAULT_TEST_PASSWORD,
        Role.PROGRAMME_MANAGER,
    )
    assert user.check_password(demo.password)
    assert len(demo.recovery_codes) == 10
    assert recovery_digests(user, demo.recovery_codes) == stored_recovery_digests(user)


def test_demo_totp_secret_works_in_any_authenticator_app_at_once():
    demo = services.provision_demo_staff(
        username="manager", role=Role.PROGRAMME_MANAGER, password=DEFAULT_TEST_PASSWORD
    )
    key = base64.b32decode(demo.totp_secret_base32)
    code = f"{TOTP(key).token():06d}"  # what an app computes from the secret alone
    user = StaffUser.objects.get(username="manager")

    device = services.verify_second_factor(user=user, code=code)

    assert device.confirmed


def test_provision_demo_staff_is_refused_outside_demo_mode(settings):
    settings.DEMO_MODE = False

    with pytest.raises(services.AccountError, match="demo"):
        services.provision_demo_staff(
            username="manager", role=Role.PROGRAMME_MANAGER, password=DEFAULT_TEST_PASSWORD
        )
    assert not StaffUser.objects.exists()


def test_end_all_sessions_raises_the_generation(staff):
    before = staff.session_generation

    services.end_all_sessions(actor_id=None, user=staff)

    assert staff.session_generation == before + 1
    staff.refresh_from_db()
    assert staff.session_generation == before + 1


def test_enrol_totp_gives_an_unconfirmed_device():
    user = services.create_staff(
        actor_id=None, username="amira", role=Role.SCREENER, password=DEFAULT_TEST_PASSWORD
    )

    device = services.enrol_totp(user=user)

    assert not device.confirmed
    services.confirm_totp(user=user, device=device, token=services.current_totp_code(device))
    device.refresh_from_db()
    assert device.confirmed
