"""Building a dossier: its purpose, the statement and its translation, the cover letter,
the timeline entries chosen from the case, and the exhibits (a file of the case, or
one uploaded here through the same checks and rebuild as every upload).

Each exhibit is copied in, sealed under the case's key, with its chain of custody: the
SHA-256 of the file as received (for an upload here; a case file was rebuilt at the
edge when it arrived and its original never kept) and as stored after stripping, what
was stripped, who received it, when and through which channel. Each later step on it
(added, viewed, exported) is a ``CustodyEvent`` and an audit entry.

A dossier changes only while it is a draft: what a programme manager approves is what
is exported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from waystation.accounts.models import Actor
from waystation.cases.models import Case
from waystation.cases.selectors.case_file import open_case
from waystation.cases.services.documents import case_files
from waystation.dossiers.models import (
    Channel,
    CustodyAction,
    CustodyEvent,
    Dossier,
    DossierState,
    Exhibit,
    Language,
    Purpose,
)
from waystation.dossiers.services.common import (
    BUILD_DOSSIER,
    DossierError,
    DossierNotFound,
    case_for,
    clean_text,
    record,
    require,
)
from waystation.intake.uploads import UploadRefused, clean_upload
from waystation.vault.fields import SealedFileContent

MAX_EXHIBITS = 30
MAX_STATEMENT = 60_000
MAX_COVER_LETTER = 20_000
MAX_TIMELINE = 100
_LANGUAGE_CODE_CHARS = set("abcdefghijklmnopqrstuvwxyz-")


def dossier_of(case: Case, dossier_id: str, *, lock: bool = True) -> Dossier:
    if not isinstance(dossier_id, str) or len(dossier_id) > 32:
        raise DossierNotFound(_("No such dossier."))
    queryset = Dossier.objects.select_for_update() if lock else Dossier.objects.all()
    found = queryset.filter(pk=dossier_id, case=case).first()
    if found is None:
        raise DossierNotFound(_("No such dossier."))
    return found


def _draft(user: Actor, case_id: str, dossier_id: str) -> tuple[Case, Dossier]:
    case = case_for(user, case_id)
    require(user, BUILD_DOSSIER, _("Your role does not allow building dossiers."))
    dossier = dossier_of(case, dossier_id)
    if dossier.state != DossierState.DRAFT:
        raise DossierError(
            _("This dossier is no longer a draft: what was approved or exported is not changed.")
        )
    return case, dossier


def custody(exhibit: Exhibit, action: CustodyAction, actor_id: int | None, at: datetime) -> None:
    CustodyEvent.objects.create(exhibit=exhibit, action=action, at=at, actor_id=actor_id)
    record(actor_id, f"dossiers.exhibit_{action}", "exhibit", exhibit.id)


@transaction.atomic
def create_dossier(
    *, user: Actor, case_id: str, purpose: str, country: str = "", language: str = "en"
) -> Dossier:
    case = case_for(user, case_id)
    require(user, BUILD_DOSSIER, _("Your role does not allow building dossiers."))
    if purpose not in Purpose.values:
        raise DossierError(_("Choose the dossier's purpose from the list."))
    if language not in Language.values:
        raise DossierError(_("Choose the recipient's language from the list."))
    country = (country or "").strip().upper()
    if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
        raise DossierError(_("The country is a two-letter code, such as CA or DE."))
    if purpose == Purpose.ASYLUM and not country:
        raise DossierError(_("An asylum claim names the country where it is made."))
    dossier = Dossier(
        case=case,
        data_key_id=case.data_key_id,
        purpose=purpose,
        country=country,
        language=language,
        created_by_id=user.pk,
    )
    dossier.timeline = []
    dossier.save(force_insert=True)
    record(user, "dossiers.created", "dossier", dossier.id)
    return dossier


@dataclass(frozen=True)
class StatementInput:
    statement: str
    statement_language: str
    translation: str
    translator: str

    def __repr__(self) -> str:  # never print a person into a log or a traceback
        return "<StatementInput>"


@transaction.atomic
def save_statement(*, user: Actor, case_id: str, dossier_id: str, given: StatementInput) -> Dossier:
    """The person's statement in their language, its translation and who translated."""
    _case, dossier = _draft(user, case_id, dossier_id)
    language = (given.statement_language or "").strip().lower()
    if not language or len(language) > 12 or set(language) - _LANGUAGE_CODE_CHARS:
        raise DossierError(_("The statement's language is a code such as ru, ar or fa."))
    dossier.statement = clean_text(
        given.statement, label=_("The statement"), required=True, limit=MAX_STATEMENT
    )
    dossier.translation = clean_text(
        given.translation, label=_("The translation"), required=True, limit=MAX_STATEMENT
    )
    translator = clean_text(given.translator, label=_("The translator"), required=True, limit=300)
    if "\n" in translator:
        raise DossierError(_("The translator's name is one line."))
    dossier.translator = translator
    dossier.statement_language = language
    dossier.save()
    record(user, "dossiers.statement_saved", "dossier", dossier.id)
    return dossier


@transaction.atomic
def save_cover_letter(*, user: Actor, case_id: str, dossier_id: str, text: str) -> Dossier:
    _case, dossier = _draft(user, case_id, dossier_id)
    dossier.cover_letter = clean_text(
        text, label=_("The cover letter"), required=True, limit=MAX_COVER_LETTER
    )
    dossier.save()
    record(user, "dossiers.cover_letter_saved", "dossier", dossier.id)
    return dossier


def timeline_key(at: datetime, kind: str, text: str) -> str:
    """A stable name for one entry of the case's timeline (they have no id of their own)."""
    return hashlib.sha256(f"{at.isoformat()}\x1f{kind}\x1f{text}".encode()).hexdigest()[:16]


