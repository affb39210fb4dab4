"""The "Seal now" button: one press by an administrator or programme manager."""

import pytest

from tests.factories import login_verified, make_staff
from waystation.accounts.roles import Role
from waystation.audit.models import AuditEntry
from waystation.vault import runtime

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.PROGRAMME_MANAGER])
def test_one_press_seals_without_asking_for_the_password_again(client, role):
    user = make_staff(role=role)
    login_verified(client, user)

    response = client.post("/vault/seal/")

    assert response.status_code == 503
    assert b"Waystation is sealed" in response.content
    assert not runtime.is_unsealed()
    entry = AuditEntry.objects.get(action="vault.seal_now")
    assert entry.actor_id == user.pk
    assert client.get("/").status_code == 503


@pytest.mark.parametrize("role", [Role.SCREENER, Role.CASEWORKER, Role.LOGISTICS])
def test_other_roles_cannot_seal(client, role):
    login_verified(client, make_staff(role=role))

    response = client.post("/vault/seal/")

    assert response.status_code == 403
    assert runtime.is_unsealed()


def test_seal_is_never_a_get(client):
    login_verified(client, make_staff(role=Role.ADMINISTRATOR))

    assert client.get("/vault/seal/").status_code == 405
    assert runtime.is_unsealed()
