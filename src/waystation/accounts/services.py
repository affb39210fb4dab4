"""Actions on staff accounts: one function per use case, each in one transaction with
its audit entry inside.

Audit entries name people by id only, never by username: the log must be safe to show
to an auditor (docs/design.md §2.6). Functions that refuse raise ``AccountError`` with a
sentence that can be shown to the person as it is.

Sign-in steps that fail write their audit entry and count the failure *before*
raising, in a transaction of their own, so that a refusal is never rolled back with
the request.
"""

from __future__ import annotations

import re
import secrets
from base64 import b32encode
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_otp.oath import TOTP
from django_otp.util import random_hex

from waystation.accounts import throttle, webauthn
from waystation.accounts.models import (
    RecoveryCode,
    RecoveryCodeDevice,
    SealedTOTPDevice,
    SecurityKeyDevice,
    StaffUser,
    recovery_code_digest,
)
from waystation.accounts.roles import Role
from waystation.accounts.selectors import role_of
from waystation.audit import services as audit
from waystation.vault import datakeys, ledger
from waystation.vault import services as vault_services

RECOVERY_CODE_COUNT = 10
USERNAME_MAX_LENGTH = 150
# Argon2 hashes any length, but nobody types more than this; a cap keeps a hostile
# multi-megabyte "password" from costing anything.
PASSWORD_MAX_LENGTH = 1024
RECOVERY_DEVICE_NAME = "recovery codes"
TOTP_DEVICE_NAME = "authenticator app"
SECURITY_KEY_DEVICE_NAME = "security key"  # django-otp's clear name column; the member's is sealed
SECURITY_KEY_LABEL_MAX_LENGTH = 64

_STAFF = "staff_user"
_TOTP_CODE = re.compile(r"^[0-9]{6,8}$")
_RECOVERY_CODE = re.compile(r"^[a-z2-7]{8}$")

INVALID_LOGIN_MESSAGE = gettext_lazy(
    "That username and password do not match an active account. Check both and try again."
)
WRONG_CODE_MESSAGE = gettext_lazy(
    "That code was not accepted. Enter the code your authenticator app shows now, "
    "or one of your recovery codes."
)
WRONG_TOTP_MESSAGE = gettext_lazy(
    "That code was not accepted. Enter the six-digit code your authenticator app shows "
    "now; if it was about to change, wait for the next one."
)
WRONG_REAUTH_MESSAGE = gettext_lazy(
    "That password and code were not accepted. Check both and try again."
)
WRONG_KEY_MESSAGE = gettext_lazy(
    "Your security key was not accepted. Try again with a key you added to this account, "
    "or enter a code instead."
)
CLONED_KEY_MESSAGE = gettext_lazy(
    "That security key was refused: its counter went backwards, which a copied key does. "
    "Sign in with a code, remove the key under “My account” and tell an administrator."
)


class AccountError(Exception):
    """A refusal a person can read and act on."""


class AccountLocked(AccountError):
    """Too many failures: the account is paused for a while."""


