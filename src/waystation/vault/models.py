from __future__ import annotations

from django.db import models

from waystation.ids import RANDOM_ID_LENGTH, random_id


class DataKey(models.Model):
    """One case's data key, wrapped under a key-encryption key from the key store.

    Every sealed value of a case is encrypted under this key. Destroying it
    (``wrapped = None``) is crypto-shredding: the case's ciphertexts remain, unreadable.
    """

    id = models.CharField(
        primary_key=True, max_length=RANDOM_ID_LENGTH, default=random_id, editable=False
    )
    kek_version = models.PositiveIntegerField()
    wrapped = models.BinaryField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    shredded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["kek_version"])]
        permissions = [("seal_now", "Can seal the vault now (every worker drops its keys)")]

    def __str__(self) -> str:
        return f"data key {self.id} (KEK v{self.kek_version})"

    @property
    def is_shredded(self) -> bool:
        return self.wrapped is None
