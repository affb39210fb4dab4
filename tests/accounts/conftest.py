"""Helpers for the accounts tests. Shared factories are in tests/factories.py."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import DEFAULT_TEST_PASSWORD, make_staff
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
