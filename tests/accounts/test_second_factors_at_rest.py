"""docs/design.md §2.1 for second factors: a copy of the database does not let anyone
compute a member of staff's TOTP code or use a recovery code. The TOTP secret is sealed
by the vault; recovery codes are stored as keyed digests only. Sign-in still works, and
the migration that moved existing django-otp devices out of clear is tested on real
rows, forwards, through Django's migration executor."""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from tests.accounts.conftest import is_fully_signed_in, sign_in_fully, sign_in_with_password
from tests.factories import make_staff, stored_recovery_digests, totp_now
from tests.vault.plaintext import database_bytes, find_forms
from waystation.accounts import services
from waystation.accounts.models import RecoveryCode, SealedTOTPDevice, StaffUser
from waystation.accounts.roles import Role
from waystation.vault.keyservice import VaultSealed

BEFORE = [("accounts", "0007_sealed_second_factors")]
AFTER = [("accounts", "0008_seal_existing_second_factors")]


def _engine(name: str) -> object:
    return pytest.param(
        name,
        marks=pytest.mark.skipif(
            connection.vendor != name,
            reason=f"this check is for {name}; the suite runs on {connection.vendor}",
        ),
    )


ENGINES = [_engine("sqlite"), _engine("postgresql")]


def secret_forms(secret: bytes) -> list[str]:
    """The secret as an authenticator app or django-otp would write it down."""
    b32 = base64.b32encode(secret).decode()
    return [binascii.hexlify(secret).decode(), b32, b32.rstrip("="), b32.lower()]


def raw_leaks(haystack: bytes, secret: bytes) -> list[str]:
    forms = {
        "raw": secret,
        "base64": base64.b64encode(secret),
        "base64url": base64.urlsafe_b64encode(secret),
    }
    return [name for name, form in forms.items() if form in haystack]


def assert_no_second_factor_in(haystack: bytes, secret: bytes, codes: list[str]) -> None:
    leaks = find_forms(haystack, [*secret_forms(secret), *codes]) + raw_leaks(haystack, secret)
    assert leaks == [], f"a second factor is readable in the stored bytes: {leaks[:5]}"


@pytest.mark.parametrize("engine", ENGINES)
def test_database_dump_holds_no_totp_secret_and_no_recovery_code(engine, transactional_db):
    user = make_staff(Role.CASEWORKER, "atrest")
    codes = services.issue_recovery_codes(actor_id=user.pk, user=user)
    secret = SealedTOTPDevice.objects.get(user=user).bin_key
    digest = RecoveryCode.objects.filter(device__user=user).values_list("digest", flat=True)[0]

    haystack = database_bytes()

    assert find_forms(haystack, [digest]), "not vacuous: the stored digests are read"
    assert_no_second_factor_in(haystack, secret, codes)


def test_signing_in_with_the_sealed_secret_and_a_hashed_recovery_code_works(db):
    user = make_staff(Role.CASEWORKER)
    codes = services.issue_recovery_codes(actor_id=user.pk, user=user)
    sign_in_fully(user)

    client = Client()
    sign_in_with_password(client, user.username)
    client.post(reverse("accounts:verify"), {"code": codes[3].upper()})

    assert is_fully_signed_in(client)
    assert len(stored_recovery_digests(user)) == len(codes) - 1


def test_a_recovery_code_is_spent_once(db):
    user = make_staff(Role.CASEWORKER)
    codes = services.issue_recovery_codes(actor_id=user.pk, user=user)
    services.verify_second_factor(user=user, code=codes[0])

    with pytest.raises(services.AccountError):
        services.verify_second_factor(user=user, code=codes[0])


def test_checking_a_code_needs_the_vault_unsealed(db, vault):
    """Sealed, nobody signs in (the staff pages are the sealed page anyway): the secret
    and the digests are out of reach, and the refusal spends nothing."""
    user = make_staff(Role.CASEWORKER)
    codes = services.issue_recovery_codes(actor_id=user.pk, user=user)
    vault.seal()

    with pytest.raises(VaultSealed):
        services.verify_second_factor(user=user, code=codes[0])
    with pytest.raises(VaultSealed):
        services.verify_second_factor(user=user, code="123456")
    assert len(stored_recovery_digests(user)) == len(codes)


def test_resetting_two_factor_destroys_the_sealed_secret(db):
    admin = make_staff(Role.ADMINISTRATOR)
    user = make_staff(Role.CASEWORKER)
    data_key = SealedTOTPDevice.objects.get(user=user).data_key
    assert data_key is not None

    services.reset_two_factor(actor_id=admin.pk, user=user)

    data_key.refresh_from_db()
    assert data_key.is_shredded
    assert not SealedTOTPDevice.objects.filter(user=user).exists()


