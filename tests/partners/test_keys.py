"""A partner's key needs two programme managers: one proposes, another approves. Both
steps are audited, only an approved key is active, and an approved change flags every
referral to that partner not yet sent."""

from __future__ import annotations

import pytest

from tests.factories import make_staff
from tests.partners.conftest import draft
from waystation.accounts.roles import Role
from waystation.audit.models import AuditEntry
from waystation.partners.models import KeyChange, PartnerKey, Referral
from waystation.partners.services import partners as partner_services
from waystation.partners.services import referrals
from waystation.partners.services.common import PartnerError
from waystation.vault import age

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(staff):
    return partner_services.add_partner(
        user=staff.manager, details=partner_services.PartnerDetails(name="Legal Aid North")
    )


def test_the_proposer_cannot_approve_their_own_key(staff, partner):
    change = partner_services.propose_key(
        user=staff.manager, partner_id=partner.id, recipient=age.new_identity().recipient
    )
    with pytest.raises(PartnerError, match="another programme manager"):
        partner_services.decide_key_change(user=staff.manager, change_id=change.id, approve=True)
    assert not PartnerKey.objects.filter(partner=partner).exists()
    assert KeyChange.objects.get(pk=change.pk).status == "pending"


def test_only_programme_managers_propose_or_approve(staff, partner):
    recipient = age.new_identity().recipient
    for who in (staff.caseworker, staff.logistics, staff.screener, staff.admin):
        with pytest.raises(PartnerError):
            partner_services.propose_key(user=who, partner_id=partner.id, recipient=recipient)
    change = partner_services.propose_key(
        user=staff.manager, partner_id=partner.id, recipient=recipient
    )
    for who in (staff.caseworker, staff.documentation, staff.admin):
        with pytest.raises(PartnerError):
            partner_services.decide_key_change(user=who, change_id=change.id, approve=True)
    assert not PartnerKey.objects.exists()


def test_a_second_programme_manager_makes_it_active_and_both_are_audited(staff, partner):
    identity = age.new_identity()
    change = partner_services.propose_key(
        user=staff.manager, partner_id=partner.id, recipient=identity.recipient
    )
    assert partner_services.active_keys(partner) == []  # proposed is not active

    partner_services.decide_key_change(user=staff.other_manager, change_id=change.id, approve=True)

    [key] = partner_services.active_keys(partner)
    assert key.recipient == identity.recipient
    assert key.fingerprint == age.fingerprint(identity.recipient)
    assert len(key.fingerprint.split(" ")) == 8 and all(
        len(g) == 4 for g in key.fingerprint.split()
    )
    entries = list(AuditEntry.objects.filter(object_id=change.id).values_list("actor_id", "action"))
    assert (staff.manager.pk, "partner.key_proposed") in entries
    assert (staff.other_manager.pk, "partner.key_approved") in entries


def test_a_refused_key_never_becomes_active(staff, partner):
    change = partner_services.propose_key(
        user=staff.manager, partner_id=partner.id, recipient=age.new_identity().recipient
    )
    partner_services.decide_key_change(user=staff.other_manager, change_id=change.id, approve=False)
    assert partner_services.active_keys(partner) == []
    with pytest.raises(PartnerError, match="already decided"):
        partner_services.decide_key_change(
            user=make_staff(Role.PROGRAMME_MANAGER), change_id=change.id, approve=True
        )


def test_a_key_change_flags_every_pending_referral(staff, case, keyed, tmp_path):
    drafted = referrals.create_referral(
        user=staff.caseworker, case_id=case.id, draft=draft(keyed.partner)
    )
    cancelled = referrals.create_referral(
        user=staff.caseworker, case_id=case.id, draft=draft(keyed.partner)
    )
    referrals.cancel_referral(user=staff.caseworker, case_id=case.id, referral_id=cancelled.id)

    change = partner_services.propose_key(
        user=staff.manager, partner_id=keyed.partner.id, recipient=age.new_identity().recipient
    )
    partner_services.decide_key_change(user=staff.other_manager, change_id=change.id, approve=True)

    assert Referral.objects.get(pk=drafted.pk).key_changed_at is not None
    assert Referral.objects.get(pk=cancelled.pk).key_changed_at is None
    assert AuditEntry.objects.filter(
        action="referral.key_changed_flagged", object_id=drafted.id
    ).exists()


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "age1notakey",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
        "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ",
        "<script>alert(1)</script>",
        "age1" + "q" * 200,
    ],
)
def test_a_malformed_key_is_refused_and_changes_nothing(staff, partner, typed):
    with pytest.raises(PartnerError) as refused:
        partner_services.propose_key(user=staff.manager, partner_id=partner.id, recipient=typed)
    assert "age" in str(refused.value)
    assert "<script>" not in str(refused.value)
    assert not KeyChange.objects.exists()


def test_the_key_pages_as_two_managers(staff, partner, client_for):
    identity = age.new_identity()
    first = client_for(staff.manager)
    response = first.post(
        f"/partners/{partner.id}/keys/", {"recipient": identity.recipient}, follow=True
    )
    assert age.fingerprint(identity.recipient) in response.content.decode()
    change = KeyChange.objects.get(partner=partner)
    own = first.post(
        f"/partners/{partner.id}/keys/{change.id}/decide/", {"decision": "approve"}, follow=True
    )
    assert "another programme manager" in own.content.decode()
    assert not PartnerKey.objects.exists()
    client_for(staff.other_manager).post(
        f"/partners/{partner.id}/keys/{change.id}/decide/", {"decision": "approve"}
    )
    assert PartnerKey.objects.filter(partner=partner, recipient=identity.recipient).exists()
