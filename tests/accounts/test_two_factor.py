"""The second step, enrolment, and recovery codes."""

import base64
import re

import pytest
from django.urls import reverse

from tests.accounts.conftest import (
    actions,
    entries,
    is_fully_signed_in,
    is_signed_out,
    sign_in_with_password,
)
from tests.factories import (
    DEFAULT_TEST_PASSWORD,
    recovery_digests,
    stored_recovery_digests,
    totp_now,
)
from waystation.accounts import services
from waystation.accounts.models import SealedTOTPDevice, StaffUser
from waystation.accounts.roles import Role

pytestmark = pytest.mark.django_db


def _code(client, code, next_url=""):
    url = reverse("accounts:verify") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"code": code})


@pytest.fixture
def newcomer(db) -> StaffUser:
    return services.create_staff(
        actor_id=None, username="newcomer", role=Role.CASEWORKER, password=DEFAULT_TEST_PASSWORD
    )


# --- the code step -------------------------------------------------------------------


def test_current_totp_code_completes_sign_in(client, staff):
    sign_in_with_password(client, staff.username)

    response = _code(client, totp_now(staff))

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert is_fully_signed_in(client)


def test_sign_in_success_is_audited_with_the_user_id(client, staff):
    sign_in_with_password(client, staff.username)
    _code(client, totp_now(staff))

    [entry] = entries("accounts.login_succeeded")
    assert entry.actor_id == staff.pk


def test_code_step_changes_the_session_key(client, staff):
    sign_in_with_password(client, staff.username)
    before = client.session.session_key

    _code(client, totp_now(staff))

    assert client.session.session_key != before


def test_code_step_follows_a_safe_next(client, staff):
    sign_in_with_password(client, staff.username)

    response = _code(client, totp_now(staff), next_url="/accounts/me/")

    assert response.url == "/accounts/me/"


def test_code_step_ignores_a_next_on_another_site(client, staff):
    sign_in_with_password(client, staff.username)

    response = _code(client, totp_now(staff), next_url="https://evil.example/")

    assert response.url == reverse("home")


def test_wrong_totp_code_is_refused(client, staff):
    sign_in_with_password(client, staff.username)
    right = totp_now(staff)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    response = _code(client, wrong)

    assert response.status_code == 200
    assert str(services.WRONG_CODE_MESSAGE) in response.content.decode()
    assert not is_fully_signed_in(client)


def test_wrong_code_is_audited(client, staff):
    sign_in_with_password(client, staff.username)
    _code(client, "000000" if totp_now(staff) != "000000" else "111111")

    [entry] = entries("accounts.otp_failed")
    assert entry.actor_id == staff.pk


def test_a_totp_code_is_accepted_only_once(client, staff):
    code = totp_now(staff)
    sign_in_with_password(client, staff.username)
    _code(client, code)
    client.post(reverse("accounts:logout"))

    sign_in_with_password(client, staff.username)
    response = _code(client, code)

    assert response.status_code == 200
    assert not is_fully_signed_in(client)


def test_malformed_code_is_refused_with_a_message(client, staff):
    sign_in_with_password(client, staff.username)

    response = _code(client, "<b>12</b>")

    assert str(services.WRONG_CODE_MESSAGE) in response.content.decode()
    assert "<b>12</b>" not in response.content.decode()


def test_empty_post_is_refused_with_a_form_error(client, staff):
    sign_in_with_password(client, staff.username)

    response = client.post(reverse("accounts:verify"))

    assert "This field is required." in response.content.decode()
    assert "accounts.otp_failed" not in actions()


def test_oversized_code_is_refused_with_a_form_error(client, staff):
    sign_in_with_password(client, staff.username)

    response = _code(client, "1" * 10_000)

    assert "Ensure this value has at most" in response.content.decode()
    assert "accounts.otp_failed" not in actions()


def test_recovery_code_signs_in(client, staff):
    codes = services.issue_recovery_codes(actor_id=staff.pk, user=staff)
    sign_in_with_password(client, staff.username)

    response = _code(client, codes[0])

    assert response.url == reverse("home")
    assert is_fully_signed_in(client)
    assert "accounts.recovery_code_used" in actions()


