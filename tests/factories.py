"""Factories shared by the whole suite. Staff accounts are made through the real
services, so a test account is exactly what an administrator would create."""

from __future__ import annotations

import itertools
import time

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from waystation.accounts import services
from waystation.accounts.decorators import REAUTH_SESSION_KEY
from waystation.accounts.models import (
    RecoveryCode,
    SealedTOTPDevice,
    StaffUser,
    recovery_code_digest,
)
from waystation.accounts.roles import Role

# Passes the password validators (length, not common, not like the username).
DEFAULT_TEST_PASSWORD = "plum-kettle-harbour-47"

_numbers = itertools.count(1)


def make_staff(
    role: Role = Role.CASEWORKER,
    username: str | None = None,
    password: str = DEFAULT_TEST_PASSWORD,
) -> StaffUser:
    """An active member of staff with one role and a confirmed TOTP device (no recovery
    codes: call services.issue_recovery_codes for those)."""
    user = services.create_staff(
        actor_id=None,
        username=username or f"staff{next(_numbers)}",
        role=role,
        password=password,
    )
    device = services.enrol_totp(user=user)
    services.confirm_totp(user=user, device=device, token=services.current_totp_code(device))
    return user


def totp_device(user: StaffUser) -> SealedTOTPDevice:
    return SealedTOTPDevice.objects.get(user=user, confirmed=True)


def stored_recovery_digests(user: StaffUser) -> set[str]:
    """What the database holds of a user's unused recovery codes: keyed digests only."""
    return set(RecoveryCode.objects.filter(device__user=user).values_list("digest", flat=True))


def recovery_digests(user: StaffUser, codes: list[str]) -> set[str]:
    return {recovery_code_digest(user.pk, code) for code in codes}


def totp_now(user: StaffUser) -> str:
    """The code the user's app shows now, guaranteed to be accepted once.

    A TOTP code is accepted only once per 30-second step (replay protection), and a
    test often signs in and re-authenticates within one step; so this forgets which
    step was used last. Tests of replay protection must not call it twice."""
    device = totp_device(user)
    device.last_t = -1
    device.drift = 0
    device.save(update_fields=["last_t", "drift"])
    return services.current_totp_code(device)


def login_verified(client: Client, user: StaffUser) -> None:
    """Put the test client into a fully signed-in session: password and second factor
    both given, as django_otp.login leaves it."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
    session.save()


def signed_in_client(user: StaffUser, *, reauthenticated: bool = False) -> Client:
    """A test client signed in as ``user`` (password and second factor); with
    ``reauthenticated``, as if the password and code had just been given again, which
    administrative pages ask for."""
    client = Client()
    login_verified(client, user)
    if reauthenticated:
        session = client.session
        session[REAUTH_SESSION_KEY] = time.time()
        session.save()
    return client
