from __future__ import annotations

import time
from base64 import b32encode
from binascii import unhexlify
from typing import Any, ClassVar, TypeAlias
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP

from waystation.vault import blind
from waystation.vault.fields import SealedTextField
from waystation.vault.models import DataKey


class StaffUserManager(UserManager["StaffUser"]):
    def create_superuser(self, *args: Any, **kwargs: Any) -> StaffUser:
        # A superuser passes every permission check, so it would read cases without being
        # granted them (docs/design.md §2.5). Administrators are a role like any other.
        raise ValueError(
            "Waystation has no superusers: create an administrator with "
            "`waystation staff create --role administrator`."
        )


# django-manager-missing: the second-factor devices below reach the user through
# django-otp's untyped Device, whose reverse managers the stubs cannot name.
class StaffUser(AbstractUser):  # type: ignore[django-manager-missing]
    """A member of staff. Applicants never have accounts: they have codenames.

    ``session_generation`` is part of every session; raising it ends all of this user's
    sessions at once (an administrator's "sign out everywhere").

    ``password_change_required`` is set when an administrator chose the password: the
    administrator knows it, so the first sign-in ends with the person choosing their own.

    ``language`` is the person's choice of language for the staff pages, or empty to
    follow the browser.
    """

    session_generation = models.PositiveIntegerField(default=0)
    password_change_required = models.BooleanField(default=False)
    # The language of the staff pages for this person (a code of settings.LANGUAGES);
    # empty: the browser's Accept-Language decides (accounts.middleware).
    language = models.CharField(max_length=8, blank=True, default="")

    objects: ClassVar[StaffUserManager] = StaffUserManager()

    class Meta:
        verbose_name = "staff user"
        # "Alice" and "alice" would be two people to the database and one to a reader.
        constraints = [
            models.UniqueConstraint(Lower("username"), name="staffuser_username_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(is_superuser=False), name="staffuser_never_superuser"
            ),
        ]
        permissions = [
            ("manage_staff", "Can add staff, set roles and end their sessions"),
            ("view_status", "Can see the installation's status (no personal data)"),
        ]


# The member of staff taking an action: what every service and selector takes as its
# ``user``. Applicants never act as one (they have codenames); the system acts with
# ``actor_id=None``.
Actor: TypeAlias = StaffUser


class LoginThrottle(models.Model):
    """Failed sign-in attempts against one username (or one user's second factor).

    Kept in the database so that every worker of a multi-process server counts the
    same failures. ``key`` is a keyed hash of the normalised username, never the name
    itself, and nothing here says where an attempt came from: Waystation writes no
    client address anywhere (docs/design.md §2.4), so throttling is per account, not per client.
    """

    key = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True, blank=True, db_index=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"throttle {self.key[:8]}… ({self.failures} failures)"


# --- Second factors -----------------------------------------------------------------
#
# django-otp's own TOTPDevice and StaticToken keep the TOTP secret and the recovery codes
# in clear columns: a copy of the database would let anyone compute a member of staff's
# codes. These devices keep the same behaviour with nothing usable at rest: the secret is
# sealed by the vault, the recovery codes are kept only as keyed digests. Both need the
# vault unsealed to check a code, as every staff page does anyway (the session table is
# keyed by a vault key, and the sealed page stands in front of sign-in).