def test_recovery_code_is_accepted_with_spaces_and_capitals(client, staff):
    codes = services.issue_recovery_codes(actor_id=staff.pk, user=staff)
    sign_in_with_password(client, staff.username)

    _code(client, f" {codes[0][:4].upper()}-{codes[0][4:].upper()} ")

    assert is_fully_signed_in(client)


def test_recovery_code_works_only_once(client, staff):
    codes = services.issue_recovery_codes(actor_id=staff.pk, user=staff)
    sign_in_with_password(client, staff.username)
    _code(client, codes[0])
    client.post(reverse("accounts:logout"))

    sign_in_with_password(client, staff.username)
    response = _code(client, codes[0])

    assert str(services.WRONG_CODE_MESSAGE) in response.content.decode()
    assert not is_fully_signed_in(client)


def test_using_a_recovery_code_says_how_many_are_left(client, staff):
    codes = services.issue_recovery_codes(actor_id=staff.pk, user=staff)
    sign_in_with_password(client, staff.username)

    response = client.post(reverse("accounts:verify"), {"code": codes[0]}, follow=True)

    assert "You used a recovery code; 9 left." in response.content.decode()


def test_another_users_recovery_code_is_refused(client, staff):
    from tests.factories import make_staff

    other = make_staff()
    codes = services.issue_recovery_codes(actor_id=other.pk, user=other)
    sign_in_with_password(client, staff.username)

    _code(client, codes[0])

    assert not is_fully_signed_in(client)
    assert recovery_digests(other, codes[:1]) <= stored_recovery_digests(other)


def test_issuing_new_recovery_codes_retires_the_old_ones(staff):
    old = services.issue_recovery_codes(actor_id=staff.pk, user=staff)
    new = services.issue_recovery_codes(actor_id=staff.pk, user=staff)

    assert len(new) == services.RECOVERY_CODE_COUNT == 10
    assert len(set(new)) == 10
    stored = stored_recovery_digests(staff)
    assert stored == recovery_digests(staff, new)
    assert not stored & recovery_digests(staff, old)


def test_code_page_while_fully_signed_in_moves_on(client, staff):
    from tests.factories import login_verified

    login_verified(client, staff)

    assert client.get(reverse("accounts:verify")).url == reverse("home")


# --- enrolment -----------------------------------------------------------------------


def test_enrolment_page_shows_the_qr_code_as_an_inline_image_and_the_secret(client, newcomer):
    sign_in_with_password(client, newcomer.username)

    response = client.get(reverse("accounts:enrol"))

    body = response.content.decode()
    device = SealedTOTPDevice.objects.get(user=newcomer, confirmed=False)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    match = re.search(r'<img class="qr" src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', body)
    assert match
    svg = base64.b64decode(match.group(1)).decode()
    assert svg.startswith("<svg")
    assert "style" not in svg and "script" not in svg
    assert secret[:4] + " " + secret[4:8] in body


def test_enrolment_page_has_no_script_no_inline_style_and_nothing_from_elsewhere(client, newcomer):
    sign_in_with_password(client, newcomer.username)

    body = client.get(reverse("accounts:enrol")).content.decode()

    assert "<script" not in body
    assert "style=" not in body and "<style" not in body
    assert "http://" not in body and "https://" not in body


def test_reloading_the_enrolment_page_keeps_the_same_secret(client, newcomer):
    sign_in_with_password(client, newcomer.username)
    client.get(reverse("accounts:enrol"))
    first = SealedTOTPDevice.objects.get(user=newcomer).secret

    client.get(reverse("accounts:enrol"))

    assert SealedTOTPDevice.objects.get(user=newcomer).secret == first


