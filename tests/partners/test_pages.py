"""The staff pages, used as people use them: a caseworker drafts a referral from the
case's page ticking parts, records consent, a programme manager approves, the
caseworker downloads once and records what the partner said; a manager makes the
installation's key and a caseworker imports a package."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from waystation.intake.models import HelpRequest
from waystation.intake.screening import ensure_intake_key
from waystation.partners.models import InstallationIdentity, Referral
from waystation.partners.services import package
from waystation.vault import age

pytestmark = pytest.mark.django_db


def test_a_referral_from_the_case_page_to_the_partner(staff, case, keyed, client_for):
    worker = client_for(staff.caseworker)
    page = worker.get(f"/partners/case/{case.id}/").content.decode()
    assert keyed.partner.name in page
    assert "checked" not in page  # nothing is ticked for you

    drafted = worker.post(
        f"/partners/case/{case.id}/new/",
        {
            "partner": keyed.partner.id,
            "purpose": "Shelter on arrival",
            "parts": ["summary", "contact_route"],
            "summary": "Needs a bed",
            "contact_channel": "signal",
            "contact_handle": "+7 900 000 00 00",
            "relocation_needs": "not ticked, not kept",
        },
        follow=True,
    )
    referral = Referral.objects.get()
    assert drafted.redirect_chain[-1][0].endswith(f"/partners/case/{case.id}/{referral.id}/")
    assert referral.parts == ["summary", "contact_route"]
    base = f"/partners/case/{case.id}/{referral.id}/"
    worker.post(
        base + "consent/",
        {"given_by": "the person", "given_at": "2026-12-01 10:00", "how": "phone call"},
    )
    client_for(staff.manager).post(base + "approve/")
    referral.refresh_from_db()
    assert referral.state == "approved"

    download = worker.post(base + "download/")
    opened = package.read_package(age.decrypt(download.content, [keyed.identity.secret]))
    assert opened.manifest["parts"]["contact_route"] == {
        "channel": "signal",
        "handle": "+7 900 000 00 00",
    }
    assert "relocation_needs" not in opened.manifest["parts"]

    worker.post(base + "state/", {"state": "received", "note": ""})
    worker.post(base + "state/", {"state": "declined", "note": "no beds this month"})
    shown = worker.get(base).content.decode()
    assert "Declined by the partner" in shown and "no beds this month" in shown
    case_page = worker.get(f"/cases/{case.id}/").content.decode()
    assert "Received by the partner → Declined by the partner" in case_page


def test_the_installation_key_page_and_an_import(staff, keyed, client_for):
    ensure_intake_key(actor_id=None)
    manager = client_for(staff.manager)
    assert "no key yet" in manager.get("/partners/identity/").content.decode()
    manager.post("/partners/identity/")
    ours = InstallationIdentity.objects.get()
    page = manager.get("/partners/identity/").content.decode()
    assert ours.recipient in page and age.fingerprint(ours.recipient) in page

    manifest = package.manifest_for(
        referral_id="x1",
        created_at=ours.created_at,
        sender={"installation": "Them"},
        partner={"name": "Us"},
        purpose="legal aid",
        urgency=3,
        country="AM",
        parts={"summary": "Needs a lawyer"},
        files=[],
    )
    sealed = age.encrypt(package.zip_package(manifest, []), [ours.recipient])
    response = client_for(staff.caseworker).post(
        "/partners/import/",
        {"partner": keyed.partner.id, "package": SimpleUploadedFile("r.age", sealed)},
        follow=True,
    )
    assert "in the triage queue" in response.content.decode()
    stored = HelpRequest.objects.get()
    assert (stored.channel, stored.referred_by, stored.country) == (
        "partner",
        keyed.partner.name,
        "AM",
    )
    queue = client_for(staff.screener).get("/intake/").content.decode()
    assert "Partner referral" in queue and keyed.partner.name in queue