def locked_message() -> str:
    minutes = max(1, settings.WAYSTATION_LOGIN_LOCKOUT_SECONDS // 60)
    return ngettext(
        "Too many unsuccessful attempts. Signing in to this account is paused for "
        "%(minutes)d minute. Wait, then try again. If these attempts were not yours, "
        "tell an administrator.",
        "Too many unsuccessful attempts. Signing in to this account is paused for "
        "%(minutes)d minutes. Wait, then try again. If these attempts were not yours, "
        "tell an administrator.",
        minutes,
    ) % {"minutes": minutes}


# --- Signing in --------------------------------------------------------------------


def authenticate_staff(*, username: str, password: str) -> StaffUser:
    """The password step. The answer is the same whether the username exists, is
    deactivated or the password is wrong, and a locked name is locked whether or not
    it belongs to anyone, so neither answer tells a stranger who works here."""
    key = throttle.password_key(username)
    if throttle.is_locked(key):
        raise AccountLocked(locked_message())
    user = authenticate(None, username=username, password=password)
    if isinstance(user, StaffUser):
        return user
    existing_id = StaffUser.objects.filter(username=username).values_list("pk", flat=True).first()
    with transaction.atomic():
        audit.record(actor_id=existing_id, action="accounts.login_failed")
        locked = throttle.register_failure(key)
        if locked:
            audit.record(actor_id=existing_id, action="accounts.login_locked")
    if locked:
        raise AccountLocked(locked_message())
    raise AccountError(INVALID_LOGIN_MESSAGE)


def verify_second_factor(*, user: StaffUser, code: str) -> Any:
    """The second step: a current TOTP code or an unused recovery code. Returns the
    device that accepted it; a recovery code is used up by this."""
    key = throttle.second_factor_key(user.pk)
    if throttle.is_locked(key):
        raise AccountLocked(locked_message())
    device = _match_second_factor(user, code)
    if device is None:
        _second_factor_failed(user, action="accounts.otp_failed")
        raise AccountError(WRONG_CODE_MESSAGE)
    with transaction.atomic():
        throttle.clear(key)
        throttle.clear(throttle.password_key(user.get_username()))
        if isinstance(device, RecoveryCodeDevice):
            audit.record(
                actor_id=user.pk,
                action="accounts.recovery_code_used",
                object_type=_STAFF,
                object_id=str(user.pk),
            )
        audit.record(actor_id=user.pk, action="accounts.login_succeeded")
    return device


def reauthenticate(*, user: StaffUser, password: str, code: str) -> None:
    """Password and a current TOTP code again, before a sensitive action. Recovery
    codes are not accepted here: they are for a lost phone, not for routine use."""
    key = throttle.second_factor_key(user.pk)
    if throttle.is_locked(key):
        raise AccountLocked(locked_message())
    # The code is checked only after the password, so that a right code typed with a
    # wrong password is not spent (a TOTP code is accepted once).
    accepted = user.check_password(password) and _match_totp(user, code) is not None
    if not accepted:
        _second_factor_failed(user, action="accounts.reauth_failed")
        raise AccountError(WRONG_REAUTH_MESSAGE)
    with transaction.atomic():
        throttle.clear(key)
        audit.record(actor_id=user.pk, action="accounts.reauthenticated")


def _second_factor_failed(user: StaffUser, *, action: str) -> None:
    """Someone who fails here already knew the password, so the lock that follows also
    closes the password step for this account."""
    with transaction.atomic():
        audit.record(actor_id=user.pk, action=action)
        locked = throttle.register_failure(throttle.second_factor_key(user.pk))
        if locked:
            throttle.lock(throttle.password_key(user.get_username()))
            audit.record(actor_id=user.pk, action="accounts.second_factor_locked")
    if locked:
        raise AccountLocked(locked_message())


def _normalise_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code).lower()


def _match_second_factor(user: StaffUser, code: str) -> Any:
    normalised = _normalise_code(code)
    if _TOTP_CODE.match(normalised):
        return _match_totp(user, normalised)
    if _RECOVERY_CODE.match(normalised):
        with transaction.atomic():
            # Locked, so that one recovery code cannot be spent twice at once.
            for device in RecoveryCodeDevice.objects.select_for_update().filter(
                user=user, confirmed=True
            ):
                if device.verify_token(normalised):
                    return device
    return None


def _match_totp(user: StaffUser, code: str) -> Any:
    normalised = _normalise_code(code)
    if not _TOTP_CODE.match(normalised):
        return None
    with transaction.atomic():
        # Locked, so that one code cannot be accepted twice by two workers at once.
        for device in SealedTOTPDevice.objects.select_for_update().filter(
            user=user, confirmed=True
        ):
            if device.verify_token(normalised):
                return device
    return None


@transaction.atomic
def record_sign_out(*, user_id: int) -> None:
    audit.record(actor_id=user_id, action="accounts.signed_out")