def test_enrolment_with_the_right_code_shows_ten_recovery_codes_once(client, newcomer):
    sign_in_with_password(client, newcomer.username)
    client.get(reverse("accounts:enrol"))
    device = SealedTOTPDevice.objects.get(user=newcomer)

    response = client.post(reverse("accounts:enrol"), {"code": services.current_totp_code(device)})

    assert response.status_code == 200
    body = response.content.decode()
    stored = re.findall(r"<code>([a-z2-7]{8})</code>", body)
    assert recovery_digests(newcomer, stored) == stored_recovery_digests(newcomer)
    assert len(stored_recovery_digests(newcomer)) == 10
    assert is_fully_signed_in(client)
    assert SealedTOTPDevice.objects.get(user=newcomer).confirmed
    again = client.get(reverse("accounts:security")).content.decode()
    assert not any(code in again for code in stored)


def test_enrolment_is_audited(client, newcomer):
    sign_in_with_password(client, newcomer.username)
    client.get(reverse("accounts:enrol"))
    device = SealedTOTPDevice.objects.get(user=newcomer)

    client.post(reverse("accounts:enrol"), {"code": services.current_totp_code(device)})

    assert [e.object_id for e in entries("accounts.totp_enrolled")] == [str(newcomer.pk)]
    assert [e.object_id for e in entries("accounts.recovery_codes_issued")] == [str(newcomer.pk)]
    assert [e.actor_id for e in entries("accounts.login_succeeded")] == [newcomer.pk]


def test_enrolment_with_a_wrong_code_is_refused_and_confirms_nothing(client, newcomer):
    sign_in_with_password(client, newcomer.username)
    client.get(reverse("accounts:enrol"))
    device = SealedTOTPDevice.objects.get(user=newcomer)
    right = services.current_totp_code(device)

    response = client.post(
        reverse("accounts:enrol"), {"code": f"{(int(right) + 1) % 1_000_000:06d}"}
    )

    assert str(services.WRONG_TOTP_MESSAGE) in response.content.decode()
    assert not SealedTOTPDevice.objects.get(user=newcomer).confirmed
    assert not stored_recovery_digests(newcomer)
    assert not is_fully_signed_in(client)


def test_enrolment_with_an_empty_code_is_refused(client, newcomer):
    sign_in_with_password(client, newcomer.username)

    response = client.post(reverse("accounts:enrol"), {"code": ""})

    assert "This field is required." in response.content.decode()
    assert not SealedTOTPDevice.objects.filter(user=newcomer, confirmed=True).exists()


def test_password_alone_cannot_enrol_a_second_device(client, staff):
    """Someone who stole only the password must not be able to add their own app."""
    sign_in_with_password(client, staff.username)

    response = client.get(reverse("accounts:enrol"))

    assert response.url.startswith(reverse("accounts:verify"))
    assert SealedTOTPDevice.objects.filter(user=staff).count() == 1


def test_enrol_totp_refuses_when_a_device_is_confirmed(staff):
    with pytest.raises(services.AccountError, match="already has two-factor"):
        services.enrol_totp(user=staff)


def test_confirm_totp_refuses_another_users_device(staff, newcomer):
    device = services.enrol_totp(user=newcomer)

    with pytest.raises(services.AccountError):
        services.confirm_totp(user=staff, device=device, token=services.current_totp_code(device))
    device.refresh_from_db()
    assert not device.confirmed


def test_code_page_sends_someone_without_a_device_to_enrolment(client, newcomer):
    sign_in_with_password(client, newcomer.username)

    assert client.get(reverse("accounts:verify")).url.startswith(reverse("accounts:enrol"))


# --- what a half-signed-in session may reach -------------------------------------------


def test_half_signed_in_session_can_sign_out(client, staff):
    sign_in_with_password(client, staff.username)

    response = client.post(reverse("accounts:logout"))

    assert response.url == reverse("accounts:login")
    assert is_signed_out(client)


def test_half_signed_in_session_is_not_redirected_for_static_files(client, staff):
    sign_in_with_password(client, staff.username)

    response = client.get("/static/waystation/staff.css")

    # WhiteNoise may or may not serve it in the test process; it must not be redirected.
    assert response.status_code != 302
