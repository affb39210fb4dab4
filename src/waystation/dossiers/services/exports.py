"""Exporting a dossier: the recipient, the person's consent, a second person's approval,
and the signed PDF sealed to the recipient's age key, offered once.

The rules, each checked here and nowhere else (the views only call):

- The recipient is a partner (its approved age keys, docs/partners.md) or an age key
  typed for this export (a lawyer's). It is chosen while the dossier is a draft.
- The person's consent is recorded first (who gave it, when, how), as for referrals.
- The builder asks for the export; a programme manager other than the one who asked
  approves it, for the recipient's keys of that moment. A change of keys since refuses.
- The export is offered once: building it marks the dossier exported in the same
  transaction, and a second download is refused. The PDF is built, signed and sealed
  in memory; only its digests and its manifest (sealed) are kept.

Every refusal happens before anything is built or written, inside one transaction.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from waystation.accounts.models import Actor
from waystation.cases.models import Case
from waystation.dossiers.models import (
    ConsentKind,
    CustodyAction,
    CustodyEvent,
    Dossier,
    DossierState,
    Exhibit,
)
from waystation.dossiers.services.common import (
    APPROVE_DOSSIER,
    BUILD_DOSSIER,
    DossierError,
    case_for,
    clean_text,
    record,
    require,
)
from waystation.dossiers.services.dossiers import custody, dossier_of
from waystation.partners.services import partners as partner_services
from waystation.partners.services.common import PartnerError
from waystation.vault import age

if TYPE_CHECKING:
    from waystation.dossiers.services import document

# The PDF (fpdf, pypdf, matplotlib's fonts) and the signature (pyHanko) are imported where
# a dossier is built: the staff URLconf imports this module (the dossier pages), and
# every worker, command and test server would otherwise load them on start.


@dataclass(frozen=True)
class Export:
    filename: str
    data: bytes  # the age file: zip(dossier-….pdf, dossier-….manifest.json)
    sha256: str

    def __repr__(self) -> str:
        return f"<Export {self.sha256[:12]} {len(self.data)} bytes>"


def _work(user: Actor, case_id: str, dossier_id: str) -> tuple[Case, Dossier]:
    case = case_for(user, case_id)
    require(user, BUILD_DOSSIER, _("Your role does not allow working on dossiers."))
    return case, dossier_of(case, dossier_id)


def _require_draft(dossier: Dossier) -> None:
    if dossier.state != DossierState.DRAFT:
        raise DossierError(
            _("This dossier is no longer a draft: what was approved or exported is not changed.")
        )


def _partner_recipients(partner_id: str) -> list[str]:
    try:
        partner = partner_services.partner_for(partner_id)
    except PartnerError as exc:
        raise DossierError(str(exc)) from exc
    keys = partner_services.active_keys(partner) if partner.active else []
    if not keys:
        raise DossierError(
            _(
                "This partner has no approved age key (or is deactivated): nothing can be "
                "sealed to it."
            )
        )
    return [k.recipient for k in keys]


def recipients_of(dossier: Dossier) -> list[str]:
    """The age recipients the dossier would be sealed to now."""
    if dossier.recipient_partner_id:
        return _partner_recipients(dossier.recipient_partner_id)
    if dossier.recipient:
        return [dossier.recipient]
    raise DossierError(
        _("Choose the recipient first: a partner, or an age key typed for this export.")
    )


@transaction.atomic
def choose_recipient(
    *, user: Actor, case_id: str, dossier_id: str, partner_id: str = "", age_key: str = ""
) -> Dossier:
    _case, dossier = _work(user, case_id, dossier_id)
    _require_draft(dossier)
    if bool(partner_id) == bool(age_key.strip()):
        raise DossierError(_("Choose a partner, or type an age key: one of the two."))
    if partner_id:
        _partner_recipients(partner_id)
        dossier.recipient_partner_id = partner_id
        dossier.recipient = ""
        dossier.recipient_fingerprint = ""
    else:
        try:
            recipient = age.parse_recipient(age_key)
        except age.AgeError as exc:
            raise DossierError(str(exc)) from exc
        dossier.recipient_partner_id = ""
        dossier.recipient = recipient
        dossier.recipient_fingerprint = age.fingerprint(recipient)
    dossier.save()
    record(user, "dossiers.recipient_chosen", "dossier", dossier.id)
    return dossier


@transaction.atomic
def record_consent(
    *, user: Actor, case_id: str, dossier_id: str, given_by: str, given_at: datetime, how: str
) -> Dossier:
    """Consent the person gave staff (a call, a meeting): who gave it, when, and how."""
    _case, dossier = _work(user, case_id, dossier_id)
    _require_draft(dossier)
    given_by = clean_text(given_by, label=_("Who gave consent"), required=True, limit=300)
    how = clean_text(how, label=_("How consent was given"), required=True, limit=500)
    if given_at > timezone.now() + timedelta(minutes=5):
        raise DossierError(_("Consent cannot be given in the future."))
    dossier.consent_kind = ConsentKind.STAFF
    dossier.consent_at = given_at
    dossier.consent_recorded_by_id = user.pk
    dossier.consent_note = f"{given_by} — {how}"
    dossier.save()
    record(user, "dossiers.consent_recorded", "dossier", dossier.id)
    return dossier


def _require_consent(dossier: Dossier) -> None:
    if dossier.consent_kind != ConsentKind.STAFF or dossier.consent_at is None:
        raise DossierError(
            _(
                "The person's consent is not recorded: record it (who, when, how) before the "
                "export is asked for, approved or downloaded. Nothing was changed."
            )
        )


def _require_complete(dossier: Dossier) -> None:
    if not dossier.statement or not dossier.translation:
        raise DossierError(_("The dossier has no statement and translation yet."))
    if not dossier.cover_letter:
        raise DossierError(_("The dossier has no cover letter yet."))


@transaction.atomic
def request_export(*, user: Actor, case_id: str, dossier_id: str) -> Dossier:
    """The builder asks for the export: a programme manager other than them approves."""
    _case, dossier = _work(user, case_id, dossier_id)
    _require_draft(dossier)
    _require_complete(dossier)
    _require_consent(dossier)
    recipients_of(dossier)
    dossier.requested_by_id = user.pk
    dossier.requested_at = timezone.now()
    dossier.save()
    record(user, "dossiers.export_requested", "dossier", dossier.id)
    return dossier


@transaction.atomic
def approve_export(*, user: Actor, case_id: str, dossier_id: str) -> Dossier:
    case = case_for(user, case_id)
    require(user, APPROVE_DOSSIER, _("Your role does not allow approving dossiers."))
    dossier = dossier_of(case, dossier_id)
    if dossier.state != DossierState.DRAFT or dossier.requested_by_id is None:
        raise DossierError(_("Only a dossier whose export was asked for is approved."))
    if dossier.requested_by_id == user.pk:
        raise DossierError(
            _("You asked for this export: another programme manager must approve it.")
        )
    _require_complete(dossier)
    _require_consent(dossier)
    dossier.approved_recipients = recipients_of(dossier)
    dossier.approved_by_id = user.pk
    dossier.approved_at = timezone.now()
    dossier.state = DossierState.APPROVED
    dossier.save()
    record(user, "dossiers.export_approved", "dossier", dossier.id)
    return dossier


def _names(ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    return dict(get_user_model().objects.filter(pk__in=wanted).values_list("pk", "username"))


def content_of(
    dossier: Dossier, *, exported_at: datetime, certificate_sha256: str
) -> document.DossierContent:
    """What the PDF shows, opened with the case's key (for a caller that checked)."""
    from waystation.dossiers.services import document

    exhibits = list(Exhibit.objects.filter(dossier=dossier).order_by("number"))
    events = list(CustodyEvent.objects.filter(exhibit__dossier=dossier).order_by("at", "id"))
    names = _names({e.actor_id for e in events} | {x.received_by_id for x in exhibits})
    history: dict[str, list[document.CustodyStep]] = {}
    for event in events:
        history.setdefault(event.exhibit_id, []).append(
            document.CustodyStep(event.action, event.at, names.get(event.actor_id or 0, ""))
        )
    shown = []
    for exhibit in exhibits:
        stored = exhibit.file
        shown.append(
            document.ExhibitContent(
                number=exhibit.number,
                title=exhibit.title or "",
                content_type=exhibit.content_type,
                data=stored.data,
                channel=exhibit.channel,
                received_at=exhibit.received_at,
                received_by=names.get(exhibit.received_by_id or 0, ""),
                received_sha256=exhibit.received_sha256,
                received_size=exhibit.received_size,
                stored_sha256=exhibit.stored_sha256,
                stripped=exhibit.stripped,
                history=history.get(exhibit.id, []),
            )
        )
    return document.DossierContent(
        dossier_id=dossier.id,
        case_id=dossier.case_id,
        organisation=settings.WAYSTATION_INSTALLATION_NAME,
        purpose=dossier.purpose,
        country=dossier.country,
        language=dossier.language,
        exported_at=exported_at,
        statement=dossier.statement or "",
        statement_language=dossier.statement_language,
        translation=dossier.translation or "",
        translator=dossier.translator or "",
        cover_letter=dossier.cover_letter or "",
        timeline=[document.TimelineItem(**item) for item in dossier.timeline or []],
        exhibits=shown,
        certificate_sha256=certificate_sha256,
    )


