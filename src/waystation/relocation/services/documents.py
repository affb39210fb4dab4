"""Travel documents: internal IDs, passports, visas and tickets of a case.

Kind, status, country, visa type and dates are operational (queues and expiry alerts
need them); the number and notes are sealed with the case's key, and the number is
blind-indexed (kind ``document``) so the same passport behind two cases shows as a
match without anyone reading it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from waystation.accounts.models import Actor
from waystation.cases.models import AlertKind, Case
from waystation.cases.selectors import visibility as case_visibility
from waystation.cases.services import alerts as case_alerts
from waystation.relocation.models import (
    DocumentKind,
    DocumentStatus,
    Leg,
    TravelDocument,
)
from waystation.relocation.services.common import (
    PLAN,
    RelocationError,
    case_for,
    clean_text,
    record,
)
from waystation.relocation.services.travel import clean_country

# Documents whose issue is recorded by a date (a ticket or an internal ID may not say).
NEEDS_ISSUE_DATE = frozenset({DocumentKind.PASSPORT, DocumentKind.VISA})
# Passports are valid for ten years, some for longer; nothing is issued before 1950 or
# expires after 2100 in a case we hold: such a date is a typing slip.
EARLIEST = date(1950, 1, 1)
LATEST = date(2100, 12, 31)


@dataclass(frozen=True)
class DocumentInput:
    kind: str
    status: str = DocumentStatus.NEEDED
    country: str = ""
    visa_type: str = ""
    leg_id: str = ""
    applied_on: date | None = None
    issued_on: date | None = None
    expires_on: date | None = None
    number: str = ""
    notes: str = ""

    def __repr__(self) -> str:  # never print a passport number into a log
        return f"<DocumentInput {self.kind}>"


def _check_dates(document: DocumentInput, today: date) -> None:
    for label, day in (
        (gettext("The application date"), document.applied_on),
        (gettext("The issue date"), document.issued_on),
        (gettext("The expiry date"), document.expires_on),
    ):
        if day is not None and not EARLIEST <= day <= LATEST:
            raise RelocationError(
                gettext("%(label)s is out of range: check the year.") % {"label": label}
            )
    if document.applied_on and document.applied_on > today:
        raise RelocationError(gettext("The application date cannot be in the future."))
    if document.issued_on and document.issued_on > today:
        raise RelocationError(gettext("The issue date cannot be in the future."))
    if document.applied_on and document.issued_on and document.issued_on < document.applied_on:
        raise RelocationError(gettext("A document cannot be issued before it was applied for."))
    if document.issued_on and document.expires_on and document.expires_on <= document.issued_on:
        raise RelocationError(gettext("A document must expire after it was issued."))


def _fill(row: TravelDocument, case: Case, document: DocumentInput) -> None:
    if document.kind not in DocumentKind.values:
        raise RelocationError(gettext("Choose what kind of document this is."))
    if document.status not in DocumentStatus.values:
        raise RelocationError(gettext("Choose the document's status."))
    _check_dates(document, timezone.localdate())
    if (
        document.kind in NEEDS_ISSUE_DATE
        and document.status == DocumentStatus.ISSUED
        and document.issued_on is None
    ):
        raise RelocationError(gettext("An issued passport or visa needs its issue date."))
    leg = None
    if document.leg_id:
        if document.kind != DocumentKind.TICKET:
            raise RelocationError(gettext("Only a ticket belongs to a leg."))
        leg = Leg.objects.filter(pk=str(document.leg_id)[:32], case=case).first()
        if leg is None:
            raise RelocationError(gettext("No such leg on this case."))
    visa_type = clean_text(document.visa_type, label=gettext("The visa type"), limit=40)
    if visa_type and document.kind != DocumentKind.VISA:
        raise RelocationError(gettext("Only a visa has a visa type."))
    row.kind = document.kind
    row.status = document.status
    row.country = clean_country(document.country, label=gettext("The issuing country"))
    row.visa_type = visa_type
    row.leg = leg
    row.applied_on = document.applied_on
    row.issued_on = document.issued_on
    row.expires_on = document.expires_on
    row.number = clean_text(document.number, label=gettext("The document number"), limit=100)
    row.notes = clean_text(document.notes, label=gettext("The notes"), limit=5_000)


@transaction.atomic
def add_document(*, user: Actor, case_id: str, document: DocumentInput) -> TravelDocument:
    case = case_for(user, case_id, PLAN)
    row = TravelDocument(case=case, data_key_id=case.data_key_id, created_by_id=user.pk)
    _fill(row, case, document)
    row.save(force_insert=True)
    record(user, "relocation.document_added", "travel_document", row.id)
    return row


@transaction.atomic
def change_document(
    *, user: Actor, case_id: str, document_id: str, document: DocumentInput
) -> TravelDocument:
    case = case_for(user, case_id, PLAN)
    row = (
        TravelDocument.objects.select_for_update()
        .filter(pk=str(document_id)[:32], case=case)
        .first()
    )
    if row is None:
        raise RelocationError(gettext("No such document on this case."))
    was = (row.status, row.expires_on)
    _fill(row, case, document)
    row.save()
    if was != (row.status, row.expires_on):
        # The warning was about the old expiry (or an issued document): a new expiry
        # warns anew, at the next run, if it is close too.
        case_alerts.resolve_alerts(
            kinds=[AlertKind.DOCUMENT_EXPIRING],
            case_id=case.id,
            subject_prefix=f"{row.id}:",
            at=timezone.now(),
        )
    record(user, "relocation.document_changed", "travel_document", row.id)
    return row


def raise_expiry_alerts(*, now: datetime) -> int:
    """Warn the assignees of every issued document expiring within
    ``WAYSTATION_DOCUMENT_WARNING_DAYS`` days, or already expired and still marked
    issued. One alert per document and expiry date. Returns how many it raised."""
    today = timezone.localdate(now)
    horizon = today + timedelta(days=int(settings.WAYSTATION_DOCUMENT_WARNING_DAYS))
    expiring = list(
        TravelDocument.objects.filter(
            status=DocumentStatus.ISSUED, expires_on__isnull=False, expires_on__lte=horizon
        ).values_list("id", "case_id", "expires_on")
    )
    if not expiring:
        return 0
    case_ids = {case_id for _id, case_id, _expires in expiring}
    cases = Case.objects.in_bulk(case_ids)
    viewers = case_visibility.viewers_of(case_ids)
    raised = 0
    for document_id, case_id, expires_on in expiring:
        raised += case_alerts.alert_each(
            sorted(viewers[case_id].assignees),
            kind=AlertKind.DOCUMENT_EXPIRING,
            case=cases[case_id],
            subject=f"{document_id}:{expires_on}",
            now=now,
        )
    return raised
