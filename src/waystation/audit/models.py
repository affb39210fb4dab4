from __future__ import annotations

import hashlib
import json

from django.db import models

GENESIS_HASH = "0" * 64


class AuditEntry(models.Model):
    """One action, chained to the one before by a SHA-256 hash.

    Holds ids and action names only, never personal data: the log must be safe to show
    to an auditor who may not read cases.
    """

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    # A partner organisation that acted through its API token (its random id, never a
    # person's name): such an action speaks for no member of staff, so ``actor_id`` is
    # empty and this names who did it.
    actor_partner_id = models.CharField(max_length=16, blank=True, default="")
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def compute_hash(self) -> str:
        fields: list[object] = [
            self.seq,
            self.at.isoformat(),
            self.actor_id,
            self.action,
            self.object_type,
            self.object_id,
            self.prev_hash,
        ]
        # Appended only when set: every entry written before the field existed keeps the
        # hash it was chained with, and a partner's entry cannot pass for a staff one.
        if self.actor_partner_id:
            fields.append({"partner": self.actor_partner_id})
        payload = json.dumps(fields, separators=(",", ":"))
        # hashlib here, not vault.primitives: audit sits below the vault
        # (docs/design.md §4.3), and the chain hash is unkeyed over ids anyway.
        return hashlib.sha256(payload.encode()).hexdigest()


class AuditHead(models.Model):
    """A single row naming the newest entry. Appending locks it, which serialises writers
    so that the chain never forks; verifying compares it with the last entry, so that
    deleting the newest entries is noticed too."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"audit head #{self.seq}"
