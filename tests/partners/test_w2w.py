"""Waystation to Waystation: a package built by installation A opens in installation B,
a second process with its own database, data folder and vault, and lands in B's triage
queue as a partner referral naming A. B's acceptance, told to A, is recorded at A."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.partners.conftest import draft, with_consent
from tests.processes import run_peer
from waystation.cases.selectors.case_file import open_case
from waystation.partners.models import Referral
from waystation.partners.services import partners as partner_services
from waystation.partners.services import referrals

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _peer(data_dir: Path, *args: str) -> dict[str, object]:
    out = run_peer(data_dir, "tests.partners.peer", *args)
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def test_a_package_from_a_lands_in_b_s_queue_and_b_s_answer_is_recorded_at_a(staff, case, tmp_path):
    b_dir = tmp_path / "installation-b"
    b_dir.mkdir()
    b = _peer(b_dir, "init")

    # At A: installation B is a partner whose key two programme managers approved.
    partner = partner_services.add_partner(
        user=staff.manager, details=partner_services.PartnerDetails(name="Installation B")
    )
    change = partner_services.propose_key(
        user=staff.manager, partner_id=partner.id, recipient=str(b["recipient"])
    )
    partner_services.decide_key_change(user=staff.other_manager, change_id=change.id, approve=True)
    referral = referrals.create_referral(
        user=staff.caseworker,
        case_id=case.id,
        draft=draft(
            partner,
            parts=["summary", "contact_route"],
            summary="Wplkmarker needs shelter on arrival",
            contact_channel="signal",
            contact_handle="+7 912 555 77 88",
        ),
    )
    with_consent(staff, case, referral)
    referrals.approve_referral(user=staff.manager, case_id=case.id, referral_id=referral.id)
    sent = referrals.download_package(
        user=staff.caseworker, case_id=case.id, referral_id=referral.id
    )
    package_file = tmp_path / sent.filename
    package_file.write_bytes(sent.data)

    received = _peer(b_dir, "receive", str(package_file))

    assert received["in_queue"] is True
    assert received["channel"] == "partner"
    assert received["stored_channel"] == "partner"
    assert received["referred_by"] == "Installation A"
    assert "Wplkmarker" in str(received["excerpt"])
    assert received["case_channel"] == "partner"
    assert received["case_phone_index"] is True  # the same signals as any request

    # B tells A (by its agreed route); A's staff record it.
    referral = Referral.objects.get(pk=referral.pk)
    referrals.record_partner_update(referral, "received", by=staff.caseworker)
    referrals.record_partner_update(referral, "accepted", by=staff.caseworker, note="bed ready")
    referral.refresh_from_db()
    assert referral.state == "accepted"
    timeline = open_case(user=staff.caseworker, case_id=case.id).timeline
    texts = [e.text for e in timeline if e.kind == "referral"]
    assert any("Received by the partner → Accepted by the partner: bed ready" in t for t in texts)
