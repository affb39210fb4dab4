"""Existing second factors move into the sealed devices of 0007, and out of clear.

Every confirmed django-otp TOTP device becomes a ``SealedTOTPDevice`` with the same
secret, now sealed under a data key of its own, and the clear row is deleted. Every
unused recovery code becomes a keyed digest, and its clear row is deleted. Unconfirmed
devices (a set-up never finished) are simply deleted: the person starts it again.

Deleted rows do not vanish from a database's files by themselves: SQLite leaves them in
free space and PostgreSQL in dead tuples until a vacuum. So the clear rows are deleted
with SQLite's ``secure_delete`` on (the space is zeroed) and, once committed, the
write-ahead log is checkpointed and truncated (SQLite) or the tables rewritten with
``VACUUM FULL`` (PostgreSQL). Copies made before this migration (backups, replicas,
archived WAL) still hold the secrets: docs/operations.md says what to do with them.

Sealing needs the vault unsealed. With devices to convert and the vault sealed the
migration stops with a message and changes nothing; with none it needs no keys.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, transaction

_CLEAR_TABLES = ("otp_static_statictoken", "otp_static_staticdevice", "otp_totp_totpdevice")


class SecondFactorsNeedVault(RuntimeError):
    pass


def seal_existing(apps: Any, schema_editor: Any) -> None:
    clear_totp = apps.get_model("otp_totp", "TOTPDevice")
    clear_static = apps.get_model("otp_static", "StaticDevice")
    clear_tokens = apps.get_model("otp_static", "StaticToken")
    sealed_totp = apps.get_model("accounts", "SealedTOTPDevice")
    recovery_device = apps.get_model("accounts", "RecoveryCodeDevice")
    recovery_code = apps.get_model("accounts", "RecoveryCode")
    connection = schema_editor.connection
    if clear_totp.objects.exists() or clear_static.objects.exists():
        with transaction.atomic(using=connection.alias):
            _convert(
                clear_totp, clear_static, clear_tokens, sealed_totp, recovery_device, recovery_code
            )
    # Also when there was nothing to convert: a run whose scrub failed after the
    # conversion had committed is not recorded as applied, and the next run finds the
    # tables empty but their free space not yet clean.
    _scrub_free_space(connection)


def _convert(
    clear_totp: Any,
    clear_static: Any,
    clear_tokens: Any,
    sealed_totp: Any,
    recovery_device: Any,
    recovery_code: Any,
) -> None:
    from waystation.accounts.models import recovery_code_digest
    from waystation.vault.datakeys import create_data_key
    from waystation.vault.keyring import VaultSealed

    try:
        for old in clear_totp.objects.filter(confirmed=True).order_by("pk"):
            new = sealed_totp.objects.create(
                user_id=old.user_id,
                name=old.name,
                confirmed=True,
                data_key_id=create_data_key().id,
                step=old.step,
                t0=old.t0,
                digits=old.digits,
                tolerance=old.tolerance,
                drift=old.drift,
                last_t=old.last_t,
                created_at=old.created_at,
                last_used_at=old.last_used_at,
            )
            new.secret = str(old.key).lower()
            new.save(update_fields=["secret"])
        for old in clear_static.objects.filter(confirmed=True).order_by("pk"):
            new = recovery_device.objects.create(user_id=old.user_id, name=old.name, confirmed=True)
            recovery_code.objects.bulk_create(
                recovery_code(device=new, digest=recovery_code_digest(old.user_id, token))
                for token in {
                    str(t).lower()
                    for t in clear_tokens.objects.filter(device=old).values_list("token", flat=True)
                }
            )
    except VaultSealed as exc:
        raise SecondFactorsNeedVault(
            "Staff second factors are stored in clear and this migration seals them: "
            "unseal the vault (waystation unseal), then run migrate again."
        ) from exc
    connection = transaction.get_connection()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete = ON")
    clear_tokens.objects.all().delete()
    clear_static.objects.all().delete()
    clear_totp.objects.all().delete()


def _scrub_free_space(connection: Any) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        elif connection.vendor == "postgresql":
            quoted = ", ".join(connection.ops.quote_name(t) for t in _CLEAR_TABLES)
            cursor.execute(f"VACUUM FULL {quoted}")


def refuse_to_unseal(apps: Any, schema_editor: Any) -> None:
    sealed_totp = apps.get_model("accounts", "SealedTOTPDevice")
    recovery_device = apps.get_model("accounts", "RecoveryCodeDevice")
    if sealed_totp.objects.exists() or recovery_device.objects.exists():
        raise SecondFactorsNeedVault(
            "Second factors are not put back in clear: reset every member of staff's "
            "two-factor sign-in first if you must go back past this migration."
        )


class Migration(migrations.Migration):
    # Not one transaction: the free space is scrubbed after the conversion has committed
    # (neither a checkpoint nor VACUUM runs inside a transaction). The conversion itself
    # is all or nothing (see seal_existing).
    atomic = False

    dependencies = [
        ("accounts", "0007_sealed_second_factors"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(seal_existing, refuse_to_unseal)]
