"""The administrators' staff pages: who may see them, and every action on them."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.accounts.conftest import entries, is_fully_signed_in
from tests.factories import login_verified, make_staff, signed_in_client
from waystation.accounts import services
from waystation.accounts.models import RecoveryCodeDevice, SealedTOTPDevice, StaffUser
from waystation.accounts.roles import Role
from waystation.accounts.selectors import role_of
from waystation.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "lantern-orchid-meadow-83"


@pytest.fixture
def admin_client(admin) -> Client:
    return signed_in_client(admin, reauthenticated=True)


def _create(client, **overrides):
    data = {"username": "newcomer", "role": Role.CASEWORKER.value, "password": GOOD_PASSWORD}
    data.update(overrides)
    return client.post(reverse("accounts:staff_create"), data)


# --- who may see the pages -------------------------------------------------------------


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMINISTRATOR])
def test_staff_list_is_forbidden_without_manage_staff(client, role):
    login_verified(client, make_staff(role))

    assert client.get(reverse("accounts:staff_list")).status_code == 403


@pytest.mark.parametrize(
    "name", ["staff_detail", "staff_deactivate", "staff_reset_two_factor", "staff_end_sessions"]
)
def test_staff_actions_are_forbidden_without_manage_staff(client, staff, name):
    target = make_staff()
    login_verified(client, staff)

    response = client.post(reverse(f"accounts:{name}", args=[target.pk]))

    assert response.status_code == 403
    target.refresh_from_db()
    assert target.is_active


def test_staff_create_is_forbidden_without_manage_staff(client, staff):
    login_verified(client, staff)

    response = _create(client)

    assert response.status_code == 403
    assert not StaffUser.objects.filter(username="newcomer").exists()


def test_staff_pages_need_a_signed_in_user(client):
    response = client.get(reverse("accounts:staff_list"))

    assert response.url.startswith(reverse("accounts:login"))


def test_administrator_sees_the_staff_list_with_roles(admin_client, staff):
    response = admin_client.get(reverse("accounts:staff_list"))

    body = response.content.decode()
    assert response.status_code == 200
    assert staff.username in body
    assert "Caseworker" in body and "Administrator" in body


def test_staff_detail_of_someone_unknown_is_404(admin_client):
    assert admin_client.get(reverse("accounts:staff_detail", args=[999_999])).status_code == 404


def test_creating_staff_asks_for_reauthentication(client, admin):
    login_verified(client, admin)

    response = client.get(reverse("accounts:staff_create"))

    assert response.url.startswith(reverse("accounts:reauthenticate"))


# --- creating staff --------------------------------------------------------------------


def test_administrator_creates_a_member_of_staff(admin_client, admin):
    response = _create(admin_client)

    member = StaffUser.objects.get(username="newcomer")
    assert response.url == reverse("accounts:staff_detail", args=[member.pk])
    assert role_of(member) == Role.CASEWORKER
    assert member.check_password(GOOD_PASSWORD)
    assert member.password_change_required
    entry = entries("accounts.staff_created")[-1]
    assert (entry.actor_id, entry.object_id) == (admin.pk, str(member.pk))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"username": ""}, "This field is required."),
        ({"username": "x" * 151}, "at most 150 characters"),
        ({"username": "<b>bold</b>"}, "Enter a valid username"),
        ({"username": "two words"}, "Enter a valid username"),
        ({"role": "superuser"}, "Select a valid choice"),
        ({"role": ""}, "This field is required."),
        ({"password": ""}, "This field is required."),
        ({"password": "short"}, "This password is too short"),
        ({"password": "password1234"}, "This password is too common"),
        ({"password": "p" * 2000}, "at most 1024 characters"),
    ],
)
def test_bad_input_to_create_is_refused_and_creates_nothing(admin_client, overrides, message):
    before = (StaffUser.objects.count(), AuditEntry.objects.count())

    response = _create(admin_client, **overrides)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert (StaffUser.objects.count(), AuditEntry.objects.count()) == before


def test_username_taken_in_another_case_is_refused(admin_client, staff):
    response = _create(admin_client, username=staff.username.upper())

    assert "That username is already taken." in response.content.decode()
    assert StaffUser.objects.filter(username__iexact=staff.username).count() == 1


def test_password_like_the_username_is_refused(admin_client):
    response = _create(admin_client, username="riverbank-tango", password="riverbank-tango1")

    assert "too similar" in response.content.decode()
    assert not StaffUser.objects.filter(username="riverbank-tango").exists()


# --- actions on one member -------------------------------------------------------------


def test_deactivate_stops_sign_in_and_ends_sessions(admin_client, admin, staff):
    elsewhere = Client()
    login_verified(elsewhere, staff)

    admin_client.post(reverse("accounts:staff_deactivate", args=[staff.pk]))

    staff.refresh_from_db()
    assert not staff.is_active
    assert not is_fully_signed_in(elsewhere)
    [entry] = entries("accounts.staff_deactivated")
    assert (entry.actor_id, entry.object_id) == (admin.pk, str(staff.pk))


def test_administrator_cannot_deactivate_themselves(admin_client, admin):
    response = admin_client.post(reverse("accounts:staff_deactivate", args=[admin.pk]), follow=True)

    admin.refresh_from_db()
    assert admin.is_active
    assert "You cannot deactivate your own account." in response.content.decode()
    assert not entries("accounts.staff_deactivated")


def test_the_last_active_administrator_cannot_be_deactivated(admin):
    with pytest.raises(services.AccountError, match="At least one active administrator"):
        services.deactivate_staff(actor_id=None, user=admin)
    admin.refresh_from_db()
    assert admin.is_active


def test_reactivate_lets_the_person_sign_in_again(admin_client, staff):
    services.deactivate_staff(actor_id=None, user=staff)

    admin_client.post(reverse("accounts:staff_reactivate", args=[staff.pk]))

    staff.refresh_from_db()
    assert staff.is_active
    assert entries("accounts.staff_reactivated")


def test_reset_two_factor_removes_devices_and_ends_sessions(admin_client, admin, staff):
    services.issue_recovery_codes(actor_id=staff.pk, user=staff)
    elsewhere = Client()
    login_verified(elsewhere, staff)

    admin_client.post(reverse("accounts:staff_reset_two_factor", args=[staff.pk]))

    assert not SealedTOTPDevice.objects.filter(user=staff).exists()
    assert not RecoveryCodeDevice.objects.filter(user=staff).exists()
    assert not is_fully_signed_in(elsewhere)
    [entry] = entries("accounts.two_factor_reset")
    assert (entry.actor_id, entry.object_id) == (admin.pk, str(staff.pk))


def test_after_a_reset_the_next_sign_in_sets_up_a_new_app(admin_client, staff):
    from tests.accounts.conftest import sign_in_with_password

    admin_client.post(reverse("accounts:staff_reset_two_factor", args=[staff.pk]))
    client = Client()
    sign_in_with_password(client, staff.username)

    assert client.get(reverse("home")).url.startswith(reverse("accounts:enrol"))


def test_administrator_cannot_reset_their_own_two_factor(admin_client, admin):
    admin_client.post(reverse("accounts:staff_reset_two_factor", args=[admin.pk]))

    assert SealedTOTPDevice.objects.filter(user=admin, confirmed=True).exists()


def test_sign_out_everywhere_ends_the_members_sessions(admin_client, admin, staff):
    elsewhere = Client()
    login_verified(elsewhere, staff)

    response = admin_client.post(reverse("accounts:staff_end_sessions", args=[staff.pk]))

    assert response.url == reverse("accounts:staff_detail", args=[staff.pk])
    assert not is_fully_signed_in(elsewhere)
    assert is_fully_signed_in(admin_client)


def test_actions_need_a_post(admin_client, staff):
    response = admin_client.get(reverse("accounts:staff_deactivate", args=[staff.pk]))

    assert response.url == reverse("accounts:staff_detail", args=[staff.pk])
    staff.refresh_from_db()
    assert staff.is_active


def test_actions_ask_for_reauthentication(client, admin, staff):
    login_verified(client, admin)

    response = client.post(reverse("accounts:staff_deactivate", args=[staff.pk]))

    assert response.url.startswith(reverse("accounts:reauthenticate"))
    staff.refresh_from_db()
    assert staff.is_active


def test_actions_on_someone_unknown_are_404(admin_client):
    response = admin_client.post(reverse("accounts:staff_deactivate", args=[999_999]))

    assert response.status_code == 404


# --- roles -------------------------------------------------------------------------------


def test_administrator_changes_a_role(admin_client, staff):
    admin_client.post(
        reverse("accounts:staff_set_role", args=[staff.pk]), {"role": Role.LOGISTICS.value}
    )

    assert role_of(staff) == Role.LOGISTICS
    assert staff.groups.count() == 1
    assert entries("accounts.role_changed")


@pytest.mark.parametrize("bad", ["", "superuser", "<script>x</script>", "x" * 5000])
def test_unknown_role_is_refused_and_changes_nothing(admin_client, staff, bad):
    response = admin_client.post(reverse("accounts:staff_set_role", args=[staff.pk]), {"role": bad})

    assert response.status_code == 200
    body = response.content.decode()
    assert "Select a valid choice" in body or "This field is required." in body
    assert "<script>x</script>" not in body
    assert role_of(staff) == Role.CASEWORKER
    assert not entries("accounts.role_changed")


def test_administrator_cannot_drop_their_own_administrator_role(admin_client, admin):
    response = admin_client.post(
        reverse("accounts:staff_set_role", args=[admin.pk]), {"role": Role.CASEWORKER.value}
    )

    assert "You cannot remove your own administrator role." in response.content.decode()
    assert role_of(admin) == Role.ADMINISTRATOR


# --- the audit log -----------------------------------------------------------------------


def test_staff_administration_writes_no_username_to_the_audit_log(admin_client, admin, staff):
    _create(admin_client)
    admin_client.post(reverse("accounts:staff_end_sessions", args=[staff.pk]))
    admin_client.post(reverse("accounts:staff_reset_two_factor", args=[staff.pk]))
    admin_client.post(reverse("accounts:staff_deactivate", args=[staff.pk]))

    assert AuditEntry.objects.count() >= 4
    for entry in AuditEntry.objects.all():
        text = f"{entry.action}|{entry.object_type}|{entry.object_id}"
        for name in ("newcomer", staff.username, admin.username):
            assert name not in text
