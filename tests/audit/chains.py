"""Helpers for the audit log's tests."""

from __future__ import annotations

from waystation.audit import services as audit
from waystation.audit.models import AuditEntry, AuditHead


def build_chain(length: int) -> list[AuditEntry]:
    """A fresh chain of ``length`` entries, of varied actions, actors and objects."""
    AuditEntry.objects.all().delete()
    AuditHead.objects.all().delete()
    actions = ["case.opened", "case.document_added", "vault.keys_rotated", "account.signed_in"]
    return [
        audit.record(
            actor_id=None if n % 5 == 0 else n,
            action=actions[n % len(actions)],
            object_type="case" if n % 2 else "",
            object_id=f"c{n:015d}" if n % 2 else "",
        )
        for n in range(1, length + 1)
    ]
