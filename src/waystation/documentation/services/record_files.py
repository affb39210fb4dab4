"""A source's files, and what the record lets go of when a case is shredded.

A file on a source goes through the same checks and rebuild as every upload
(``intake.uploads.clean_upload``: photos and PDFs only, judged by their content,
metadata such as GPS and authors dropped, polyglots and bombs refused) and is sealed
with the source's key: a testimony's scan under its case's key, forgotten with it.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from waystation.accounts.models import Actor
from waystation.cases.models import Case
from waystation.documentation.models import Act, Person, Source, SourceFile
from waystation.documentation.services.record_common import (
    RecordError,
    record,
    require_recorder,
    source_for,
)
from waystation.intake.uploads import UploadRefused, clean_upload
from waystation.vault.fields import SealedFileContent, StoredFile, delete_sealed_file

MAX_FILES_PER_SOURCE = 50


def _stored_name(name: str, extension: str) -> str:
    """The name kept with the file (sealed): its last path part only, one line, short,
    and the extension of what the file turned out to be."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable()).strip().lstrip(".")
    stem = base.rsplit(".", 1)[0][:100] if "." in base else base[:100]
    return f"{stem or 'file'}.{extension}"


@transaction.atomic
def attach_source_file(
    *, user: Actor, source_id: str, name: str, content_type: str, data: bytes
) -> SourceFile:
    require_recorder(user)
    source = source_for(user, source_id)
    source = Source.objects.select_for_update().get(pk=source.pk)
    if source.forgotten_at is not None:
        raise RecordError(_("This source was forgotten with its case."))
    if SourceFile.objects.filter(source=source).count() >= MAX_FILES_PER_SOURCE:
        raise RecordError(
            _("A source has at most %(count)s files.") % {"count": MAX_FILES_PER_SOURCE}
        )
    try:
        clean = clean_upload(name=name, content_type=content_type, data=data)
    except UploadRefused as exc:
        raise RecordError(str(exc)) from exc
    row = SourceFile(source=source, data_key_id=source.data_key_id, uploaded_by_id=user.pk)
    row.file = SealedFileContent(
        name=_stored_name(name, clean.extension), content_type=clean.content_type, data=clean.data
    )
    row.save(force_insert=True)
    record(user, "source.file_added", "source_file", row.id)
    return row


def forget_case(*, case: Case) -> None:
    """Inside the case's shred, before its key is destroyed: the persons and sources
    taken from it keep their rows (the counts, the acts' types, the grades and levels
    stay) but lose every sealed value, and the sources' files are removed. What the acts
    done to a forgotten person say (place of detention, notes) goes too: it is about
    them, though sealed with the event's key. Called from the cases app's signal only."""
    now = timezone.now()
    persons = Person.objects.filter(case=case)
    Act.objects.filter(victim__in=persons).update(place_of_detention=None, notes=None)
    persons.update(forgotten_at=now, name=None, details=None)
    files = SourceFile.objects.filter(source__case=case)
    names = [
        f.storage_name for f in files.values_list("file", flat=True) if isinstance(f, StoredFile)
    ]
    files.delete()
    Source.objects.filter(case=case).update(forgotten_at=now, reference=None, summary=None)
    record(None, "documentation.case_forgotten", "case", case.id)

    def remove() -> None:
        for storage_name in names:
            delete_sealed_file(storage_name)

    transaction.on_commit(remove)