# misc: django-otp ships no type hints, so to mypy its classes are Any.
class SealedTOTPDevice(TimestampMixin, ThrottlingMixin, Device):  # type: ignore[misc]
    """An authenticator app (TOTP, RFC 6238), its secret sealed under a data key of its
    own. The integer id is django-otp's (its persistent ids are ``<label>/<int>``); the
    secret is sealed after the first save, because the row id is part of the associated
    data (see ``accounts.services.enrol_totp``)."""

    data_key: models.OneToOneField[DataKey | None, DataKey | None] = models.OneToOneField(
        DataKey, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    secret = SealedTextField(max_length=80)  # sealed: hex of the raw TOTP key
    # operational: what django_otp.oath.TOTP takes besides the key
    step: models.PositiveSmallIntegerField[int, int] = models.PositiveSmallIntegerField(default=30)
    t0: models.BigIntegerField[int, int] = models.BigIntegerField(default=0)
    digits: models.PositiveSmallIntegerField[int, int] = models.PositiveSmallIntegerField(
        choices=[(6, 6), (8, 8)], default=6
    )
    tolerance: models.PositiveSmallIntegerField[int, int] = models.PositiveSmallIntegerField(
        default=1
    )
    drift: models.SmallIntegerField[int, int] = models.SmallIntegerField(default=0)
    # The time step of the last code accepted: a code is accepted once (no replay).
    last_t: models.BigIntegerField[int, int] = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):  # type: ignore[misc]  # as above
        verbose_name = "authenticator app"

    @property
    def bin_key(self) -> bytes:
        secret = self.secret
        if not secret:
            raise ValueError("this device has no secret yet")
        return unhexlify(secret)

    def verify_token(self, token: Any) -> bool:
        """django-otp's TOTP check (``otp_totp.TOTPDevice.verify_token``), saving only
        the columns it changes, so that the sealed secret is not sealed again."""
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        try:
            number = int(token)
        except (TypeError, ValueError):
            return False
        totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
        totp.time = time.time()
        if not totp.verify(number, self.tolerance, self.last_t + 1):
            # Not django-otp's throttle_increment(commit=True): that saves every column,
            # sealing the secret again (a new ciphertext, under a key read back for the
            # purpose) on every wrong guess.
            self.throttle_increment(commit=False)
            self.save(update_fields=["throttling_failure_timestamp", "throttling_failure_count"])
            return False
        self.last_t = totp.t()
        self.drift = totp.drift
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save(
            update_fields=[
                "last_t",
                "drift",
                "throttling_failure_timestamp",
                "throttling_failure_count",
                "last_used_at",
            ]
        )
        return True

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1))

    @property
    def config_url(self) -> str:
        """The ``otpauth://`` URL an authenticator app reads from the QR code."""
        label = str(self.user.get_username())
        params = urlencode(
            {
                "secret": b32encode(self.bin_key).decode("ascii"),
                "algorithm": "SHA1",
                "digits": self.digits,
                "period": self.step,
            }
        )
        issuer = str(getattr(settings, "OTP_TOTP_ISSUER", "") or "").replace(":", "")
        if issuer:
            label = f"{issuer}:{label}"
            params += f"&issuer={quote(issuer)}"
        return f"otpauth://totp/{quote(label)}?{params}"


class RecoveryCodeDevice(ThrottlingMixin, Device):  # type: ignore[misc]  # as above
    """The single-use recovery codes of one member of staff. Only keyed digests of the
    codes are stored (:class:`RecoveryCode`): the key is the vault's blind-index key,
    derived from the root key, so a copy of the database cannot be tested against the
    2^40 possible codes without the trustees' shares."""

    class Meta(Device.Meta):  # type: ignore[misc]  # as above
        verbose_name = "recovery codes"

    def verify_token(self, token: Any) -> bool:
        """Spends the code if it is one of this device's (the caller holds the row
        lock, so two requests cannot both spend it)."""
        allowed, _ = self.verify_is_allowed()
        if not allowed or not isinstance(token, str):
            return False
        deleted, _ = RecoveryCode.objects.filter(
            device=self, digest=recovery_code_digest(self.user_id, token)
        ).delete()
        if deleted:
            self.throttle_reset(commit=True)
            return True
        self.throttle_increment(commit=True)
        return False

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1))


def recovery_code_digest(user_id: int, code: str) -> str:
    """The keyed digest stored for a recovery code: bound to its owner, so one person's
    digest says nothing about another's code."""
    return blind.blind_digest("recovery_code", f"{user_id}\x1f{code}")


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=blind.INDEX_LENGTH)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "digest"], name="recovery_code_unique")
        ]

    def __str__(self) -> str:
        return f"recovery code of device {self.device_id}"


class SecurityKeyDevice(TimestampMixin, Device):  # type: ignore[misc]  # as above
    """A security key (WebAuthn / FIDO2), checked by Waystation's own views through
    ``accounts.services`` (the same throttle, audit entries and session-key change as a
    code), never by a library's sign-in view.

    Sealed under a data key of its own, as the TOTP secret: the name the member gave it
    (it may say whose key it is), the credential id (the authenticator's handle for the
    key pair: it identifies one physical key, so a dump would link a seized key to a
    person) and the public key (not a secret, but unique to the credential, so it
    identifies the key as well). django-otp's ``name`` column holds only the fixed
    ``"security key"``. The sign count is operational and stays clear: it is how a
    cloned key shows itself (a count that does not go up)."""

    data_key: models.OneToOneField[DataKey | None, DataKey | None] = models.OneToOneField(
        DataKey, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    label = SealedTextField(max_length=64)  # sealed: the name the member gave the key
    credential_id = SealedTextField(max_length=1400)  # sealed: base64url of the credential id
    public_key = SealedTextField(max_length=4000)  # sealed: base64url of the COSE public key
    sign_count: models.PositiveBigIntegerField[int, int] = models.PositiveBigIntegerField(default=0)

    class Meta(Device.Meta):  # type: ignore[misc]  # as above
        verbose_name = "security key"

    def verify_token(self, token: Any) -> bool:
        """A security key answers a challenge, never a typed code."""
        return False
