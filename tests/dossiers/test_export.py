"""An export: approved by a second person, built, signed and sealed in memory, offered
once; the recipient opens it with their age key, the signature validates with pyHanko,
and every digest of the manifest matches the exhibits attached."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from tests.dossiers.conftest import STATEMENT, TRANSLATION, Built
from waystation.audit.models import AuditEntry
from waystation.dossiers.models import CustodyEvent, DossierState, SigningKey
from waystation.dossiers.services import exports
from waystation.dossiers.services.common import DossierError
from waystation.dossiers.services.verify import verify
from waystation.vault import age, primitives

pytestmark = pytest.mark.django_db


def open_export(data: bytes, identity: age.Identity) -> tuple[bytes, dict]:
    plain = age.decrypt(data, [identity.secret])
    with zipfile.ZipFile(io.BytesIO(plain)) as archive:
        names = archive.namelist()
        pdf = archive.read(next(n for n in names if n.endswith(".pdf")))
        manifest = json.loads(archive.read(next(n for n in names if n.endswith(".json"))))
    return pdf, manifest


def exported(staff, built: Built) -> tuple[bytes, dict]:
    exports.approve_export(user=staff.manager, case_id=built.case.id, dossier_id=built.dossier.id)
    sent = exports.download_export(
        user=staff.caseworker, case_id=built.case.id, dossier_id=built.dossier.id
    )
    return open_export(sent.data, built.recipient)


def test_the_export_opens_with_the_recipients_key_and_its_signature_validates(staff, built):
    pdf, manifest = exported(staff, built)

    certificate = SigningKey.objects.get(retired_at__isnull=True).certificate
    root = asn1_x509.Certificate.load(primitives.certificate_ders(certificate)[0])
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[root]))
    assert status.bottom_line and status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert verify(pdf, json.dumps(manifest).encode()).ok


def test_every_manifest_digest_matches_the_exhibit_attached(staff, built):
    pdf, manifest = exported(staff, built)

    attached = {name: datas[-1] for name, datas in PdfReader(io.BytesIO(pdf)).attachments.items()}
    assert len(manifest["exhibits"]) == 2
    for exhibit in manifest["exhibits"]:
        data = attached[exhibit["attachment"]]
        assert hashlib.sha256(data).hexdigest() == exhibit["stored"]["sha256"]
        assert [step["action"] for step in exhibit["history"]][:2] == ["received", "added"]
    upload = manifest["exhibits"][1]
    assert (
        upload["received"]["sha256"] and upload["received"]["sha256"] != upload["stored"]["sha256"]
    )
    assert upload["stripped"] == "pdf"
    assert manifest["statement"]["sha256"] == hashlib.sha256(STATEMENT.encode()).hexdigest()
    assert (
        manifest["statement"]["translation_sha256"]
        == hashlib.sha256(TRANSLATION.encode()).hexdigest()
    )


def test_the_pdf_has_numbered_pages_an_index_and_the_appended_pdf(staff, built):
    pdf, manifest = exported(staff, built)

    reader = PdfReader(io.BytesIO(pdf))
    # title, index, cover letter, statement, translation, timeline, the photo, the page
    # that names the PDF and its two pages, the manifest
    assert len(reader.pages) == len(manifest["pages"]) == 11
    text = [page.extract_text() for page in reader.pages]
    assert all(f"Page {n} sur 11" in t for n, t in enumerate(text, start=1)), text[0]
    assert "Index" in text[1] or "Sommaire" in text[1]
    assert "Medical certificate, invented, page 2" in text[9]
    assert STATEMENT in text[3] and TRANSLATION in text[4]


def test_the_export_is_offered_once(staff, built):
    exported(staff, built)
    before = AuditEntry.objects.count()

    with pytest.raises(DossierError, match="once"):
        exports.download_export(
            user=staff.caseworker, case_id=built.case.id, dossier_id=built.dossier.id
        )

    assert AuditEntry.objects.count() == before
    built.dossier.refresh_from_db()
    assert built.dossier.state == DossierState.EXPORTED
    assert set(CustodyEvent.objects.values_list("action", flat=True)) == {
        "received",
        "added",
        "exported",
    }