@transaction.atomic
def choose_timeline(
    *, user: Actor, case_id: str, dossier_id: str, keys: Collection[str]
) -> Dossier:
    """The entries of the case's timeline that go in the dossier: those chosen only."""
    _case, dossier = _draft(user, case_id, dossier_id)
    wanted = list(dict.fromkeys(keys))
    if len(wanted) > MAX_TIMELINE:
        raise DossierError(
            _("At most %(count)s timeline entries go in one dossier.") % {"count": MAX_TIMELINE}
        )
    entries = {
        timeline_key(e.at, e.kind, e.text): e
        for e in open_case(user=user, case_id=case_id).timeline
    }
    if set(wanted) - set(entries):
        raise DossierError(_("A chosen entry is not on this case's timeline."))
    chosen = sorted((entries[k] for k in wanted), key=lambda e: e.at)
    dossier.timeline = [
        {"at": e.at.date().isoformat(), "label": e.label, "text": e.text} for e in chosen
    ]
    dossier.save()
    record(user, "dossiers.timeline_chosen", "dossier", dossier.id)
    return dossier


def _next_number(dossier: Dossier) -> int:
    count = Exhibit.objects.filter(dossier=dossier).count()
    if count >= MAX_EXHIBITS:
        raise DossierError(
            _("A dossier holds at most %(count)s exhibits.") % {"count": MAX_EXHIBITS}
        )
    highest = Exhibit.objects.filter(dossier=dossier).aggregate(n=Max("number"))["n"]
    return (highest or 0) + 1


def _title(title: str) -> str:
    title = clean_text(title, label=_("The exhibit's name"), required=True, limit=300)
    if "\n" in title:
        raise DossierError(_("The exhibit's name is one line."))
    return title


@transaction.atomic
def add_case_file(
    *, user: Actor, case_id: str, dossier_id: str, document_id: str, title: str
) -> Exhibit:
    """A file of the case (from the web request, the mailbox or staff) as an exhibit."""
    case, dossier = _draft(user, case_id, dossier_id)
    title = _title(title)
    if not isinstance(document_id, str) or len(document_id) > 32:
        raise DossierError(_("Choose one of this case's files."))
    found = case_files(case=case, ids=[document_id])
    if not found:
        raise DossierError(_("Choose one of this case's files."))
    document = found[0]
    if document.content_type not in {"image/jpeg", "image/png", "image/webp", "application/pdf"}:
        raise DossierError(_("Only photos (JPEG, PNG, WebP) and PDFs go in a dossier."))
    now = timezone.now()
    exhibit = Exhibit(
        dossier=dossier,
        data_key_id=case.data_key_id,
        number=_next_number(dossier),
        channel=Channel.CASE_FILE,
        case_document_id=document.id,
        content_type=document.content_type,
        received_at=document.uploaded_at or now,
        stored_sha256=hashlib.sha256(document.data).hexdigest(),
        stored_size=len(document.data),
        stripped="stripped.intake",
        added_by_id=user.pk,
    )
    exhibit.title = title
    exhibit.file = SealedFileContent(
        name=f"exhibit-{exhibit.number}", content_type=document.content_type, data=document.data
    )
    exhibit.save(force_insert=True)
    custody(exhibit, CustodyAction.RECEIVED, None, exhibit.received_at)
    custody(exhibit, CustodyAction.ADDED, user.pk, now)
    return exhibit


@transaction.atomic
def upload_exhibit(
    *,
    user: Actor,
    case_id: str,
    dossier_id: str,
    title: str,
    name: str,
    content_type: str,
    data: bytes,
) -> Exhibit:
    """A file uploaded here: checked and rebuilt like every upload (no metadata, photos
    and PDFs only), with the digests of what came and of what is kept."""
    case, dossier = _draft(user, case_id, dossier_id)
    title = _title(title)
    number = _next_number(dossier)
    try:
        cleaned = clean_upload(name=name, content_type=content_type, data=data)
    except UploadRefused as exc:
        raise DossierError(str(exc)) from exc
    now = timezone.now()
    exhibit = Exhibit(
        dossier=dossier,
        data_key_id=case.data_key_id,
        number=number,
        channel=Channel.UPLOAD,
        content_type=cleaned.content_type,
        received_sha256=hashlib.sha256(data).hexdigest(),
        received_size=len(data),
        received_at=now,
        received_by_id=user.pk,
        stored_sha256=hashlib.sha256(cleaned.data).hexdigest(),
        stored_size=len(cleaned.data),
        stripped=f"stripped.{cleaned.kind}",
        added_by_id=user.pk,
    )
    exhibit.title = title
    exhibit.file = SealedFileContent(
        name=f"exhibit-{number}.{cleaned.extension}",
        content_type=cleaned.content_type,
        data=cleaned.data,
    )
    exhibit.save(force_insert=True)
    custody(exhibit, CustodyAction.RECEIVED, user.pk, now)
    custody(exhibit, CustodyAction.ADDED, user.pk, timezone.now())
    return exhibit


@transaction.atomic
def cancel_dossier(*, user: Actor, case_id: str, dossier_id: str) -> Dossier:
    case = case_for(user, case_id)
    require(user, BUILD_DOSSIER, _("Your role does not allow building dossiers."))
    dossier = dossier_of(case, dossier_id)
    if dossier.state not in (DossierState.DRAFT, DossierState.APPROVED):
        raise DossierError(_("Only a dossier not yet exported is cancelled."))
    dossier.state = DossierState.CANCELLED
    dossier.save()
    record(user, "dossiers.cancelled", "dossier", dossier.id)
    return dossier
