"""Fixtures for dossiers: the casework staff and a case (tests/cases), a photo with
its camera and GPS details, a two-page PDF, a case file, and a dossier built to the
point where its export is asked for, with a recipient whose age key is at hand."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone
from fpdf import FPDF
from PIL import Image

from tests.cases.conftest import Staff, case, new_case, other_team, staff, team
from waystation.cases.models import Case
from waystation.cases.services.documents import attach_document
from waystation.dossiers.models import Dossier
from waystation.dossiers.services import dossiers, exports
from waystation.vault import age

__all__ = ["Staff", "case", "new_case", "other_team", "staff", "team"]

STATEMENT = "Меня задержали в марте и держали три дня."  # invented
TRANSLATION = "I was detained in March and held for three days."


def photo(colour: str = "red", size: tuple[int, int] = (640, 480), fmt: str = "JPEG") -> bytes:
    """A photo carrying a camera model and a GPS position, as a phone's would."""
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[0x0110] = "Invented Phone 9"  # Model
    exif[0x8825] = {1: "N", 2: (55.0, 45.0, 0.0), 3: "E", 4: (37.0, 37.0, 0.0)}  # GPS
    buffer = io.BytesIO()
    image.save(buffer, fmt, exif=exif) if fmt == "JPEG" else image.save(buffer, fmt)
    return buffer.getvalue()


def small_pdf(pages: int = 2, text: str = "Medical certificate, invented") -> bytes:
    pdf = FPDF()
    pdf.set_author("Dr Invented Author")
    pdf.set_font("helvetica", size=14)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.cell(text=f"{text}, page {number}")
    return bytes(pdf.output())


@dataclass
class Built:
    case: Case
    dossier: Dossier
    recipient: age.Identity


def build(staff: Staff, case: Case, *, by: object = None, exhibits: int = 2) -> Built:
    """A dossier with a translated statement, a cover letter, ``exhibits`` exhibits (a
    case file, then uploads), a typed recipient, consent, and its export asked for."""
    user = by or staff.caseworker
    dossier = dossiers.create_dossier(
        user=user, case_id=case.id, purpose="asylum", country="CA", language="fr"
    )
    dossiers.save_statement(
        user=user,
        case_id=case.id,
        dossier_id=dossier.id,
        given=dossiers.StatementInput(
            statement=STATEMENT,
            statement_language="ru",
            translation=TRANSLATION,
            translator="Invented Translator",
        ),
    )
    dossiers.save_cover_letter(
        user=user,
        case_id=case.id,
        dossier_id=dossier.id,
        text="To the Immigration and Refugee Board: please find the evidence enclosed.",
    )
    if exhibits:
        document = attach_document(
            actor_id=None,
            case=case,
            name="passport-photo.jpg",
            content_type="image/jpeg",
            data=photo("blue"),
        )
        dossiers.add_case_file(
            user=user,
            case_id=case.id,
            dossier_id=dossier.id,
            document_id=document.id,
            title="Photo of the bruises",
        )
    for number in range(1, exhibits):
        data, name, kind = (
            (small_pdf(), "certificate.pdf", "application/pdf")
            if number == 1
            else (photo("green"), f"photo{number}.jpg", "image/jpeg")
        )
        dossiers.upload_exhibit(
            user=user,
            case_id=case.id,
            dossier_id=dossier.id,
            title=f"Exhibit upload {number}",
            name=name,
            content_type=kind,
            data=data,
        )
    recipient = age.new_identity()
    exports.choose_recipient(
        user=user, case_id=case.id, dossier_id=dossier.id, age_key=recipient.recipient
    )
    exports.record_consent(
        user=user,
        case_id=case.id,
        dossier_id=dossier.id,
        given_by="the person themself",
        given_at=timezone.now() - timedelta(hours=1),
        how="video call on the agreed number",
    )
    exports.request_export(user=user, case_id=case.id, dossier_id=dossier.id)
    dossier.refresh_from_db()
    return Built(case=case, dossier=dossier, recipient=recipient)


@pytest.fixture
def built(staff: Staff, case: Case) -> Built:
    return build(staff, case)