@transaction.atomic
def record_session_expired(*, user_id: int) -> None:
    audit.record(actor_id=user_id, action="accounts.session_expired")


# --- Two-factor enrolment -------------------------------------------------------------


def enrol_totp(*, user: StaffUser) -> Any:
    """An unconfirmed TOTP device for the user to add to their app. Asking again before
    confirming gives the same one, so reloading the page does not change the secret
    while someone is scanning it. A confirmed device is never replaced here: only an
    administrator's reset removes it, or a stolen password could swap it."""
    if SealedTOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise AccountError(
            _("This account already has two-factor sign-in. An administrator can reset it.")
        )
    pending = SealedTOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if pending is not None:
        return pending
    return _new_totp_device(user)


@transaction.atomic
def _new_totp_device(user: StaffUser) -> SealedTOTPDevice:
    """A device with a fresh 160-bit secret (django-otp's default size), sealed under a
    data key of its own. The row is saved before the secret, whose associated data names
    the row's id."""
    device: SealedTOTPDevice = SealedTOTPDevice.objects.create(
        user=user, name=TOTP_DEVICE_NAME, confirmed=False, data_key=datakeys.create_data_key()
    )
    device.secret = random_hex(20)
    device.save(update_fields=["secret"])
    return device


@transaction.atomic
def confirm_totp(*, user: StaffUser, device: Any, token: str) -> None:
    """The person shows that their app holds the secret by typing its current code."""
    device = SealedTOTPDevice.objects.select_for_update().filter(pk=device.pk, user=user).first()
    if device is None or device.confirmed:
        raise AccountError(_("This set-up is no longer valid. Reload the page to start again."))
    normalised = _normalise_code(token)
    if not _TOTP_CODE.match(normalised) or not device.verify_token(normalised):
        raise AccountError(WRONG_TOTP_MESSAGE)
    _confirm_device(user, device)


def _confirm_device(user: StaffUser, device: Any) -> None:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    _delete_sealed_devices(SealedTOTPDevice.objects.filter(user=user, confirmed=False))
    audit.record(
        actor_id=user.pk,
        action="accounts.totp_enrolled",
        object_type=_STAFF,
        object_id=str(user.pk),
    )


@transaction.atomic
def issue_recovery_codes(*, actor_id: int | None, user: StaffUser) -> list[str]:
    """Ten new single-use codes; any earlier ones stop working. The codes are returned
    to be shown once and are not shown again."""
    device, _ = RecoveryCodeDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    RecoveryCodeDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.codes.all().delete()
    codes: list[str] = []
    while len(codes) < RECOVERY_CODE_COUNT:
        code = _random_recovery_code()
        if code not in codes:
            codes.append(code)
    # Only the keyed digests are stored: the codes themselves exist from here on only on
    # the page that shows them once (and on the person's paper).
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, digest=recovery_code_digest(user.pk, code)) for code in codes
    )
    audit.record(
        actor_id=actor_id,
        action="accounts.recovery_codes_issued",
        object_type=_STAFF,
        object_id=str(user.pk),
    )
    return codes


@transaction.atomic
def complete_enrolment(*, user: StaffUser, device: Any, token: str) -> list[str]:
    """The last step of a first sign-in: confirm the app, issue recovery codes, and
    count this as a successful sign-in. All or nothing."""
    confirm_totp(user=user, device=device, token=token)
    codes = issue_recovery_codes(actor_id=user.pk, user=user)
    throttle.clear(throttle.second_factor_key(user.pk))
    throttle.clear(throttle.password_key(user.get_username()))
    audit.record(actor_id=user.pk, action="accounts.login_succeeded")
    return codes


# --- One's own account ------------------------------------------------------------