def build_signed(dossier: Dossier, *, actor_id: int | None) -> tuple[bytes, dict[str, object]]:
    """The signed PDF and its manifest, in memory. Writes nothing but a signing key made
    on first use."""
    from waystation.dossiers.services import document, signing

    key = signing.current_key(actor_id=actor_id)
    built = document.build_pdf(
        content_of(dossier, exported_at=timezone.now(), certificate_sha256=key.fingerprint)
    )
    signed = signing.sign(
        built.pdf, private_key_pem=key.private_key or "", certificate_pem=key.certificate
    )
    return signed, built.manifest


def seal_for(recipients: list[str], dossier_id: str, pdf: bytes, manifest: bytes) -> bytes:
    """``age(zip(dossier-ID.pdf, dossier-ID.manifest.json))``, in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in (
            (f"dossier-{dossier_id}.pdf", pdf),
            (f"dossier-{dossier_id}.manifest.json", manifest),
        ):
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    try:
        return age.encrypt(buffer.getvalue(), recipients)
    except age.AgeError as exc:
        raise DossierError(str(exc)) from exc


@transaction.atomic
def download_export(*, user: Actor, case_id: str, dossier_id: str) -> Export:
    """The export, once: building it marks the dossier exported."""
    _case, dossier = _work(user, case_id, dossier_id)
    if dossier.state != DossierState.APPROVED:
        if dossier.exported_at is not None:
            raise DossierError(
                _("This export was already downloaded once; it is not offered again.")
            )
        raise DossierError(_("Only an approved dossier is exported."))
    if dossier.approved_by_id is None or dossier.approved_by_id == dossier.requested_by_id:
        raise DossierError(_("This export needs the approval of a second programme manager."))
    _require_consent(dossier)
    recipients = recipients_of(dossier)
    if sorted(recipients) != sorted(dossier.approved_recipients or []):
        raise DossierError(
            _(
                "The recipient's keys changed since the export was approved: a programme "
                "manager must approve it again. Nothing was sent."
            )
        )
    from waystation.dossiers.services import document

    pdf, manifest = build_signed(dossier, actor_id=user.pk)
    manifest_json = document.manifest_bytes(manifest)
    sealed = seal_for(recipients, dossier.id, pdf, manifest_json)
    now = timezone.now()
    digest = hashlib.sha256(sealed).hexdigest()
    dossier.state = DossierState.EXPORTED
    dossier.exported_at = now
    dossier.exported_by_id = user.pk
    dossier.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    dossier.package_sha256 = digest
    dossier.package_size = len(sealed)
    dossier.manifest = manifest
    dossier.save()
    for exhibit in Exhibit.objects.filter(dossier=dossier):
        custody(exhibit, CustodyAction.EXPORTED, user.pk, now)
    record(user, "dossiers.exported", "dossier", dossier.id)
    return Export(filename=f"dossier-{dossier.id}.age", data=sealed, sha256=digest)
