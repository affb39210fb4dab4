"""Login throttling: per account, in the database, and without any client address."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from tests.accounts.conftest import entries, is_signed_out, sign_in_with_password
from tests.factories import totp_now
from waystation.accounts import services, throttle
from waystation.accounts.models import LoginThrottle

pytestmark = pytest.mark.django_db

WRONG = "not-the-password-at-all"


@pytest.fixture(autouse=True)
def _three_failures(settings):
    settings.WAYSTATION_LOGIN_MAX_FAILURES = 3
    settings.WAYSTATION_LOGIN_LOCKOUT_SECONDS = 900


def _fail(client, username, times):
    for _ in range(times):
        response = sign_in_with_password(client, username, WRONG)
    return response


def test_account_locks_after_the_allowed_number_of_failures(client, staff):
    response = _fail(client, staff.username, 3)

    assert services.locked_message() in response.content.decode()
    assert throttle.is_locked(throttle.password_key(staff.username))


def test_failures_below_the_limit_do_not_lock(client, staff):
    _fail(client, staff.username, 2)

    response = sign_in_with_password(client, staff.username)

    assert response.status_code == 302


def test_right_password_is_refused_while_locked(client, staff):
    _fail(client, staff.username, 3)

    response = sign_in_with_password(client, staff.username)

    assert response.status_code == 200
    assert services.locked_message() in response.content.decode()
    assert is_signed_out(client)


def test_lock_message_is_the_same_whether_or_not_the_user_exists(client, staff):
    known = _fail(client, staff.username, 4).content.decode()
    unknown = _fail(client, "nobody-by-this-name", 4).content.decode()

    def error(body):
        start = body.index('<ul class="errorlist nonfield">')
        return body[start : body.index("</ul>", start)]

    assert error(known) == error(unknown)
    assert services.locked_message() in error(known)


def test_lock_message_is_calm_and_says_how_long(client, staff):
    body = _fail(client, staff.username, 3).content.decode()

    assert "paused for 15 minutes" in body


def test_lock_covers_other_spellings_of_the_name(client, staff):
    _fail(client, staff.username, 3)

    response = sign_in_with_password(client, f"  {staff.username.upper()} ")

    assert services.locked_message() in response.content.decode()


def test_lock_ends_after_the_lockout_period(client, staff):
    _fail(client, staff.username, 3)
    LoginThrottle.objects.update(locked_until=timezone.now() - timedelta(seconds=1))

    response = sign_in_with_password(client, staff.username)

    assert response.status_code == 302


def test_old_failures_are_forgotten(client, staff):
    _fail(client, staff.username, 2)
    LoginThrottle.objects.update(last_failure_at=timezone.now() - timedelta(seconds=901))
    _fail(client, staff.username, 1)

    assert not throttle.is_locked(throttle.password_key(staff.username))


def test_full_sign_in_clears_the_failure_count(client, staff):
    _fail(client, staff.username, 2)
    sign_in_with_password(client, staff.username)
    client.post(reverse("accounts:verify"), {"code": totp_now(staff)})
    client.post(reverse("accounts:logout"))

    _fail(client, staff.username, 2)

    assert not throttle.is_locked(throttle.password_key(staff.username))


def test_lockout_is_audited_with_the_user_id(client, staff):
    _fail(client, staff.username, 3)

    [entry] = entries("accounts.login_locked")
    assert entry.actor_id == staff.pk


def test_lockout_of_an_unknown_name_is_audited_without_actor(client):
    _fail(client, "nobody-by-this-name", 3)

    [entry] = entries("accounts.login_locked")
    assert entry.actor_id is None


def test_throttle_table_holds_no_username(client, staff):
    _fail(client, staff.username, 2)

    [row] = LoginThrottle.objects.all()
    assert staff.username not in row.key
    assert len(row.key) == 64


def test_no_client_address_is_written_anywhere(client, staff, caplog):
    """docs/design.md §2.4: no client IP address is written anywhere, failed sign-ins included."""
    address = "203.0.113.77"
    headers = {"REMOTE_ADDR": address, "HTTP_X_FORWARDED_FOR": address}
    _fail(client, staff.username, 1)  # warm-up with the default 127.0.0.1
    for _ in range(4):
        sign_in_with_password(client, staff.username, WRONG, **headers)
        sign_in_with_password(client, "nobody-by-this-name", WRONG, **headers)
    client.post(reverse("accounts:verify"), {"code": "123456"}, **headers)

    for model in apps.get_models():
        for row in model.objects.all().values():
            text = repr(row)
            assert address not in text, model.__name__
            assert "127.0.0.1" not in text, model.__name__
    for session in Session.objects.all():  # session data is encoded in its row
        assert address not in repr(session.get_decoded())
        assert "127.0.0.1" not in repr(session.get_decoded())
    assert address not in caplog.text
    assert "127.0.0.1" not in caplog.text


# --- the code step -------------------------------------------------------------------


def _wrong_codes(client, user, times):
    right = totp_now(user)
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
    for _ in range(times):
        response = client.post(reverse("accounts:verify"), {"code": wrong})
    return response


def test_wrong_codes_lock_the_account_and_end_the_session(client, staff):
    sign_in_with_password(client, staff.username)

    response = _wrong_codes(client, staff, 3)

    assert response.url == reverse("accounts:login")
    assert is_signed_out(client)
    follow = client.get(response.url)
    assert services.locked_message() in follow.content.decode()


def test_after_a_code_lock_the_password_step_is_locked_too(client, staff):
    """Whoever failed the code step knew the password: they must not just start over."""
    sign_in_with_password(client, staff.username)
    _wrong_codes(client, staff, 3)

    response = sign_in_with_password(client, staff.username)

    assert services.locked_message() in response.content.decode()


def test_right_code_is_refused_while_the_code_step_is_locked(client, staff):
    sign_in_with_password(client, staff.username)
    _wrong_codes(client, staff, 2)
    throttle.lock(throttle.second_factor_key(staff.pk))

    client.post(reverse("accounts:verify"), {"code": totp_now(staff)})

    assert is_signed_out(client)


def test_code_lockout_is_audited(client, staff):
    sign_in_with_password(client, staff.username)
    _wrong_codes(client, staff, 3)

    assert len(entries("accounts.otp_failed")) == 3
    [entry] = entries("accounts.second_factor_locked")
    assert entry.actor_id == staff.pk
