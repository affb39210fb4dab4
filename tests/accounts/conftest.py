"""Helpers for the accounts tests. Shared factories are in tests/factories.py."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.factories import DEFAULT_TEST_PASSWORD, make_staff, totp_now
from waystation.accounts.models import StaffUser
from waystation.accounts.roles import Role
from waystation.audit.models import AuditEntry


@pytest.fixture
def staff(db) -> StaffUser:
    return make_staff(Role.CASEWORKER)


@pytest.fixture
def admin(db) -> StaffUser:
    return make_staff(Role.ADMINISTRATOR)


def sign_in_with_password(
    client: Client, username: str, password: str = DEFAULT_TEST_PASSWORD, **extra
):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, **extra
    )


def actions() -> list[str]:
    return list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


def is_signed_out(client: Client) -> bool:
    return "_auth_user_id" not in client.session


def is_fully_signed_in(client: Client) -> bool:
    """Reaching the home page means password and second factor were both given."""
    response = client.get(reverse("home"))
    return response.status_code == 200


def sign_in_fully(user: StaffUser) -> Client:
    """A client signed in as a person does it: the password, then the app's code."""
    client = Client()
    sign_in_with_password(client, user.username)
    response = client.post(reverse("accounts:verify"), {"code": totp_now(user)})
    assert response.status_code == 302 and response.url == reverse("home")
    assert is_fully_signed_in(client)
    return client


def stolen_session_rows() -> list[tuple[str, str]]:
    """The session table as a thief reads it: raw rows, no Django model in between."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT session_key, session_data FROM django_session")
        return [(str(key), str(data)) for key, data in cursor.fetchall()]


def goes_to_sign_in(response) -> bool:
    return response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
