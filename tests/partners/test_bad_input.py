"""Hostile or broken input gets a clear message and changes nothing (docs/design.md
§2.9): a file that is not age, one encrypted to someone else, zips with path tricks, an
oversized manifest, a bomb, files that are not what the manifest says, and markup in
names (shown as text)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from tests.partners.conftest import draft
from waystation.intake.models import Attachment, HelpRequest
from waystation.partners.models import IncomingReferral, Partner
from waystation.partners.services import identity, incoming, package, referrals
from waystation.partners.services import partners as partner_services
from waystation.partners.services.common import PartnerError
from waystation.vault import age

pytestmark = pytest.mark.django_db


@pytest.fixture
def ours(db):
    from waystation.intake.screening import ensure_intake_key

    ensure_intake_key(actor_id=None)
    return identity.ensure_installation_identity(actor_id=None).recipient


@pytest.fixture
def sender(staff):
    return partner_services.add_partner(
        user=staff.manager, details=partner_services.PartnerDetails(name="Sender Org")
    )


def _manifest(**overrides):
    manifest = {
        "format": "waystation-referral",
        "version": 1,
        "referral_id": "abc123",
        "created_at": "2026-12-01T10:00:00+00:00",
        "sender": {"installation": "Elsewhere"},
        "partner": {"name": "Us"},
        "purpose": "shelter",
        "urgency": 2,
        "country": "RU",
        "parts": {"summary": "Needs a place to stay"},
        "files": [],
    }
    manifest.update(overrides)
    return manifest


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _unchanged():
    return (
        HelpRequest.objects.count(),
        Attachment.objects.count(),
        IncomingReferral.objects.count(),
    )


def _refused(data: bytes, sender: Partner, match: str) -> None:
    before = _unchanged()
    with pytest.raises(PartnerError, match=match):
        incoming.receive_referral(data, sender)
    assert _unchanged() == before


def test_a_good_package_is_imported_once(ours, sender):
    data = age.encrypt(_zip({"manifest.json": json.dumps(_manifest()).encode()}), [ours])
    request_id = incoming.receive_referral(data, sender)
    stored = HelpRequest.objects.get(pk=request_id)
    assert (stored.channel, stored.referred_by) == ("partner", "Sender Org")
    _refused(data, sender, "imported before")


def test_a_file_that_is_not_age(ours, sender):
    _refused(b"%PDF-1.4 not a package", sender, "not an age-encrypted file")
    _refused(b"", sender, "not an age-encrypted file")


def test_a_package_for_someone_else(ours, sender):
    data = age.encrypt(_zip({"manifest.json": b"{}"}), [age.new_identity().recipient])
    _refused(data, sender, "not encrypted to this installation")


def test_age_but_not_a_zip(ours, sender):
    _refused(age.encrypt(b"just text", [ours]), sender, "not a zip")


@pytest.mark.parametrize(
    "name",
    ["../x", "files/../../x", "/etc/passwd", "files\\..\\x", "files/a/b.pdf", "other.txt", "C:x"],
)
def test_path_tricks_in_the_zip(ours, sender, name):
    data = age.encrypt(
        _zip({"manifest.json": json.dumps(_manifest()).encode(), name: b"x"}), [ours]
    )
    _refused(data, sender, "refused")


def test_an_oversized_manifest(ours, sender):
    big = json.dumps(_manifest(purpose="x" * (package.MAX_MANIFEST_BYTES + 10))).encode()
    _refused(age.encrypt(_zip({"manifest.json": big}), [ours]), sender, "manifest is larger")


def test_a_decompression_bomb_stops_at_the_limit(ours, sender):
    bomb = b"\0" * (package.MAX_FILE_BYTES + 1)
    entry = {
        "name": "f.pdf",
        "size": len(bomb),
        "sha256": "0" * 64,
        "content_type": "application/pdf",
    }
    data = age.encrypt(
        _zip({"manifest.json": json.dumps(_manifest(files=[entry])).encode(), "files/f.pdf": bomb}),
        [ours],
    )
    _refused(data, sender, "larger than")


def test_a_file_that_is_not_what_the_manifest_says(ours, sender):
    entry = {"name": "f.pdf", "size": 3, "sha256": "0" * 64, "content_type": "application/pdf"}
    data = age.encrypt(
        _zip(
            {"manifest.json": json.dumps(_manifest(files=[entry])).encode(), "files/f.pdf": b"abc"}
        ),
        [ours],
    )
    _refused(data, sender, "not the one the manifest describes")


@pytest.mark.parametrize(
    "manifest",
    [
        _manifest(format="other"),
        _manifest(version=2),
        _manifest(parts={"secret_part": "x"}),
        _manifest(urgency="now"),
        _manifest(parts="summary"),
        ["not", "an", "object"],
    ],
)
def test_a_malformed_manifest(ours, sender, manifest):
    data = age.encrypt(_zip({"manifest.json": json.dumps(manifest).encode()}), [ours])
    _refused(data, sender, ".")


def test_the_import_page_says_why_and_changes_nothing(ours, sender, staff, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(staff.caseworker)
    before = _unchanged()
    response = client.post(
        "/partners/import/",
        {"partner": sender.id, "package": SimpleUploadedFile("p.age", b"<html>not age</html>")},
        follow=True,
    )
    assert "not an age-encrypted file" in response.content.decode()
    assert _unchanged() == before


def test_markup_in_names_renders_as_text(staff, case, keyed, client_for):
    partner = partner_services.add_partner(
        user=staff.manager,
        details=partner_services.PartnerDetails(
            name="<b>Bold</b> Org", contacts="<script>alert(1)</script>"
        ),
    )
    client = client_for(staff.manager)
    listed = client.get("/partners/").content.decode()
    detail = client.get(f"/partners/{partner.id}/").content.decode()
    assert "<b>Bold</b>" not in listed and "&lt;b&gt;Bold&lt;/b&gt;" in listed
    assert "<script>alert(1)</script>" not in detail
    referral = referrals.create_referral(
        user=staff.caseworker,
        case_id=case.id,
        draft=draft(keyed.partner, purpose="<img src=x onerror=alert(1)>", summary="<i>s</i>"),
    )
    page = client_for(staff.caseworker).get(f"/partners/case/{case.id}/{referral.id}/")
    assert "<img src=x" not in page.content.decode()
    assert "<i>s</i>" not in page.content.decode()


def test_a_name_with_control_characters_is_refused(staff):
    with pytest.raises(PartnerError, match="control characters"):
        partner_services.add_partner(
            user=staff.manager, details=partner_services.PartnerDetails(name="Org\nX")
        )
    assert not Partner.objects.exists()


def test_a_partner_referral_takes_no_answer_to_a_mailbox_nobody_holds(ours, sender, staff):
    from waystation.intake import screening
    from waystation.intake.models import MailboxMessage, MessageKind

    data = age.encrypt(_zip({"manifest.json": json.dumps(_manifest()).encode()}), [ours])
    request_id = incoming.receive_referral(data, sender)
    with pytest.raises(screening.ScreeningError, match="referred by a partner"):
        screening.answer_request(
            user=staff.screener, request_id=request_id, kind=MessageKind.REPLY, text="Hello"
        )
    assert not MailboxMessage.objects.filter(request_id=request_id).exists()
