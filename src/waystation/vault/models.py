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


class KekEpoch(models.Model):
    """The version of the current key-encryption key, as the database knows it.

    Workers hold copies of the keys and hear of a new KEK by an event from the key agent,
    which can arrive late. A worker creating a data key reads this row under a shared lock
    and, if it names a newer KEK than the worker holds, fetches the keys again first. A
    rotation locks the row before it adds a KEK, which waits for every worker that read
    the old value to commit: each new data key is then either wrapped under the new KEK or
    already in the table when the rotation rewraps. Nothing here is secret.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    current_kek = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"KEK epoch v{self.current_kek}"
