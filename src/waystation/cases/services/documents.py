"""A case's documents: files sealed under the case's key."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from waystation.audit import services as audit
from waystation.cases.models import (
    Case,
    CaseDocument,
)
from waystation.vault.fields import SealedFileContent


@transaction.atomic
def attach_document(
    *, actor_id: int | None, case: Case, name: str, content_type: str, data: bytes
) -> CaseDocument:
    document = CaseDocument(case=case, data_key_id=case.data_key_id)
    document.file = SealedFileContent(name=name, content_type=content_type, data=data)
    document.save(force_insert=True)
    audit.record(
        actor_id=actor_id, action="case.document_added", object_type="case", object_id=case.id
    )
    return document


@dataclass(frozen=True)
class OpenedDocument:
    """One of a case's files, opened."""

    id: str
    name: str
    content_type: str
    data: bytes
    uploaded_at: datetime | None = None  # when it entered the case (dossiers' custody)

    def __repr__(self) -> str:
        return f"<OpenedDocument {self.id} {len(self.data)} bytes>"


def case_files(*, case: Case, ids: Collection[str] | None = None) -> list[OpenedDocument]:
    """The case's files (or those of ``ids``), opened with the case's key. For a caller
    that has checked that its user may see the case, and records the reading itself."""
    rows = CaseDocument.objects.filter(case=case).order_by("uploaded_at", "id")
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    opened = []
    for row in rows:
        content = row.file
        if content is None:
            continue
        opened.append(
            OpenedDocument(
                id=row.id,
                name=content.name,
                content_type=content.content_type,
                data=content.data,
                uploaded_at=row.uploaded_at,
            )
        )
    return opened