# --- the migration ---------------------------------------------------------------------


KNOWN_SECRET = bytes(range(100, 120))  # 20 bytes, as django-otp makes them
KNOWN_CODES = ["abcdefgh", "ijklmnop", "qrstuvwx"]


def _migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _plant_clear_devices(user_id: int) -> None:
    """What django-otp stored before 0008: the secret and the codes in clear."""
    otp = [("otp_totp", "0003_add_timestamps"), ("otp_static", "0003_add_timestamps")]
    state = MigrationExecutor(connection).loader.project_state([*BEFORE, *otp]).apps
    clear_totp = state.get_model("otp_totp", "TOTPDevice")
    clear_static = state.get_model("otp_static", "StaticDevice")
    clear_token = state.get_model("otp_static", "StaticToken")
    clear_totp.objects.create(
        user_id=user_id, name="authenticator app", confirmed=True, key=KNOWN_SECRET.hex()
    )
    clear_totp.objects.create(user_id=user_id, name="never finished", confirmed=False)
    static = clear_static.objects.create(user_id=user_id, name="recovery codes", confirmed=True)
    for code in KNOWN_CODES:
        clear_token.objects.create(device=static, token=code)


def _clear_rows() -> int:
    with connection.cursor() as cursor:
        total = 0
        for table in ("otp_totp_totpdevice", "otp_static_statictoken", "otp_static_staticdevice"):
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            total += cursor.fetchone()[0]
        return total


@pytest.fixture
def before_0008(transactional_db):
    """The database as 0007 left it, with a member of staff on clear django-otp devices;
    migrated forward again afterwards, whatever the test did."""
    user = StaffUser.objects.create_user(username="migrated", password="plum-kettle-harbour-47")
    _migrate(BEFORE)
    _plant_clear_devices(user.pk)
    yield user
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.slow
def test_migration_seals_an_existing_clear_device_and_it_still_signs_in(before_0008):
    user = before_0008
    assert _clear_rows() == 6, "not vacuous: the clear rows are there"

    _migrate(AFTER)

    assert _clear_rows() == 0
    device = SealedTOTPDevice.objects.get(user=user)
    assert device.confirmed and device.bin_key == KNOWN_SECRET
    assert_no_second_factor_in(database_bytes(), KNOWN_SECRET, KNOWN_CODES)
    # The person's app and paper codes keep working.
    assert services.verify_second_factor(user=user, code=totp_now(user)) is not None
    assert services.verify_second_factor(user=user, code="IJKL-MNOP") is not None
    assert len(stored_recovery_digests(user)) == 2


@pytest.mark.slow
def test_migration_with_the_vault_sealed_stops_and_changes_nothing(before_0008, vault, tmp_path):
    vault.seal()

    with pytest.raises(RuntimeError, match="unseal the vault"):
        _migrate(AFTER)

    assert _clear_rows() == 6
    assert not SealedTOTPDevice.objects.exists()
    vault.unseal_with_demo_key_file(tmp_path / "keys" / "test-root-key")  # for the teardown


def test_no_code_uses_django_otps_clear_devices():
    """django-otp's TOTP and static plugins stay installed only so that 0008 can read
    (and empty) their tables: a new use of their models would store secrets in clear."""
    src = Path(__file__).resolve().parents[2] / "src" / "waystation"
    users = [
        str(path.relative_to(src))
        for path in src.rglob("*.py")
        if "migrations" not in path.parts
        and path.name != "settings.py"
        and re.search(r"plugins\.otp_(totp|static)", path.read_text())
    ]
    assert users == []


def test_resetting_two_factor_from_the_command_while_sealed_is_refused(db, vault):
    user = make_staff(Role.CASEWORKER)
    vault.seal()

    with pytest.raises(CommandError, match="sealed"):
        call_command("staff", "reset-two-factor", user.username)

    assert SealedTOTPDevice.objects.filter(user=user, confirmed=True).exists()


def _stored_secret_column(device_pk: int) -> object:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT secret FROM {SealedTOTPDevice._meta.db_table} WHERE id = %s", [device_pk]
        )
        return cursor.fetchone()[0]


def test_a_wrong_code_is_counted_without_sealing_the_secret_again(db):
    """A wrong guess writes the failure count only: the sealed secret's stored bytes
    stay as they were (django-otp's own throttle_increment saves every column)."""
    user = make_staff(Role.CASEWORKER)
    device = SealedTOTPDevice.objects.get(user=user)
    wrong = f"{(int(totp_now(user)) + 1) % 1_000_000:06d}"
    stored = _stored_secret_column(device.pk)

    with pytest.raises(services.AccountError):
        services.verify_second_factor(user=user, code=wrong)

    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    assert _stored_secret_column(device.pk) == stored
