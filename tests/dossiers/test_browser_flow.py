"""A dossier in a real browser, through the real pages of a live server, JavaScript
off: a caseworker builds it from a case (a file of the case and a photo uploaded, a
statement with its translation), records consent and asks for the export; a
programme manager approves it; the caseworker downloads it once. The test opens the
download with the recipient's age key, validates the signature with pyHanko, and checks
every digest of the manifest against the exhibits attached to the PDF."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from asn1crypto import x509 as asn1_x509
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from tests.browser import chromium
from tests.cases.conftest import new_case
from tests.cases.test_browser_flow import sign_in
from tests.dossiers.conftest import STATEMENT, TRANSLATION, photo
from tests.factories import make_staff
from waystation.accounts.roles import Role
from waystation.cases.services import access
from waystation.cases.services.documents import attach_document
from waystation.dossiers.models import Dossier, DossierState, SigningKey
from waystation.vault import age, primitives

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser():
    with chromium() as browser:
        yield browser


def test_caseworker_builds_manager_approves_export_downloads_once(browser, live_server):
    caseworker = make_staff(Role.CASEWORKER, "caseworker.d")
    manager = make_staff(Role.PROGRAMME_MANAGER, "manager.d")
    team = access.create_team(actor_id=None, name="Caucasus", supervisor_id=manager.pk)
    case = new_case(team, [caseworker], full_name="Invented Person")
    attach_document(
        actor_id=None, case=case, name="bruises.jpg", content_type="image/jpeg", data=photo("red")
    )
    recipient = age.new_identity()

    # 1. The caseworker builds the dossier from the case's page.
    page, requested = sign_in(browser, live_server, caseworker)
    page.goto(f"{live_server.url}/cases/{case.id}/")
    page.get_by_role("link", name="Dossiers").click()
    page.get_by_label("Purpose").select_option(label="Asylum claim")
    page.get_by_label("Country of the claim").fill("CA")
    page.get_by_label("The recipient's language").select_option(label="French")
    page.get_by_role("button", name="Start the dossier").click()
    assert "Dossier started." in page.content()
    page.get_by_label("Language of the statement").fill("ru")
    page.get_by_label("Statement, in the person's words").fill(STATEMENT)
    page.locator("#statement-translation").fill(TRANSLATION)
    page.get_by_label("Translated by").fill("Invented Translator")
    page.get_by_role("button", name="Save the statement").click()
    assert "Statement saved." in page.content()
    page.locator("#cover-text").fill("To the Board: the evidence enclosed.")
    page.get_by_role("button", name="Save the cover letter").click()
    page.get_by_label("File of the case").select_option(label="bruises.jpg")
    page.locator("#file-title").fill("Photo of the bruises")
    page.get_by_role("button", name="Add the case's file").click()
    assert "Exhibit added." in page.content()
    page.locator("#upload-title").fill("Photo of the cell")
    page.get_by_label("Photo or PDF").set_input_files(
        files=[{"name": "cell.jpg", "mimeType": "image/jpeg", "buffer": photo("green")}]
    )
    page.get_by_role("button", name="Upload the exhibit").click()
    assert "Exhibit added; its metadata was removed." in page.content()
    page.get_by_label("Or an age key typed for this export").fill(recipient.recipient)
    page.get_by_role("button", name="Choose the recipient").click()
    page.get_by_label("Who gave consent").fill("the person themself")
    given = timezone.localtime(timezone.now() - timedelta(hours=1))
    page.get_by_label("When (YYYY-MM-DD HH:MM)").fill(given.strftime("%Y-%m-%d %H:%M"))
    page.get_by_label("How").fill("video call on the agreed number")
    page.get_by_role("button", name="Record consent given to staff").click()
    assert "Consent recorded." in page.content()
    page.get_by_role("button", name="Ask for the export").click()
    assert "Export asked for" in page.content()
    assert page.get_by_role("button", name="Approve the export").count() == 0
    dossier_url = page.url

    # 2. A programme manager approves it.
    page_pm, requested_pm = sign_in(browser, live_server, manager)
    page_pm.goto(dossier_url)
    page_pm.get_by_role("button", name="Approve the export").click()
    assert "Export approved: it can be downloaded once." in page_pm.content()

    # 3. The caseworker downloads it, once.
    page.goto(dossier_url)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the export (once)").click()
    sealed = download_info.value.path().read_bytes()
    page.goto(dossier_url)
    assert page.get_by_role("button", name="Download the export (once)").count() == 0
    dossier = Dossier.objects.get(case=case)
    assert dossier.state == DossierState.EXPORTED
    assert hashlib.sha256(sealed).hexdigest() == dossier.package_sha256
    for url in requested + requested_pm:
        assert url.startswith(live_server.url), url

    # 4. The recipient opens it, checks the signature and every digest.
    with zipfile.ZipFile(io.BytesIO(age.decrypt(sealed, [recipient.secret]))) as archive:
        pdf = archive.read(f"dossier-{dossier.id}.pdf")
        manifest = json.loads(archive.read(f"dossier-{dossier.id}.manifest.json"))
    certificate = primitives.certificate_ders(SigningKey.objects.get().certificate)[0]
    root = asn1_x509.Certificate.load(certificate)
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    # pyHanko runs its own event loop; Playwright's holds this thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        status = pool.submit(
            validate_pdf_signature, signature, ValidationContext(trust_roots=[root])
        ).result()
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    reader = PdfReader(io.BytesIO(pdf))
    attached = {name: datas[-1] for name, datas in reader.attachments.items()}
    assert json.loads(attached["manifest.json"]) == manifest
    assert [e["title"] for e in manifest["exhibits"]] == [
        "Photo of the bruises",
        "Photo of the cell",
    ]
    for exhibit in manifest["exhibits"]:
        assert (
            hashlib.sha256(attached[exhibit["attachment"]]).hexdigest()
            == exhibit["stored"]["sha256"]
        )
    assert manifest["statement"]["sha256"] == hashlib.sha256(STATEMENT.encode()).hexdigest()
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert STATEMENT in text and TRANSLATION in text and "Demande d\u2019asile" in text
