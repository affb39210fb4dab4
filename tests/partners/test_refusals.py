"""A referral is refused with a clear message, and nothing is built or sent, when the
person's consent is missing, when its creator tries to approve it, when the partner's
key changed since it was approved, and when the partner has no approved key."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.http import Http404

from tests.partners.conftest import draft, keyed_partner, with_consent
from waystation.partners.models import Partner, Referral
from waystation.partners.services import partners as partner_services
from waystation.partners.services import referrals
from waystation.partners.services.common import PartnerError
from waystation.vault import age

pytestmark = pytest.mark.django_db


def _sealed_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "sealed"
    return sorted(root.rglob("*.sealed")) if root.exists() else []


def _nothing_sent(referral: Referral, files_before: list[Path]) -> None:
    referral.refresh_from_db()
    assert referral.sent_at is None
    assert referral.package_sha256 == ""
    assert referral.sent_copy is None
    assert _sealed_files() == files_before  # no package written, even sealed


def test_no_consent_no_approval(staff, case, drafted):
    before = _sealed_files()
    with pytest.raises(PartnerError, match="consent is not recorded"):
        referrals.approve_referral(user=staff.manager, case_id=case.id, referral_id=drafted.id)
    drafted.refresh_from_db()
    assert drafted.state == "draft"
    _nothing_sent(drafted, before)


def test_no_consent_no_sending_even_if_approved_somehow(staff, case, approved):
    Referral.objects.filter(pk=approved.pk).update(consent_kind="", consent_at=None)
    before = _sealed_files()
    with pytest.raises(PartnerError, match="consent is not recorded"):
        referrals.download_package(user=staff.caseworker, case_id=case.id, referral_id=approved.id)
    _nothing_sent(approved, before)


def test_its_creator_cannot_approve_it(staff, case, keyed):
    referral = referrals.create_referral(
        user=staff.manager, case_id=case.id, draft=draft(keyed.partner)
    )
    with_consent(staff, case, referral)
    with pytest.raises(PartnerError, match="You made this referral"):
        referrals.approve_referral(user=staff.manager, case_id=case.id, referral_id=referral.id)
    referral.refresh_from_db()
    assert referral.state == "draft"
    assert referral.approved_by_id is None


def test_a_key_changed_since_approval_refuses_the_sending(staff, case, keyed, approved):
    change = partner_services.propose_key(
        user=staff.manager, partner_id=keyed.partner.id, recipient=age.new_identity().recipient
    )
    partner_services.decide_key_change(user=staff.other_manager, change_id=change.id, approve=True)
    before = _sealed_files()

    with pytest.raises(PartnerError, match="keys changed since this referral was approved"):
        referrals.download_package(user=staff.caseworker, case_id=case.id, referral_id=approved.id)

    approved.refresh_from_db()
    assert approved.state == "approved"
    assert approved.key_changed_at is not None
    _nothing_sent(approved, before)


def test_a_key_changed_without_the_flag_is_still_caught(staff, case, keyed, approved):
    """Defence in depth: the version check alone refuses, were the flag ever missed."""
    Partner.objects.filter(pk=keyed.partner.pk).update(key_version=keyed.partner.key_version + 1)
    with pytest.raises(PartnerError, match="keys changed"):
        referrals.download_package(user=staff.caseworker, case_id=case.id, referral_id=approved.id)


def test_approved_again_after_a_key_change_it_goes_to_the_new_key(staff, case, keyed, approved):
    new = age.new_identity()
    change = partner_services.propose_key(
        user=staff.manager,
        partner_id=keyed.partner.id,
        recipient=new.recipient,
        replaces_id=partner_services.active_keys(keyed.partner)[0].id,
    )
    partner_services.decide_key_change(user=staff.other_manager, change_id=change.id, approve=True)
    referrals.approve_referral(user=staff.manager, case_id=case.id, referral_id=approved.id)

    sent = referrals.download_package(
        user=staff.caseworker, case_id=case.id, referral_id=approved.id
    )

    assert age.decrypt(sent.data, [new.secret])
    with pytest.raises(age.AgeError):
        age.decrypt(sent.data, [keyed.identity.secret])  # the retired key


def test_a_partner_without_an_approved_key_gets_nothing(staff, case, tmp_path):
    partner = partner_services.add_partner(
        user=staff.manager, details=partner_services.PartnerDetails(name="Keyless")
    )
    partner_services.propose_key(
        user=staff.manager, partner_id=partner.id, recipient=age.new_identity().recipient
    )  # proposed, never approved: unknown
    referral = referrals.create_referral(
        user=staff.caseworker, case_id=case.id, draft=draft(partner)
    )
    with_consent(staff, case, referral)
    before = _sealed_files()
    with pytest.raises(PartnerError, match="no approved age key"):
        referrals.approve_referral(user=staff.manager, case_id=case.id, referral_id=referral.id)
    _nothing_sent(referral, before)


def test_nothing_is_included_by_default(staff, case, keyed):
    with pytest.raises(PartnerError, match="nothing is included by default"):
        referrals.create_referral(
            user=staff.caseworker, case_id=case.id, draft=draft(keyed.partner, parts=[])
        )
    assert not Referral.objects.exists()


def test_a_non_manager_cannot_approve(staff, case, drafted):
    with_consent(staff, case, drafted)
    for who in (staff.caseworker, staff.logistics, staff.screener):
        with pytest.raises((PartnerError, Http404)):  # a 404 for those who cannot see it
            referrals.approve_referral(user=who, case_id=case.id, referral_id=drafted.id)
    drafted.refresh_from_db()
    assert drafted.state == "draft"


def test_a_second_partner_is_not_flagged_by_the_first_s_key_change(
    staff, case, keyed, approved, tmp_path
):
    other = keyed_partner(staff, tmp_path, name="Other Org")
    referral = referrals.create_referral(
        user=staff.caseworker, case_id=case.id, draft=draft(other.partner)
    )
    change = partner_services.propose_key(
        user=staff.manager, partner_id=keyed.partner.id, recipient=age.new_identity().recipient
    )
    partner_services.decide_key_change(user=staff.other_manager, change_id=change.id, approve=True)
    referral.refresh_from_db()
    assert referral.key_changed_at is None
