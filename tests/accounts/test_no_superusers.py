"""No account passes every permission check: administrators are a role like any other
and read cases only when granted (docs/design.md §2.5)."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError

from tests.factories import make_staff
from waystation.accounts.models import StaffUser
from waystation.accounts.roles import Role

pytestmark = pytest.mark.django_db


def test_createsuperuser_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="no superusers"):
        call_command(
            "createsuperuser", interactive=False, username="root", email="root@example.org"
        )
    assert not StaffUser.objects.filter(username="root").exists()


def test_the_database_refuses_a_superuser_row():
    user = make_staff(role=Role.ADMINISTRATOR)
    user.is_superuser = True
    with pytest.raises(IntegrityError):
        user.save()
