"""A case's documents: files sealed under the case's key."""

from __future__ import annotations

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
