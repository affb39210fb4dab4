"""The "Seal now" control: a page that says what sealing does, then its button, for an
administrator or programme manager. No password again, but never one tap (issue #15)."""

import pytest

from tests.factories import login_verified, make_staff
from waystation.accounts.roles import Role
from waystation.audit.models import AuditEntry
from waystation.vault import runtime

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.PROGRAMME_MANAGER])
def test_the_confirm_button_seals_without_asking_for_the_password_again(client, role):
    user = make_staff(role=role)
    login_verified(client, user)

    response = client.post("/vault/seal/", {"confirm": "seal"})

    assert response.status_code == 503
    assert b"Waystation is sealed" in response.content
    assert not runtime.is_unsealed()
    entry = AuditEntry.objects.get(action="vault.seal_now")
    assert entry.actor_id == user.pk
    assert client.get("/").status_code == 503


@pytest.mark.parametrize("role", [Role.SCREENER, Role.CASEWORKER, Role.LOGISTICS])
def test_other_roles_cannot_seal(client, role):
    login_verified(client, make_staff(role=role))

    assert client.get("/vault/seal/").status_code == 403
    response = client.post("/vault/seal/", {"confirm": "seal"})

    assert response.status_code == 403
    assert runtime.is_unsealed()


def test_a_get_asks_first_and_seals_nothing(client):
    login_verified(client, make_staff(role=Role.ADMINISTRATOR))

    response = client.get("/vault/seal/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Seal Waystation now?" in page
    assert "until the trustees meet and unseal" in page
    assert 'name="confirm" value="seal"' in page
    assert runtime.is_unsealed()
    assert not AuditEntry.objects.filter(action="vault.seal_now").exists()


def test_a_post_without_the_confirmation_seals_nothing(client):
    """The one-tap form of before (a bare POST) now only brings up the question."""
    login_verified(client, make_staff(role=Role.PROGRAMME_MANAGER))

    response = client.post("/vault/seal/")

    assert response.status_code == 400
    assert "Seal Waystation now?" in response.content.decode()
    assert runtime.is_unsealed()


def test_the_menu_links_to_the_question_away_from_sign_out(client):
    login_verified(client, make_staff(role=Role.PROGRAMME_MANAGER))

    page = client.get("/").content.decode()

    assert 'href="/vault/seal/"' in page
    # No form in the header seals: the only POST to /vault/seal/ is on the question page.
    assert 'action="/vault/seal/"' not in page
    header = page[page.index('<header class="top">') : page.index("</header>")]
    seal_at, sign_out_at = header.index("/vault/seal/"), header.index("Sign out")
    assert header.index('<nav aria-label="Main">') > seal_at  # not in the same row
    assert sign_out_at - seal_at > 500
