"""Waystation to Waystation over the API: installation A is a live server (this process,
its own database), installation B a second process with its own SQLite database, data
folder and vault. A refers a case to B (the partner "B-org", whose age key is B's own
identity key) and issues B a partner token; B, over real HTTP on 127.0.0.1, takes the
package once, imports it into its triage queue, opens a case from it, and reports
"received" and "accepted" back to A's API. A's referral is accepted, on its timeline,
with the audit entries naming the partner."""

from __future__ import annotations

import pytest

from tests.partners.conftest import approved_referral_to_peer, peer
from waystation.api.services import tokens
from waystation.audit.models import AuditEntry
from waystation.cases.selectors.case_file import open_case
from waystation.partners.models import Referral

pytestmark = [pytest.mark.slow]


def test_b_takes_the_package_from_a_s_api_and_reports_its_acceptance_back(
    live_server, staff, case, tmp_path
):
    b_dir = tmp_path / "installation-b"
    b_dir.mkdir()
    b = peer(b_dir, "init")

    partner, referral = approved_referral_to_peer(
        staff, case, name="B-org", recipient=str(b["recipient"])
    )
    issued = tokens.create_partner_token(user=staff.manager, partner_id=partner.id)
    token_file = b_dir / "a-token"
    token_file.write_text(issued.secret)
    token_file.chmod(0o600)

    # By address, not "localhost": nothing beyond 127.0.0.1 (the peer checks it).
    a_url = live_server.url.replace("://localhost:", "://127.0.0.1:")
    result = peer(b_dir, "exchange", a_url, str(token_file))

    assert result["referral_id"] == referral.id
    assert result["second_fetch"] == [
        400,
        "This package was already downloaded once; it is not offered again.",
    ]
    assert (result["channel"], result["referred_by"]) == ("partner", "Installation A")
    assert "Wplkmarker" in str(result["excerpt"])
    assert result["case_channel"] == "partner"
    assert result["reports"] == [[200, "received"], [200, "accepted"]]

    referral = Referral.objects.get(pk=referral.pk)
    assert referral.state == "accepted" and referral.sent_by_id is None
    timeline = open_case(user=staff.caseworker, case_id=case.id).timeline
    texts = [e.text for e in timeline if e.kind == "referral"]
    assert (
        "Referral to B-org: Received by the partner → Accepted by the partner: case opened at B"
        " (by B-org, over the API)"
    ) in texts
    by_partner = AuditEntry.objects.filter(object_id=referral.id, actor_partner_id=partner.id)
    assert set(by_partner.values_list("action", flat=True)) == {
        "referral.sent",
        "referral.received",
        "referral.accepted",
    }
    assert not by_partner.exclude(actor_id=None).exists()
