"""Deactivating a partner (a programme manager's action, with a reason, audited): it is
no longer offered for a new referral, a referral to it not yet sent is refused at
approval and at sending with a clear message and nothing is sent, and its API tokens
stop working, for good (a reactivation does not bring them back)."""

from __future__ import annotations

import pytest

from tests.api.conftest import bearer
from tests.partners.conftest import draft, with_consent
from waystation.api.services import tokens
from waystation.audit.models import AuditEntry
from waystation.partners.models import Partner, Referral
from waystation.partners.services import partners as partner_services
from waystation.partners.services import referrals
from waystation.partners.services.common import PartnerError

pytestmark = pytest.mark.django_db

REASON = "Zqdeact their office was raided"


def _deactivate(client, partner: Partner, reason: str = REASON):
    return client.post(
        f"/partners/{partner.id}/active/", {"active": "0", "reason": reason}, follow=True
    )


def test_a_programme_manager_deactivates_a_partner_with_a_reason(staff, keyed, client_for):
    manager = client_for(staff.manager)
    response = _deactivate(manager, keyed.partner)
    assert "Partner deactivated" in response.content.decode()
    partner = Partner.objects.get(pk=keyed.partner.pk)
    assert partner.active is False
    assert partner.active_changed_by_id == staff.manager.pk
    entry = AuditEntry.objects.filter(action="partner.deactivated").get()
    assert (entry.actor_id, entry.object_id) == (staff.manager.pk, keyed.partner.id)
    # The reason is sealed, shown on the partner's page, and never in the audit log.
    page = manager.get(f"/partners/{keyed.partner.id}/").content.decode()
    assert REASON in page and "deactivated" in page
    assert REASON not in str(list(AuditEntry.objects.values()))


def test_deactivation_needs_a_reason_and_a_programme_manager(staff, keyed, client_for):
    refused = _deactivate(client_for(staff.manager), keyed.partner, reason="   ")
    assert "reason" in refused.content.decode().lower()
    worker = _deactivate(client_for(staff.caseworker), keyed.partner)
    assert "does not allow managing partners" in worker.content.decode()
    assert Partner.objects.get(pk=keyed.partner.pk).active is True
    assert not AuditEntry.objects.filter(action="partner.deactivated").exists()
    with pytest.raises(PartnerError, match="already active"):
        partner_services.set_partner_active(
            user=staff.manager, partner_id=keyed.partner.id, active=True, reason="again"
        )


def test_a_deactivated_partner_cannot_be_chosen_for_a_new_referral(staff, case, keyed, client_for):
    _deactivate(client_for(staff.manager), keyed.partner)
    worker = client_for(staff.caseworker)
    page = worker.get(f"/partners/case/{case.id}/").content.decode()
    assert keyed.partner.id not in page
    posted = worker.post(
        f"/partners/case/{case.id}/new/",
        {"partner": keyed.partner.id, "purpose": "Shelter", "parts": ["summary"], "summary": "x"},
        follow=True,
    )
    assert posted.status_code == 200
    assert not Referral.objects.exists()
    with pytest.raises(PartnerError, match="Harbour Shelter is deactivated"):
        referrals.create_referral(
            user=staff.caseworker, case_id=case.id, draft=draft(keyed.partner)
        )
    assert not Referral.objects.exists()


def test_a_referral_not_yet_sent_is_refused_at_approval_and_at_sending(
    staff, case, keyed, approved, client_for
):
    drafted = referrals.create_referral(
        user=staff.caseworker, case_id=case.id, draft=draft(keyed.partner)
    )
    with_consent(staff, case, drafted)
    partner_services.set_partner_active(
        user=staff.manager, partner_id=keyed.partner.id, active=False, reason=REASON
    )
    with pytest.raises(PartnerError, match="deactivated: nothing is referred, approved or sent"):
        referrals.approve_referral(user=staff.manager, case_id=case.id, referral_id=drafted.id)
    page = client_for(staff.caseworker).post(
        f"/partners/case/{case.id}/{approved.id}/download/", follow=True
    )
    assert "Harbour Shelter is deactivated" in page.content.decode()
    assert page.get("Content-Disposition") is None
    approved.refresh_from_db()
    drafted.refresh_from_db()
    assert (approved.state, approved.sent_at, approved.package_sha256) == ("approved", None, "")
    assert drafted.state == "draft"
    assert not AuditEntry.objects.filter(action="referral.sent").exists()
    # Reactivated, the same referral goes (its approval was for the same keys).
    partner_services.set_partner_active(
        user=staff.manager, partner_id=keyed.partner.id, active=True, reason="cleared"
    )
    sent = referrals.download_package(
        user=staff.caseworker, case_id=case.id, referral_id=approved.id
    )
    assert sent.data


def test_its_partner_tokens_stop_working_and_stay_ended(staff, keyed, approved, client_for):
    secret = tokens.create_partner_token(user=staff.manager, partner_id=keyed.partner.id).secret
    client = bearer(secret)
    assert client.get("/api/v1/partner/referrals/").status_code == 200
    _deactivate(client_for(staff.manager), keyed.partner)
    assert client.get("/api/v1/partner/referrals/").status_code == 401
    assert client.post(f"/api/v1/partner/referrals/{approved.id}/package/").status_code == 401
    with pytest.raises(tokens.TokenError, match="no longer active"):
        tokens.create_partner_token(user=staff.manager, partner_id=keyed.partner.id)
    client_for(staff.manager).post(
        f"/partners/{keyed.partner.id}/active/", {"active": "1", "reason": "cleared"}
    )
    assert Partner.objects.get(pk=keyed.partner.pk).active is True
    assert AuditEntry.objects.filter(action="partner.reactivated").count() == 1
    # The old token may have leaked with whatever was raided: it stays dead.
    assert client.get("/api/v1/partner/referrals/").status_code == 401
    fresh = tokens.create_partner_token(user=staff.manager, partner_id=keyed.partner.id).secret
    assert bearer(fresh).get("/api/v1/partner/referrals/").status_code == 200
    approved.refresh_from_db()
    assert approved.state == "approved"


def test_only_a_programme_manager_is_offered_the_form(staff, keyed, client_for):
    action = f'action="/partners/{keyed.partner.id}/active/"'
    assert (
        action in client_for(staff.manager).get(f"/partners/{keyed.partner.id}/").content.decode()
    )
    worker = client_for(staff.caseworker).get(f"/partners/{keyed.partner.id}/").content.decode()
    assert action not in worker
