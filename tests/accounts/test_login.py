"""The password step, and what a password alone can and cannot reach."""

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.urls import reverse

from tests.accounts.conftest import actions, entries, is_signed_out, sign_in_with_password
from tests.factories import DEFAULT_TEST_PASSWORD, make_staff
from waystation.accounts import services
from waystation.accounts.roles import Role
from waystation.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_stored_password_hash_is_argon2(staff):
    staff.refresh_from_db()
    assert staff.password.startswith("argon2$argon2id$")
    assert identify_hasher(staff.password).algorithm == "argon2"


def test_right_password_leads_to_the_code_step_not_inside(client, staff):
    response = sign_in_with_password(client, staff.username)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:verify"))


def test_password_alone_cannot_reach_the_home_page(client, staff):
    sign_in_with_password(client, staff.username)

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:verify"))


def test_password_alone_cannot_reach_a_staff_only_page(client, admin):
    sign_in_with_password(client, admin.username)

    response = client.get(reverse("accounts:staff_list"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:verify"))


def test_password_alone_cannot_post_to_an_action(client, admin):
    sign_in_with_password(client, admin.username)
    other = make_staff()

    response = client.post(reverse("accounts:staff_deactivate", args=[other.pk]))

    assert response.url == reverse("accounts:verify")
    other.refresh_from_db()
    assert other.is_active


def test_user_without_two_factor_is_sent_to_set_it_up(client):
    user = services.create_staff(
        actor_id=None, username="newcomer", role=Role.CASEWORKER, password=DEFAULT_TEST_PASSWORD
    )
    sign_in_with_password(client, user.username)

    response = client.get(reverse("home"))

    assert response.url.startswith(reverse("accounts:enrol"))


def test_next_is_carried_through_to_the_code_step(client, staff):
    response = client.post(
        reverse("accounts:login") + "?next=/accounts/me/",
        {"username": staff.username, "password": DEFAULT_TEST_PASSWORD},
    )

    assert response.url == reverse("accounts:verify") + "?next=%2Faccounts%2Fme%2F"


def test_wrong_password_is_refused_with_a_general_message(client, staff):
    response = sign_in_with_password(client, staff.username, "not-the-password-at-all")

    assert response.status_code == 200
    assert str(services.INVALID_LOGIN_MESSAGE) in response.content.decode()
    assert is_signed_out(client)


def test_unknown_user_gets_the_same_message_as_a_wrong_password(client, staff):
    wrong = sign_in_with_password(client, staff.username, "not-the-password-at-all")
    unknown = sign_in_with_password(client, "nobody-by-this-name", "not-the-password-at-all")

    assert str(services.INVALID_LOGIN_MESSAGE) in wrong.content.decode()
    assert str(services.INVALID_LOGIN_MESSAGE) in unknown.content.decode()


def test_deactivated_user_gets_the_same_message_and_no_session(client, staff):
    staff.is_active = False
    staff.save()

    response = sign_in_with_password(client, staff.username)

    assert str(services.INVALID_LOGIN_MESSAGE) in response.content.decode()
    assert is_signed_out(client)


def test_empty_fields_are_refused_without_counting_a_failure(client):
    response = client.post(reverse("accounts:login"), {"username": "", "password": ""})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert actions() == []


def test_oversized_username_is_refused_with_a_form_error(client):
    response = sign_in_with_password(client, "a" * 5000, "whatever-it-is")

    assert response.status_code == 200
    assert "Ensure this value has at most 150 characters" in response.content.decode()


def test_oversized_password_is_refused_with_a_form_error(client, staff):
    response = sign_in_with_password(client, staff.username, "p" * 100_000)

    assert response.status_code == 200
    assert "Ensure this value has at most" in response.content.decode()


def test_markup_in_the_username_is_shown_as_text(client):
    response = sign_in_with_password(client, "<script>alert(1)</script>", "whatever-it-is")

    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body


def test_failure_of_an_existing_user_is_audited_with_their_id_only(client, staff):
    sign_in_with_password(client, staff.username, "not-the-password-at-all")

    [entry] = entries("accounts.login_failed")
    assert entry.actor_id == staff.pk
    assert entry.object_type == ""
    assert entry.object_id == ""


def test_failure_of_an_unknown_user_is_audited_without_actor(client):
    sign_in_with_password(client, "nobody-by-this-name", "not-the-password-at-all")

    [entry] = entries("accounts.login_failed")
    assert entry.actor_id is None
    assert entry.object_id == ""


def test_the_password_step_alone_is_not_audited_as_a_sign_in(client, staff):
    sign_in_with_password(client, staff.username)

    assert "accounts.login_succeeded" not in actions()


def test_audit_entries_never_contain_a_username(client, staff):
    sign_in_with_password(client, staff.username, "not-the-password-at-all")
    sign_in_with_password(client, "nobody-by-this-name", "not-the-password-at-all")

    for entry in AuditEntry.objects.all():
        text = f"{entry.action} {entry.object_type} {entry.object_id}"
        assert staff.username not in text
        assert "nobody" not in text


def test_signed_in_user_visiting_login_is_sent_on(client, staff):
    from tests.factories import login_verified

    login_verified(client, staff)

    response = client.get(reverse("accounts:login"))

    assert response.status_code == 302
