"""A partner without Waystation makes a package with the stock tools (``zip -r`` and
``age -r``, as docs/referrals.md shows) and it lands in the triage queue."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess

import pytest

from tests.intake.files import jpeg_with_gps
from waystation.intake.models import Attachment, HelpRequest
from waystation.intake.screening import ensure_intake_key
from waystation.partners.services import identity, incoming
from waystation.partners.services import partners as partner_services

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not (shutil.which("zip") and shutil.which("age")), reason="needs the zip and age commands"
    ),
]


def test_a_package_made_with_zip_and_age_is_imported(staff, tmp_path):
    ensure_intake_key(actor_id=None)
    ours = identity.ensure_installation_identity(actor_id=None).recipient
    partner = partner_services.add_partner(
        user=staff.manager, details=partner_services.PartnerDetails(name="Paper Org")
    )
    folder = tmp_path / "referral"
    (folder / "files").mkdir(parents=True)
    photo = jpeg_with_gps()
    (folder / "files" / "file-1.jpg").write_bytes(photo)
    manifest = {
        "format": "waystation-referral",
        "version": 1,
        "referral_id": "paper-17",
        "created_at": "2026-12-01T10:00:00+01:00",
        "sender": {"installation": "Paper Org"},
        "partner": {"name": "Us"},
        "purpose": "relocation",
        "urgency": 1,
        "country": "RU",
        "parts": {
            "summary": "Threatened by relatives; needs to leave this week.",
            "contact_route": {"channel": "signal", "handle": "+7 900 000 11 22"},
        },
        "files": [
            {
                "name": "file-1.jpg",
                "content_type": "image/jpeg",
                "size": len(photo),
                "sha256": hashlib.sha256(photo).hexdigest(),
            }
        ],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False))
    subprocess.run(
        ["zip", "-qr", str(tmp_path / "r.zip"), "manifest.json", "files"], cwd=folder, check=True
    )
    subprocess.run(
        ["age", "-r", ours, "-o", str(tmp_path / "r.age"), str(tmp_path / "r.zip")], check=True
    )

    request_id = incoming.receive_referral((tmp_path / "r.age").read_bytes(), partner)

    stored = HelpRequest.objects.get(pk=request_id)
    assert (stored.channel, stored.referred_by, stored.urgency) == ("partner", "Paper Org", 1)
    assert Attachment.objects.filter(request=stored).count() == 1  # rebuilt, metadata gone
