"""The audit log says who sent a referral in (docs/referrals.md): the intake's
``intake.partner_referral_received`` entry names the partner by its id when the partner
sent it itself, and a staff import names who imported it and, in the entry after, the
partner the file came from. Ids only: never the partner's name."""

from __future__ import annotations

import json

import pytest

from tests.partners.test_bad_input import _manifest, _zip
from waystation.audit import services as audit
from waystation.audit.models import AuditEntry
from waystation.partners.services import identity, incoming
from waystation.partners.services import partners as partner_services
from waystation.vault import age

pytestmark = pytest.mark.django_db


@pytest.fixture
def package_and_sender(staff):
    from waystation.intake.screening import ensure_intake_key

    ensure_intake_key(actor_id=None)
    ours = identity.ensure_installation_identity(actor_id=None).recipient
    sender = partner_services.add_partner(
        user=staff.manager, details=partner_services.PartnerDetails(name="Sender Org")
    )
    data = age.encrypt(_zip({"manifest.json": json.dumps(_manifest()).encode()}), [ours])
    return data, sender


def test_a_referral_the_partner_sent_itself_names_the_partner(package_and_sender):
    data, sender = package_and_sender
    request_id = incoming.receive_referral(data, sender, by_partner=True)
    entry = AuditEntry.objects.get(action="intake.partner_referral_received")
    assert (entry.object_type, entry.object_id) == ("request", request_id)
    assert (entry.actor_id, entry.actor_partner_id) == (None, sender.id)
    assert audit.verify_chain().ok
    assert "Sender Org" not in str(list(AuditEntry.objects.values()))


def test_a_staff_import_names_who_imported_it_and_the_partner(package_and_sender, staff):
    data, sender = package_and_sender
    request_id = incoming.import_package(
        user=staff.caseworker, partner_id=sender.id, package_bytes=data
    )
    received = AuditEntry.objects.get(action="intake.partner_referral_received")
    assert (received.object_id, received.actor_id) == (request_id, staff.caseworker.pk)
    sent_by = AuditEntry.objects.get(seq=received.seq + 1)
    assert (sent_by.action, sent_by.object_type, sent_by.object_id) == (
        "intake.partner_referral_from",
        "partner",
        sender.id,
    )
    assert sent_by.actor_id == staff.caseworker.pk
    assert audit.verify_chain().ok
