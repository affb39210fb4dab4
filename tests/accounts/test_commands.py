import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from waystation.accounts.models import SealedTOTPDevice, StaffUser
from waystation.accounts.roles import Role
from waystation.accounts.selectors import role_of

pytestmark = pytest.mark.django_db


def test_staff_create_makes_the_first_administrator(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("lantern-orchid-meadow-83\n"))

    call_command("staff", "create", "founder", "--role", "administrator", "--password-stdin")

    user = StaffUser.objects.get(username="founder")
    assert role_of(user) == Role.ADMINISTRATOR
    assert user.check_password("lantern-orchid-meadow-83")
    assert not user.is_superuser


def test_staff_create_refuses_a_weak_password(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))

    with pytest.raises(CommandError, match="too short"):
        call_command("staff", "create", "founder", "--role", "administrator", "--password-stdin")
    assert not StaffUser.objects.exists()


def test_staff_reset_two_factor_from_the_shell(staff):
    call_command("staff", "reset-two-factor", staff.username, stdout=io.StringIO())

    assert not SealedTOTPDevice.objects.filter(user=staff).exists()


def test_staff_command_refuses_an_unknown_username():
    with pytest.raises(CommandError, match="no account"):
        call_command("staff", "end-sessions", "nobody")


def test_roles_show_lists_every_role():
    out = io.StringIO()

    call_command("roles", "show", stdout=out)

    assert all(role.value in out.getvalue() for role in Role)
