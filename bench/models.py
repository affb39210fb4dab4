"""Two bench-only tables of the same shape: case notes sealed, and the same notes in
plaintext. Same random primary key, same foreign keys, same operational columns; only
the three personal fields differ (sealed binary vs plain text).

They are not part of any migration: ``managed = False``, created and dropped by the
bulk benchmark with the schema editor. Import this module only after Django is set up
and the database is migrated (an unmanaged model imported before ``migrate`` would make
it report pending model changes).
"""

from __future__ import annotations

from django.db import models

from waystation.cases.models import Case
from waystation.ids import RANDOM_ID_LENGTH, random_id
from waystation.vault.fields import SealedTextField
from waystation.vault.models import DataKey


class SealedNote(models.Model):
    id = models.CharField(
        primary_key=True, max_length=RANDOM_ID_LENGTH, default=random_id, editable=False
    )
    case = models.ForeignKey(Case, on_delete=models.DO_NOTHING, related_name="+")
    data_key = models.ForeignKey(DataKey, on_delete=models.DO_NOTHING, related_name="+")
    # operational
    kind = models.CharField(max_length=16)
    written_at = models.DateTimeField()
    # sealed
    subject = SealedTextField(max_length=200)
    body = SealedTextField(max_length=5_000)
    place = SealedTextField(max_length=200)

    class Meta:
        app_label = "vault"
        managed = False
        db_table = "bench_sealed_note"

    def __str__(self) -> str:
        return f"sealed note {self.id}"


class PlainNote(models.Model):
    id = models.CharField(
        primary_key=True, max_length=RANDOM_ID_LENGTH, default=random_id, editable=False
    )
    case = models.ForeignKey(Case, on_delete=models.DO_NOTHING, related_name="+")
    data_key = models.ForeignKey(DataKey, on_delete=models.DO_NOTHING, related_name="+")
    kind = models.CharField(max_length=16)
    written_at = models.DateTimeField()
    subject = models.TextField(max_length=200)
    body = models.TextField(max_length=5_000)
    place = models.TextField(max_length=200)

    class Meta:
        app_label = "vault"
        managed = False
        db_table = "bench_plain_note"

    def __str__(self) -> str:
        return f"plain note {self.id}"
