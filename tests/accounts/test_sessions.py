"""Idle timeout, signing out, and ending every session of a user at once."""

import time

import pytest
from django.test import Client
from django.urls import reverse

from tests.accounts.conftest import entries, is_fully_signed_in, is_signed_out
from tests.factories import login_verified, make_staff
from waystation.accounts import services
from waystation.accounts.sessions import GENERATION_KEY, LAST_SEEN_KEY

pytestmark = pytest.mark.django_db


def _age_session(client: Client, seconds: float) -> None:
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - seconds
    session.save()


def test_recently_used_session_stays_open(client, staff):
    login_verified(client, staff)
    _age_session(client, 1700)

    assert is_fully_signed_in(client)


def test_idle_session_is_ended_and_the_user_sent_to_sign_in(client, staff):
    login_verified(client, staff)
    _age_session(client, 1801)

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert is_signed_out(client)


def test_idle_sign_out_explains_itself(client, staff):
    login_verified(client, staff)
    _age_session(client, 1801)

    response = client.get(reverse("home"), follow=True)

    assert "signed out after 30 minutes without activity" in response.content.decode()


def test_idle_timeout_follows_the_setting(client, staff, settings):
    settings.WAYSTATION_IDLE_TIMEOUT_SECONDS = 60
    login_verified(client, staff)
    _age_session(client, 61)

    client.get(reverse("home"))

    assert is_signed_out(client)


def test_idle_expiry_is_audited(client, staff):
    login_verified(client, staff)
    _age_session(client, 1801)

    client.get(reverse("home"))

    [entry] = entries("accounts.session_expired")
    assert entry.actor_id == staff.pk


def test_idle_timeout_applies_to_a_half_signed_in_session(client, staff):
    from tests.accounts.conftest import sign_in_with_password

    sign_in_with_password(client, staff.username)
    _age_session(client, 1801)

    client.get(reverse("accounts:verify"))

    assert is_signed_out(client)


def test_each_request_moves_the_idle_clock(client, staff):
    login_verified(client, staff)
    _age_session(client, 1000)

    client.get(reverse("home"))

    assert time.time() - client.session[LAST_SEEN_KEY] < 5


def test_signing_out_ends_the_session_and_is_audited(client, staff):
    login_verified(client, staff)

    response = client.post(reverse("accounts:logout"))

    assert response.url == reverse("accounts:login")
    assert is_signed_out(client)
    assert [e.actor_id for e in entries("accounts.signed_out")] == [staff.pk]


def test_signing_out_needs_a_post(client, staff):
    login_verified(client, staff)

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert is_fully_signed_in(client)


def test_a_new_session_carries_the_users_generation(client, staff):
    login_verified(client, staff)

    assert client.session[GENERATION_KEY] == staff.session_generation


def test_end_all_sessions_signs_out_an_existing_client(staff):
    laptop, phone = Client(), Client()
    login_verified(laptop, staff)
    login_verified(phone, staff)

    services.end_all_sessions(actor_id=None, user=staff)

    for client in (laptop, phone):
        response = client.get(reverse("home"))
        assert response.url.startswith(reverse("accounts:login"))
        assert is_signed_out(client)


def test_end_all_sessions_leaves_other_users_signed_in(staff):
    other = make_staff()
    client = Client()
    login_verified(client, other)

    services.end_all_sessions(actor_id=None, user=staff)

    assert is_fully_signed_in(client)


def test_signing_in_again_after_end_all_sessions_works(client, staff):
    services.end_all_sessions(actor_id=None, user=staff)

    login_verified(client, staff)

    assert is_fully_signed_in(client)


def test_end_all_sessions_is_audited_with_ids_only(staff, admin):
    services.end_all_sessions(actor_id=admin.pk, user=staff)

    [entry] = entries("accounts.sessions_ended")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        admin.pk,
        "staff_user",
        str(staff.pk),
    )


def test_session_without_a_generation_is_refused(client, staff):
    login_verified(client, staff)
    session = client.session
    del session[GENERATION_KEY]
    session.save()

    client.get(reverse("home"))

    assert is_signed_out(client)


def test_ending_my_other_sessions_keeps_this_one(staff):
    here, elsewhere = Client(), Client()
    login_verified(here, staff)
    login_verified(elsewhere, staff)

    here.post(reverse("accounts:end_other_sessions"))

    assert is_fully_signed_in(here)
    assert not is_fully_signed_in(elsewhere)


def test_deactivated_user_is_signed_out_at_the_next_request(client, staff, admin):
    login_verified(client, staff)

    services.deactivate_staff(actor_id=admin.pk, user=staff)

    assert not is_fully_signed_in(client)
    assert is_signed_out(client)
