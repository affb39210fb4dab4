"""Reading a case's dossiers: for someone who may see the case (else ``CaseNotFound``)
and builds or approves dossiers; each opening of sealed data is an audit entry, and the
viewing of an exhibit a step of its chain of custody."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from waystation.accounts.models import Actor
from waystation.cases.models import Case
from waystation.cases.selectors.case_file import open_case
from waystation.cases.services.documents import case_files
from waystation.dossiers.models import (
    Channel,
    CustodyAction,
    Dossier,
    DossierState,
    Exhibit,
    Language,
    Purpose,
)
from waystation.dossiers.services.common import (
    APPROVE_DOSSIER,
    BUILD_DOSSIER,
    DossierNotFound,
    case_for,
    record,
)
from waystation.dossiers.services.dossiers import custody, dossier_of, timeline_key
from waystation.partners.selectors import partners as partner_selectors


def may_use_dossiers(user: Actor) -> bool:
    return bool(user.is_active and (user.has_perm(BUILD_DOSSIER) or user.has_perm(APPROVE_DOSSIER)))


def _reader_case(user: Actor, case_id: str) -> Case:
    case = case_for(user, case_id, lock=False)  # the 404 first, for anyone
    if not may_use_dossiers(user):
        raise PermissionDenied(_("Your role does not allow reading dossiers."))
    return case


@dataclass(frozen=True)
class DossierRow:
    id: str
    purpose: str
    country: str
    state: str
    state_label: str
    created_at: datetime
    exhibits: int


def case_dossiers(*, user: Actor, case_id: str) -> tuple[Case, list[DossierRow]]:
    """The case's dossiers, operational columns only (nothing opened)."""
    case = _reader_case(user, case_id)
    rows = [
        DossierRow(
            id=d.id,
            purpose=str(Purpose(d.purpose).label),
            country=d.country,
            state=d.state,
            state_label=str(DossierState(d.state).label),
            created_at=d.created_at,
            exhibits=d.exhibits.count(),
        )
        for d in Dossier.objects.filter(case=case).order_by("-created_at")
    ]
    return case, rows


@dataclass(frozen=True)
class ShownExhibit:
    id: str
    number: int
    title: str
    content_type: str
    channel_label: str
    received_at: datetime
    received_sha256: str
    stored_sha256: str
    stored_size: int


@dataclass(frozen=True)
class ShownDossier:
    dossier: Dossier
    purpose: str
    language: str
    state_label: str
    statement: str
    translation: str
    translator: str
    cover_letter: str
    consent: str
    timeline: list[dict[str, str]]
    exhibits: list[ShownExhibit]
    recipient: str  # a partner's name, or an age key's fingerprint
    file_choices: list[tuple[str, str]] = field(default_factory=list)
    timeline_choices: list[tuple[str, str]] = field(default_factory=list)
    partner_choices: list[tuple[str, str]] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<ShownDossier {self.dossier.id}>"


def _recipient(dossier: Dossier, partners: list[tuple[str, str]]) -> str:
    if dossier.recipient_partner_id:
        return dict(partners).get(dossier.recipient_partner_id, dossier.recipient_partner_id)
    return dossier.recipient_fingerprint


@transaction.atomic
def open_dossier(*, user: Actor, case_id: str, dossier_id: str) -> ShownDossier:
    """One dossier, opened under the case's key; the reading is on the audit record. A
    draft shown to its builder carries what they may choose from (the case's files and
    timeline, opened and recorded as the case's page records them)."""
    case = _reader_case(user, case_id)
    dossier = dossier_of(case, dossier_id, lock=False)
    record(user, "dossiers.opened", "dossier", dossier.id)
    exhibits = [
        ShownExhibit(
            id=e.id,
            number=e.number,
            title=e.title or "",
            content_type=e.content_type,
            channel_label=str(Channel(e.channel).label),
            received_at=e.received_at,
            received_sha256=e.received_sha256,
            stored_sha256=e.stored_sha256,
            stored_size=e.stored_size,
        )
        for e in Exhibit.objects.filter(dossier=dossier).order_by("number")
    ]
    partners = (
        partner_selectors.partner_choices(user=user)
        if user.has_perm("partners.make_referral")
        else []
    )
    building = dossier.state == DossierState.DRAFT and user.has_perm(BUILD_DOSSIER)
    files: list[tuple[str, str]] = []
    timeline: list[tuple[str, str]] = []
    if building:
        files = [(f.id, f.name) for f in case_files(case=case)]
        record(user, "dossiers.case_files_listed", "case", case.id)
        timeline = [
            (timeline_key(e.at, e.kind, e.text), f"{e.at:%Y-%m-%d} · {e.label}: {e.text[:120]}")
            for e in open_case(user=user, case_id=case_id).timeline
        ]
    return ShownDossier(
        dossier=dossier,
        purpose=str(Purpose(dossier.purpose).label),
        language=str(Language(dossier.language).label),
        state_label=str(DossierState(dossier.state).label),
        statement=dossier.statement or "",
        translation=dossier.translation or "",
        translator=dossier.translator or "",
        cover_letter=dossier.cover_letter or "",
        consent=dossier.consent_note or "",
        timeline=list(dossier.timeline or []),
        exhibits=exhibits,
        recipient=_recipient(dossier, partners),
        file_choices=files,
        timeline_choices=timeline,
        partner_choices=partners,
    )


@dataclass(frozen=True)
class OpenedExhibit:
    filename: str
    content_type: str
    data: bytes

    def __repr__(self) -> str:
        return f"<OpenedExhibit {len(self.data)} bytes>"


@transaction.atomic
def open_exhibit(*, user: Actor, case_id: str, dossier_id: str, exhibit_id: str) -> OpenedExhibit:
    """An exhibit's stored file, for a reader of the dossier: a step of its custody."""
    case = _reader_case(user, case_id)
    dossier = dossier_of(case, dossier_id, lock=False)
    if not isinstance(exhibit_id, str) or len(exhibit_id) > 32:
        raise DossierNotFound(_("No such exhibit."))
    exhibit = Exhibit.objects.filter(pk=exhibit_id, dossier=dossier).first()
    if exhibit is None:
        raise DossierNotFound(_("No such exhibit."))
    stored = exhibit.file
    custody(exhibit, CustodyAction.VIEWED, user.pk, timezone.now())
    extension = stored.name.rsplit(".", 1)[-1] if "." in stored.name else "bin"
    return OpenedExhibit(
        filename=f"exhibit-{exhibit.number}.{extension}",
        content_type=exhibit.content_type,
        data=stored.data,
    )
