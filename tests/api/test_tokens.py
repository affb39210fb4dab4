"""API tokens: made in My account after the password and a fresh code again, shown once,
kept only as a digest, at most 90 days, revocable, and ended by "sign out everywhere",
deactivation and seal-now."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.api.conftest import bearer, issue
from tests.factories import DEFAULT_TEST_PASSWORD, make_staff, signed_in_client, totp_now
from waystation.accounts import services as accounts
from waystation.accounts.roles import Role
from waystation.api.models import ApiToken, EndedBy
from waystation.api.services import tokens
from waystation.audit.models import AuditEntry
from waystation.vault import services as vault_services
from waystation.vault.middleware import SEALED_DETAIL

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r"wst_[A-Za-z0-9_-]{43}")
NEW = reverse("api_tokens:new")


@pytest.fixture
def member():
    return make_staff(Role.CASEWORKER, "tokenowner")


def works(secret: str) -> bool:
    return bearer(secret).get("/api/v1/alerts/").status_code == 200


# --- making one --------------------------------------------------------------------------


def test_making_a_token_asks_for_the_password_and_a_code_again(member):
    client = signed_in_client(member)
    for response in (client.get(NEW), client.post(NEW, {"scope": "read", "days": "30"})):
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:reauthenticate"))
    assert not ApiToken.objects.exists()
    # The password and a fresh code, then the page opens and makes the token.
    reauth = client.post(
        f"{reverse('accounts:reauthenticate')}?next={NEW}",
        {"password": DEFAULT_TEST_PASSWORD, "code": totp_now(member)},
    )
    assert reauth.url == NEW
    made = client.post(NEW, {"scope": "read", "days": "30"})
    assert made.status_code == 200
    assert ApiToken.objects.filter(user=member, scope="read").count() == 1


def test_the_token_is_shown_once_and_stored_only_as_its_digest(member):
    client = signed_in_client(member, reauthenticated=True)
    page = client.post(NEW, {"scope": "write", "days": "30"}).content.decode()
    [secret] = TOKEN.findall(page)
    row = ApiToken.objects.get(user=member)
    assert row.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {getattr(row, f.attname) for f in ApiToken._meta.concrete_fields}
    assert row.prefix == secret[4:12] and len(row.prefix) < len(secret) // 4
    # Never again: not on the list, not in the session, not in a message.
    listing = client.get(reverse("api_tokens:list")).content.decode()
    assert secret not in listing and f"wst_{row.prefix}" in listing
    assert secret not in str(dict(client.session.items()))
    assert TOKEN.findall(client.get(NEW).content.decode()) == []
    assert works(secret)


def test_a_token_lasts_30_days_by_default_and_never_more_than_90(member):
    issued = tokens.create_token(user=member, scope="read")
    assert abs(issued.token.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(
        minutes=1
    )
    for days in (0, 91, 365, -1):
        with pytest.raises(tokens.TokenError, match="1 to 90 days"):
            tokens.create_token(user=member, scope="read", days=days)
    client = signed_in_client(member, reauthenticated=True)
    refused = client.post(NEW, {"scope": "read", "days": "91"})
    assert refused.status_code == 400
    assert "less than or equal to 90" in refused.content.decode()
    assert ApiToken.objects.filter(user=member).count() == 1
    assert tokens.create_token(user=member, scope="read", days=90).token.expires_at <= (
        timezone.now() + timedelta(days=90)
    )


def test_an_unknown_scope_is_refused(member):
    with pytest.raises(tokens.TokenError):
        tokens.create_token(user=member, scope="partner")
    client = signed_in_client(member, reauthenticated=True)
    assert client.post(NEW, {"scope": "admin", "days": "30"}).status_code == 400
    assert not ApiToken.objects.exists()


def test_tokens_in_use_are_limited_per_person(member):
    for _ in range(tokens.MAX_ACTIVE_PER_USER):
        issue(member)
    with pytest.raises(tokens.TokenError, match="revoke one"):
        issue(member)


def test_making_and_revoking_are_audited_by_id_only(member):
    issued = tokens.create_token(user=member, scope="read")
    tokens.revoke_token(user=member, token_id=issued.token.pk)
    entries = list(
        AuditEntry.objects.filter(action__startswith="api.").values_list(
            "actor_id", "action", "object_type", "object_id"
        )
    )
    assert entries == [
        (member.pk, "api.token_created", "api_token", issued.token.pk),
        (member.pk, "api.token_revoked", "api_token", issued.token.pk),
    ]
    assert issued.secret not in repr(issued)


# --- ending one --------------------------------------------------------------------------


def test_a_token_is_revoked_from_my_account_and_stops_at_once(member):
    secret = issue(member)
    row = ApiToken.objects.get(user=member)
    client = signed_in_client(member)
    response = client.post(reverse("api_tokens:revoke", args=[row.pk]))
    assert response.status_code == 302
    assert not works(secret)
    row.refresh_from_db()
    assert row.ended_by == EndedBy.OWNER
    assert "revoked by you" in client.get(reverse("api_tokens:list")).content.decode()


def test_nobody_revokes_another_person_s_token(member):
    secret = issue(member)
    row = ApiToken.objects.get(user=member)
    other = signed_in_client(make_staff(Role.CASEWORKER, "someoneelse"))
    other.post(reverse("api_tokens:revoke", args=[row.pk]))
    assert works(secret)
    with pytest.raises(tokens.TokenError, match="No such token"):
        tokens.revoke_token(user=make_staff(Role.ADMINISTRATOR, "anadmin"), token_id=row.pk)


def test_an_expired_token_opens_nothing(member):
    secret = issue(member, days=1)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert not works(secret)


def test_sign_out_everywhere_ends_every_token(member):
    secret = issue(member)
    # Ending one's other sessions from My account is signing out everywhere else.
    signed_in_client(member).post(reverse("accounts:end_other_sessions"))
    assert not works(secret)
    later = issue(member)
    assert works(later)
    accounts.end_all_sessions(actor_id=None, user=member)  # an administrator's button
    assert not works(later)


def test_a_deactivated_account_s_tokens_end_and_stay_ended(member):
    admin = make_staff(Role.ADMINISTRATOR, "admin1")
    secret = issue(member)
    accounts.deactivate_staff(actor_id=admin.pk, user=member)
    assert not works(secret)
    member.refresh_from_db()
    accounts.reactivate_staff(actor_id=admin.pk, user=member)
    assert not works(secret)


def test_seal_now_ends_every_token_even_after_unsealing(member, vault, tmp_path):
    others = [issue(make_staff(Role.PROGRAMME_MANAGER, f"m{n}")) for n in range(2)]
    secret = issue(member)
    vault_services.seal_now(actor_id=None)
    sealed = bearer(secret).get("/api/v1/alerts/")
    assert sealed.status_code == 503
    assert sealed["Content-Type"] == "application/json"
    assert sealed.json() == {"detail": SEALED_DETAIL}
    assert sealed["Retry-After"] == "300"
    vault.unseal_with_demo_key_file(tmp_path / "keys" / "test-root-key")
    assert not any(works(s) for s in [secret, *others])
    assert set(ApiToken.objects.values_list("ended_by", flat=True)) == {EndedBy.SEAL}
    assert AuditEntry.objects.filter(action="api.tokens_ended_by_seal").count() == 1
    assert works(issue(member))  # new tokens work again


def test_the_seal_button_ends_tokens_too(member, vault, tmp_path):
    manager = make_staff(Role.PROGRAMME_MANAGER, "sealer")
    secret = issue(member)
    response = signed_in_client(manager).post(reverse("vault:seal_now"), {"confirm": "seal"})
    assert response.status_code == 503
    vault.unseal_with_demo_key_file(tmp_path / "keys" / "test-root-key")
    assert not works(secret)


def test_the_token_pages_are_for_signed_in_staff_only():
    for url in (reverse("api_tokens:list"), NEW):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url
