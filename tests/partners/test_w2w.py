"""Waystation to Waystation: a package built by installation A opens in installation B,
a second process with its own database, data folder and vault, and lands in B's triage
queue as a partner referral naming A. B's acceptance, told to A, is recorded at A."""

from __future__ import annotations

import pytest

from tests.partners.conftest import approved_referral_to_peer, peer
from waystation.cases.selectors.case_file import open_case
from waystation.partners.models import Referral
from waystation.partners.services import referrals

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_a_package_from_a_lands_in_b_s_queue_and_b_s_answer_is_recorded_at_a(staff, case, tmp_path):
    b_dir = tmp_path / "installation-b"
    b_dir.mkdir()
    b = peer(b_dir, "init")

    _partner, referral = approved_referral_to_peer(
        staff, case, name="Installation B", recipient=str(b["recipient"])
    )
    sent = referrals.download_package(
        user=staff.caseworker, case_id=case.id, referral_id=referral.id
    )
    package_file = tmp_path / sent.filename
    package_file.write_bytes(sent.data)

    received = peer(b_dir, "receive", str(package_file))

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
