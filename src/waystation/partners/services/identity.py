"""This installation's own age identity: partners (and other Waystation installations)
encrypt the packages they send us to its public half, shown on the identity page. The
private half is sealed under a data key of its own, so it opens only while the vault is
unsealed, and never reaches the public process."""

from __future__ import annotations

from django.db import transaction

from waystation.partners.models import InstallationIdentity
from waystation.partners.services.common import record
from waystation.vault import age, datakeys


@transaction.atomic
def ensure_installation_identity(*, actor_id: int | None) -> InstallationIdentity:
    """The current identity, made if there is none (needs the vault unsealed)."""
    current = (
        InstallationIdentity.objects.select_for_update()
        .filter(retired_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if current is not None:
        return current
    made = age.new_identity()
    identity = InstallationIdentity(
        recipient=made.recipient, data_key_id=datakeys.create_data_key().id
    )
    identity.secret = made.secret
    identity.save(force_insert=True)
    record(actor_id, "partners.identity_created", "installation_identity", identity.id)
    return identity


def installation_recipient() -> str:
    """The public half partners encrypt to, or "" if there is no identity yet."""
    row = (
        InstallationIdentity.objects.filter(retired_at__isnull=True)
        .order_by("-created_at")
        .values_list("recipient", flat=True)
        .first()
    )
    return row or ""


def _secrets() -> list[str]:
    """Every identity not retired, opened: a package encrypted to the one before a
    change still opens. Opened through the sealed field (VaultSealed when sealed)."""
    return [
        identity.secret
        for identity in InstallationIdentity.objects.filter(retired_at__isnull=True).order_by(
            "-created_at"
        )
    ]
