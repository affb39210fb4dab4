"""The demo has invented partners, each with a key two programme managers approved, and
their private keys in the data folder: what is sent to one opens with its key file."""

from __future__ import annotations

import pytest

from waystation.accounts.models import StaffUser
from waystation.demo import services as demo
from waystation.demo.people import DEMO_PARTNERS
from waystation.partners.models import KeyChange, Partner, Referral
from waystation.partners.services import partners as partner_services
from waystation.vault import age

pytestmark = pytest.mark.django_db


def test_the_demo_partners_have_approved_keys_and_key_files(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    demo.create_demo_organisation()

    assert Partner.objects.count() == len(DEMO_PARTNERS)
    for made in DEMO_PARTNERS:
        partner = Partner.objects.get(name=made.name)
        assert "(demo)" in partner.name
        [key] = partner_services.active_keys(partner)
        change = KeyChange.objects.get(pk=key.change_id)
        assert change.proposed_by_id != change.decided_by_id
        for person in (change.proposed_by_id, change.decided_by_id):
            assert StaffUser.objects.get(pk=person).has_perm("partners.manage_partners")
        key_file = settings.DATA_DIR / "partner-keys" / made.key_file
        assert key_file.stat().st_mode & 0o077 == 0
        secret = next(
            line for line in key_file.read_text().splitlines() if line.startswith("AGE-SECRET")
        )
        sealed = age.encrypt(b"hello", [key.recipient])
        assert age.decrypt(sealed, [secret]) == b"hello"
    assert Referral.objects.filter(state="draft").count() == 1