def change_password(*, user: StaffUser, current_password: str, new_password: str) -> None:
    """A wrong current password counts like a wrong code: someone at an unattended
    screen must not be able to guess it at leisure."""
    key = throttle.second_factor_key(user.pk)
    if throttle.is_locked(key):
        raise AccountLocked(locked_message())
    if not user.check_password(current_password):
        _second_factor_failed(user, action="accounts.password_change_failed")
        raise AccountError(_("That is not your current password."))
    if current_password == new_password:
        raise AccountError(_("Choose a new password that differs from the current one."))
    _validate_new_password(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.password_change_required = False
        user.save(update_fields=["password", "password_change_required"])
        audit.record(
            actor_id=user.pk,
            action="accounts.password_changed",
            object_type=_STAFF,
            object_id=str(user.pk),
        )


# --- Security keys (WebAuthn) ---------------------------------------------------------
#
# The ceremonies are checked by fido2 (accounts/webauthn.py); what to keep and who is
# signed in is decided here, with the same throttle and audit entries as a code. The
# views keep each ceremony's state in the session (one use, short-lived).


def _credentials(devices: Any) -> list[tuple[Any, webauthn.Credential]]:
    """The public halves of these devices (opening each: they are sealed)."""
    return [
        (
            device,
            webauthn.Credential(
                credential_id=webauthn.decode(device.credential_id),
                public_key=webauthn.decode(device.public_key),
            ),
        )
        for device in devices
    ]


def begin_security_key_registration(*, user: StaffUser) -> tuple[dict[str, Any], dict[str, Any]]:
    """Options for the browser, and the state to keep until the answer comes."""
    existing = [c for _, c in _credentials(SecurityKeyDevice.objects.filter(user=user))]
    return webauthn.registration_options(user_id=user.pk, existing=existing)


def _clean_label(label: str) -> str:
    label = " ".join(label.split())
    if not label:
        raise AccountError(_("Give the key a name, so you can tell your keys apart."))
    if len(label) > SECURITY_KEY_LABEL_MAX_LENGTH:
        raise AccountError(
            _("Key names have at most %(n)d characters.") % {"n": SECURITY_KEY_LABEL_MAX_LENGTH}
        )
    return label


def add_security_key(*, user: StaffUser, state: Any, response: Any, label: str) -> Any:
    """Keep the key the browser just registered. The caller has re-authenticated the
    member (recent_authentication_required): a stolen session alone cannot add a key."""
    label = _clean_label(label)
    try:
        credential = webauthn.complete_registration(state=state, user_id=user.pk, response=response)
    except webauthn.CeremonyError:
        raise AccountError(
            _("The security key was not added. Reload the page and try again.")
        ) from None
    with transaction.atomic():
        for _device, known in _credentials(SecurityKeyDevice.objects.filter(user=user)):
            if known.credential_id == credential.credential_id:
                raise AccountError(_("That security key is already on your account."))
        device: SecurityKeyDevice = SecurityKeyDevice.objects.create(
            user=user,
            name=SECURITY_KEY_DEVICE_NAME,
            confirmed=True,
            data_key=datakeys.create_data_key(),
        )
        # Sealed after the first save: the associated data names the row's id.
        device.label = label
        device.credential_id = webauthn.encode(credential.credential_id)
        device.public_key = webauthn.encode(credential.public_key)
        device.save(update_fields=["label", "credential_id", "public_key"])
        audit.record(
            actor_id=user.pk,
            action="accounts.security_key_added",
            object_type=_STAFF,
            object_id=str(user.pk),
        )
    return device


def begin_security_key_sign_in(*, user: StaffUser) -> tuple[dict[str, Any], dict[str, Any]]:
    """The challenge for the second step, naming this member's keys only."""
    if throttle.is_locked(throttle.second_factor_key(user.pk)):
        raise AccountLocked(locked_message())
    credentials = [
        c for _, c in _credentials(SecurityKeyDevice.objects.filter(user=user, confirmed=True))
    ]
    if not credentials:
        raise AccountError(_("This account has no security key. Enter a code instead."))
    return webauthn.authentication_options(user_id=user.pk, credentials=credentials)


def verify_security_key(*, user: StaffUser, state: Any, response: Any) -> Any:
    """The second step with a security key: the answer must be signed by one of this
    member's keys over this session's challenge, for this site, and the key's counter
    must have gone up (or both be zero: some keys keep none). A counter that does not
    go up means two keys answer for one credential, a copy: it is refused and audited.
    Failures count like a wrong code. Returns the device; the caller marks the session
    verified (a new session key), as for a code."""
    key = throttle.second_factor_key(user.pk)
    if throttle.is_locked(key):
        raise AccountLocked(locked_message())
    with transaction.atomic():
        # Locked, so that two answers to one challenge cannot both move the counter.
        devices = _credentials(
            SecurityKeyDevice.objects.select_for_update().filter(user=user, confirmed=True)
        )
        try:
            assertion = webauthn.complete_authentication(
                state=state, user_id=user.pk, credentials=[c for _, c in devices], response=response
            )
        except webauthn.CeremonyError:
            assertion = None
        device, cloned = None, False
        if assertion is not None:
            device = next(d for d, c in devices if c.credential_id == assertion.credential_id)
            if (assertion.counter or device.sign_count) and assertion.counter <= device.sign_count:
                cloned = True
            else:
                device.sign_count = assertion.counter
                device.set_last_used_timestamp(commit=False)
                device.save(update_fields=["sign_count", "last_used_at"])
    if device is None:
        _second_factor_failed(user, action="accounts.security_key_failed")
        raise AccountError(WRONG_KEY_MESSAGE)
    if cloned:
        _second_factor_failed(user, action="accounts.security_key_counter_went_back")
        raise AccountError(CLONED_KEY_MESSAGE)
    with transaction.atomic():
        throttle.clear(key)
        throttle.clear(throttle.password_key(user.get_username()))
        audit.record(actor_id=user.pk, action="accounts.login_succeeded")
    return device


@transaction.atomic
def remove_security_key(*, user: StaffUser, device_id: int) -> None:
    """Remove one of one's own keys (after re-authentication), destroying its data key.
    Refused if it would leave no second factor; recovery codes alone do not count, as
    they are for a lost phone, not for everyday sign-in."""
    device = SecurityKeyDevice.objects.select_for_update().filter(pk=device_id, user=user).first()
    if device is None:
        raise AccountError(_("That security key is not on your account."))
    others = (
        SealedTOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or SecurityKeyDevice.objects.filter(user=user, confirmed=True)
        .exclude(pk=device.pk)
        .exists()
    )
    if not others:
        raise AccountError("This is your only second factor: set up another before removing it.")
    _delete_sealed_devices(SecurityKeyDevice.objects.filter(pk=device.pk))
    audit.record(
        actor_id=user.pk,
        action="accounts.security_key_removed",
        object_type=_STAFF,
        object_id=str(user.pk),
    )


def staff_languages() -> list[str]:
    """The codes a member of staff may choose (settings.LANGUAGES)."""
    return [code for code, _name in settings.LANGUAGES]


@transaction.atomic
def set_language(*, user: StaffUser, language: str) -> None:
    """The language of one's own staff pages; empty: follow the browser. An account
    change like the others, so it is on the audit record (the code only)."""
    if language and language not in staff_languages():
        raise AccountError(_("Choose one of the listed languages."))
    user.language = language
    user.save(update_fields=["language"])
    audit.record(
        actor_id=user.pk,
        action="accounts.language_changed",
        object_type=_STAFF,
        object_id=str(user.pk),
    )


# --- Administration ---------------------------------------------------------------


def create_staff(
    *,
    actor_id: int | None,
    username: str,
    role: Role,
    password: str,
    must_change_password: bool = False,
) -> StaffUser:
    """A new member of staff with one role. ``must_change_password`` is for a password
    an administrator chose: the person replaces it at first sign-in."""
    role = _as_role(role)
    _validate_username(username)
    if StaffUser.objects.filter(username__iexact=username).exists():
        raise AccountError(_("That username is already taken."))
    user = StaffUser(username=username, password_change_required=must_change_password)
    _validate_new_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            user.groups.set([_group(role)])
            audit.record(
                actor_id=actor_id,
                action="accounts.staff_created",
                object_type=_STAFF,
                object_id=str(user.pk),
            )
    except IntegrityError as exc:  # the same name, created a moment ago by someone else
        raise AccountError(_("That username is already taken.")) from exc
    return user


@transaction.atomic
def set_role(*, actor_id: int | None, user: StaffUser, role: Role) -> None:
    role = _as_role(role)
    user = _locked(user)
    if role_of(user) == Role.ADMINISTRATOR and role != Role.ADMINISTRATOR:
        if actor_id == user.pk:
            raise AccountError(_("You cannot remove your own administrator role."))
        _keep_one_administrator(user)
    user.groups.remove(*Group.objects.filter(name__in=[r.value for r in Role]))
    user.groups.add(_group(role))
    audit.record(
        actor_id=actor_id,
        action="accounts.role_changed",
        object_type=_STAFF,
        object_id=str(user.pk),
    )


@transaction.atomic
def deactivate_staff(*, actor_id: int | None, user: StaffUser) -> None:
    """The person can no longer sign in, and every session they have ends."""
    user = _locked(user)
    if actor_id == user.pk:
        raise AccountError(_("You cannot deactivate your own account."))
    if not user.is_active:
        raise AccountError(_("This account is already deactivated."))
    if role_of(user) == Role.ADMINISTRATOR:
        _keep_one_administrator(user)
    user.is_active = False
    user.session_generation = F("session_generation") + 1
    user.save(update_fields=["is_active", "session_generation"])
    audit.record(
        actor_id=actor_id,
        action="accounts.staff_deactivated",
        object_type=_STAFF,
        object_id=str(user.pk),
    )


@transaction.atomic
def reactivate_staff(*, actor_id: int | None, user: StaffUser) -> None:
    user = _locked(user)
    if user.is_active:
        raise AccountError(_("This account is already active."))
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit.record(
        actor_id=actor_id,
        action="accounts.staff_reactivated",
        object_type=_STAFF,
        object_id=str(user.pk),
    )


@transaction.atomic
def reset_two_factor(*, actor_id: int | None, user: StaffUser) -> None:
    """For a lost phone: the authenticator app, security keys and recovery codes are
    removed and every session ends; at the next sign-in the person sets up two-factor again."""
    user = _locked(user)
    if actor_id == user.pk:
        raise AccountError(
            _("You cannot reset your own two-factor sign-in. Ask another administrator.")
        )
    _delete_sealed_devices(
        SealedTOTPDevice.objects.filter(user=user), SecurityKeyDevice.objects.filter(user=user)
    )
    RecoveryCodeDevice.objects.filter(user=user).delete()
    throttle.clear(throttle.second_factor_key(user.pk))
    StaffUser.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    audit.record(
        actor_id=actor_id,
        action="accounts.two_factor_reset",
        object_type=_STAFF,
        object_id=str(user.pk),
    )


@transaction.atomic
def end_all_sessions(*, actor_id: int | None, user: StaffUser) -> None:
    """Sign the user out everywhere: every session started before now is refused at its
    next request (see middleware.IdleTimeoutMiddleware)."""
    StaffUser.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    audit.record(
        actor_id=actor_id,
        action="accounts.sessions_ended",
        object_type=_STAFF,
        object_id=str(user.pk),
    )


# --- Demo organisation ------------------------------------------------------------


@dataclass(frozen=True)
class DemoStaff:
    username: str
    password: str
    role: Role
    totp_secret_base32: str
    recovery_codes: list[str] = field(default_factory=list)


@transaction.atomic
def provision_demo_staff(*, username: str, role: Role, password: str) -> DemoStaff:
    """A demo account that is ready to sign in: its TOTP secret (for any authenticator
    app) and recovery codes are returned once, to be printed for the tester. Refused
    outside demo mode, where nobody's second factor may be known to the server's
    operator."""
    if not settings.DEMO_MODE:
        raise AccountError(_("Demo staff are created only in WAYSTATION_MODE=demo."))
    user = create_staff(actor_id=None, username=username, role=role, password=password)
    device = enrol_totp(user=user)
    # Confirmed without spending a code, so that the tester's first code (maybe in this
    # same 30-second step) is still accepted.
    _confirm_device(user, device)
    codes = issue_recovery_codes(actor_id=None, user=user)
    return DemoStaff(
        username=user.get_username(),
        password=password,
        role=_as_role(role),
        totp_secret_base32=b32encode(device.bin_key).decode("ascii"),
        recovery_codes=codes,
    )


# --- Helpers ----------------------------------------------------------------------


def current_totp_code(device: Any) -> str:
    """The code a device's app shows now (for the demo and the tests, never shown to
    anyone by the server)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def _random_recovery_code() -> str:
    """Eight characters of base32 (40 bits), as django-otp's static tokens: short
    enough to type from paper, and useless without the account's password."""
    return b32encode(secrets.token_bytes(5)).decode("ascii").lower()


def _delete_sealed_devices(*querysets: Any) -> None:
    """Delete devices and destroy their data keys, as a shred does: the KEKs rotate
    (once for all of them), so a database copy taken before cannot open the secret with
    today's key store, and each key goes on the shred ledger, so a restore of an older
    backup destroys it again (a reset phone or removed key must not sign in again after
    a restore)."""
    data_key_ids: list[str] = []
    for devices in querysets:
        data_key_ids += [key for key in devices.values_list("data_key_id", flat=True) if key]
        devices.delete()
    if not data_key_ids:
        return
    vault_services.shred_data_key(
        actor_id=None, data_key_id=data_key_ids[0], also_shred=data_key_ids[1:]
    )
    for data_key_id in data_key_ids:
        ledger.record_shred("key", data_key_id)


def forget_devices_sealed_under(data_key_id: str) -> None:
    """For a restore replaying the shred ledger: the second-factor devices whose data
    key is destroyed again go with it, so the old phone's codes are refused rather than
    failing to open. Checks nobody's permission."""
    SealedTOTPDevice.objects.filter(data_key_id=data_key_id).delete()
    SecurityKeyDevice.objects.filter(data_key_id=data_key_id).delete()


def _as_role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise AccountError(_("Choose one of the listed roles.")) from None


def _group(role: Role) -> Group:
    try:
        return Group.objects.get(name=role.value)
    except Group.DoesNotExist:
        raise ImproperlyConfigured(
            f"the group for role {role!r} is missing: run `waystation roles sync`"
        ) from None


def _locked(user: StaffUser) -> StaffUser:
    return StaffUser.objects.select_for_update().get(pk=user.pk)


def _keep_one_administrator(leaving: StaffUser) -> None:
    remaining = (
        StaffUser.objects.filter(is_active=True, groups__name=Role.ADMINISTRATOR.value)
        .exclude(pk=leaving.pk)
        .exists()
    )
    if not remaining:
        raise AccountError(_("At least one active administrator must remain."))


def _validate_username(username: str) -> None:
    if not username or username != username.strip():
        raise AccountError(_("Enter a username without spaces at the start or end."))
    if len(username) > USERNAME_MAX_LENGTH:
        raise AccountError(
            _("Usernames have at most %(count)d characters.") % {"count": USERNAME_MAX_LENGTH}
        )
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError as exc:
        raise AccountError(" ".join(exc.messages)) from None


def _validate_new_password(password: str, user: StaffUser) -> None:
    if len(password) > PASSWORD_MAX_LENGTH:
        raise AccountError(
            _("Passwords have at most %(count)d characters.") % {"count": PASSWORD_MAX_LENGTH}
        )
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise AccountError(" ".join(exc.messages)) from None
