"""The person's own answer decides: a "no" in the web mailbox refuses the referral
whatever staff type afterwards, and consent is not rewritten under an approval
(security review, findings 1 and L3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import global_settings as defaults
from django.utils import timezone

from tests import settings as staff_settings
from tests.intake.conftest import PUBLIC_SETTINGS, intake_key, public_client, public_settings
from tests.partners.test_mailbox_consent import _answer, asked, web_case
from waystation.partners.models import ReferralState
from waystation.partners.services import referrals
from waystation.partners.services.common import PartnerError

__all__ = ["asked", "intake_key", "public_client", "public_settings", "web_case"]

pytestmark = pytest.mark.django_db


def _type_consent(staff, case, referral, **extra):  # type: ignore[no-untyped-def]
    return referrals.record_consent(
        user=staff.caseworker,
        case_id=case.id,
        referral_id=referral.id,
        given_by="the person",
        given_at=timezone.now() - timedelta(minutes=1),
        how="phone",
        **extra,
    )


def test_staff_consent_does_not_override_a_mailbox_no(asked, public_client, staff):
    case, codename, referral = asked
    assert _answer(public_client, codename, "no").status_code == 200
    with pytest.raises(PartnerError, match="said no"):
        referrals.approve_referral(user=staff.manager, case_id=case.id, referral_id=referral.id)
    with pytest.raises(PartnerError, match="said no"):
        _type_consent(staff, case, referral)
    referral.refresh_from_db()
    assert referral.consent_at is None
    with pytest.raises(PartnerError, match="said no"):
        referrals.approve_referral(user=staff.manager, case_id=case.id, referral_id=referral.id)


def test_a_mailbox_no_after_staff_consent_still_refuses(asked, public_client, staff):
    case, codename, referral = asked
    _type_consent(staff, case, referral)
    assert _answer(public_client, codename, "no").status_code == 200
    with pytest.raises(PartnerError, match="said no"):
        referrals.approve_referral(user=staff.manager, case_id=case.id, referral_id=referral.id)


def test_a_mailbox_no_after_approval_refuses_the_sending(asked, public_client, staff):
    case, codename, referral = asked
    _type_consent(staff, case, referral)
    referrals.approve_referral(user=staff.manager, case_id=case.id, referral_id=referral.id)
    assert _answer(public_client, codename, "no").status_code == 200
    with pytest.raises(PartnerError, match="said no"):
        referrals.download_package(user=staff.caseworker, case_id=case.id, referral_id=referral.id)
    referral.refresh_from_db()
    assert referral.sent_at is None


def test_the_referral_page_shows_the_mailbox_answer(
    asked, public_client, public_settings, staff, client_for
):
    case, codename, referral = asked
    assert _answer(public_client, codename, "no").status_code == 200
    for name in PUBLIC_SETTINGS:  # back to the staff process for the staff page
        source = staff_settings if hasattr(staff_settings, name) else defaults
        if hasattr(source, name):
            setattr(public_settings, name, getattr(source, name))
    html = client_for(staff.caseworker).get(f"/partners/case/{case.id}/{referral.id}/")
    assert "The person said no" in html.content.decode()


def test_consent_is_not_rewritten_after_approval(staff, case, approved):
    before = approved.consent_note
    with pytest.raises(PartnerError, match="approved"):
        _type_consent(staff, case, approved)
    approved.refresh_from_db()
    assert approved.state == ReferralState.APPROVED
    assert approved.consent_note == before
