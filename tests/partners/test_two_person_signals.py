"""What makes one administrator with two invented programme-manager accounts visible
to the real ones (security review, M6): every key approval alerts every programme
manager with the partner and the key's fingerprint; the approval page shows the keys
and the files; a partner renamed flags its pending referrals."""

from __future__ import annotations

import pytest

from tests.partners.conftest import draft, with_consent
from waystation.cases.services.documents import attach_document, case_files
from waystation.partners.models import KeyAlert
from waystation.partners.services import partners as partner_services
from waystation.partners.services import referrals
from waystation.partners.services.common import PartnerError
from waystation.vault import age

pytestmark = pytest.mark.django_db


def test_a_key_approval_alerts_every_programme_manager(staff, keyed, client_for):
    new = age.new_identity().recipient
    change = partner_services.propose_key(
        user=staff.manager, partner_id=keyed.partner.id, recipient=new
    )
    partner_services.decide_key_change(user=staff.other_manager, change_id=change.id, approve=True)
    told = set(KeyAlert.objects.filter(change=change).values_list("recipient_id", flat=True))
    assert {staff.manager.pk, staff.other_manager.pk} <= told
    assert staff.admin.pk not in told and staff.caseworker.pk not in told
    page = client_for(staff.manager).get("/partners/").content.decode()
    assert age.fingerprint(new) in page
    assert keyed.partner.name in page


def test_the_approval_page_shows_the_keys_and_the_files(staff, case, keyed, client_for):
    attach_document(
        actor_id=None,
        case=case,
        name="passport-scan.pdf",
        content_type="application/pdf",
        data=b"%PDF-1.4 a file",
    )
    chosen = case_files(case=case)[0]
    referral = referrals.create_referral(
        user=staff.caseworker,
        case_id=case.id,
        draft=draft(keyed.partner, parts=["summary", "files"], file_ids=[chosen.id]),
    )
    html = client_for(staff.manager).get(f"/partners/case/{case.id}/{referral.id}/")
    text = html.content.decode()
    assert age.fingerprint(keyed.identity.recipient) in text
    assert "file-1.pdf" in text and "passport-scan.pdf" in text


def test_renaming_a_partner_flags_its_pending_referrals(staff, case, approved, keyed):
    partner_services.change_partner(
        user=staff.manager,
        partner_id=keyed.partner.id,
        details=partner_services.PartnerDetails(name="Totally Different Org"),
    )
    approved.refresh_from_db()
    assert approved.key_changed_at is not None
    with pytest.raises(PartnerError, match="approve it again"):
        referrals.download_package(user=staff.caseworker, case_id=case.id, referral_id=approved.id)
    again = referrals.approve_referral(user=staff.manager, case_id=case.id, referral_id=approved.id)
    assert again.key_changed_at is None


def test_a_change_that_keeps_the_name_flags_nothing(staff, case, drafted, keyed):
    with_consent(staff, case, drafted)
    partner_services.change_partner(
        user=staff.manager,
        partner_id=keyed.partner.id,
        details=partner_services.PartnerDetails(name=keyed.partner.name, country="FR"),
    )
    drafted.refresh_from_db()
    assert drafted.key_changed_at is None
