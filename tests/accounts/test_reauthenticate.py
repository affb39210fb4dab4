"""Re-authentication before sensitive actions: password and a fresh TOTP code."""

import time

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from tests.accounts.conftest import entries, is_signed_out
from tests.factories import DEFAULT_TEST_PASSWORD, login_verified, totp_now
from waystation.accounts import services
from waystation.accounts.decorators import REAUTH_SESSION_KEY, recent_authentication_required

pytestmark = pytest.mark.django_db

URL = reverse("accounts:reauthenticate")


def _reauth(client, user, next_url="/accounts/me/", password=DEFAULT_TEST_PASSWORD, code=None):
    return client.post(
        f"{URL}?next={next_url}",
        {"password": password, "code": code if code is not None else totp_now(user)},
    )


def _wrong(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def test_sensitive_page_asks_for_reauthentication(client, staff):
    login_verified(client, staff)

    response = client.get(reverse("accounts:recovery_codes"))

    assert response.status_code == 302
    assert response.url == f"{URL}?next=%2Faccounts%2Fme%2Frecovery-codes%2F"


def test_reauthentication_with_password_and_code_opens_the_page(client, staff):
    login_verified(client, staff)

    response = _reauth(client, staff, next_url="/accounts/me/recovery-codes/")

    assert response.url == "/accounts/me/recovery-codes/"
    assert client.get(response.url).status_code == 200
    assert time.time() - client.session[REAUTH_SESSION_KEY] < 5


def test_reauthentication_is_audited(client, staff):
    login_verified(client, staff)

    _reauth(client, staff)

    assert [e.actor_id for e in entries("accounts.reauthenticated")] == [staff.pk]


def test_reauthentication_expires(client, staff, settings):
    login_verified(client, staff)
    _reauth(client, staff)
    session = client.session
    session[REAUTH_SESSION_KEY] = time.time() - settings.WAYSTATION_REAUTH_SECONDS - 1
    session.save()

    response = client.get(reverse("accounts:recovery_codes"))

    assert response.url.startswith(URL)


def test_wrong_password_is_refused(client, staff):
    login_verified(client, staff)

    response = _reauth(client, staff, password="not-the-password-at-all")

    assert response.status_code == 200
    assert str(services.WRONG_REAUTH_MESSAGE) in response.content.decode()
    assert REAUTH_SESSION_KEY not in client.session


def test_wrong_code_is_refused(client, staff):
    login_verified(client, staff)

    response = _reauth(client, staff, code=_wrong(totp_now(staff)))

    assert str(services.WRONG_REAUTH_MESSAGE) in response.content.decode()
    assert REAUTH_SESSION_KEY not in client.session
    assert [e.actor_id for e in entries("accounts.reauth_failed")] == [staff.pk]


def test_recovery_code_is_not_accepted_for_reauthentication(client, staff):
    codes = services.issue_recovery_codes(actor_id=staff.pk, user=staff)
    login_verified(client, staff)

    _reauth(client, staff, code=codes[0])

    assert REAUTH_SESSION_KEY not in client.session


def test_empty_fields_are_refused(client, staff):
    login_verified(client, staff)

    response = client.post(URL, {"password": "", "code": ""})

    assert "This field is required." in response.content.decode()
    assert REAUTH_SESSION_KEY not in client.session


@pytest.mark.parametrize(
    "unsafe",
    ["https://evil.example/", "//evil.example/", "http://evil.example/x", "javascript:alert(1)"],
)
def test_next_on_another_site_is_ignored(client, staff, unsafe):
    login_verified(client, staff)

    response = _reauth(client, staff, next_url=unsafe)

    assert response.url == reverse("home")


def test_repeated_failures_sign_out_and_lock(client, staff, settings):
    settings.WAYSTATION_LOGIN_MAX_FAILURES = 3
    login_verified(client, staff)

    for _ in range(3):
        response = _reauth(client, staff, password="not-the-password-at-all")

    assert response.url == reverse("accounts:login")
    assert is_signed_out(client)
    assert [e.actor_id for e in entries("accounts.second_factor_locked")] == [staff.pk]


def test_reauthentication_needs_a_signed_in_user(client):
    response = client.get(URL)

    assert response.url.startswith(reverse("accounts:login"))


def test_decorator_passes_through_after_recent_reauthentication(rf: RequestFactory):
    view = recent_authentication_required(lambda request: HttpResponse("ok"))
    request = rf.get("/somewhere/")
    request.session = {REAUTH_SESSION_KEY: time.time()}

    assert view(request).content == b"ok"


def test_decorator_redirects_without_reauthentication(rf: RequestFactory):
    view = recent_authentication_required(lambda request: HttpResponse("ok"))
    request = rf.get("/somewhere/")
    request.session = {}

    assert view(request).url == f"{URL}?next=%2Fsomewhere%2F"


def test_a_new_sign_in_does_not_inherit_an_old_reauthentication(client, staff):
    login_verified(client, staff)
    _reauth(client, staff)

    login_verified(client, staff)

    assert REAUTH_SESSION_KEY not in client.session
