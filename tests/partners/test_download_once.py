"""The package is offered once: the second download is refused, by the page and by the
service the API will call."""

from __future__ import annotations

import pytest

from waystation.partners.services import referrals
from waystation.partners.services.common import PartnerError
from waystation.vault import age

pytestmark = pytest.mark.django_db


def test_the_second_download_is_refused(staff, case, keyed, approved, client_for):
    client = client_for(staff.caseworker)
    url = f"/partners/case/{case.id}/{approved.id}/download/"

    first = client.post(url)
    second = client.post(url, follow=True)

    assert first.status_code == 200
    assert first["Content-Disposition"].startswith("attachment;")
    assert age.decrypt(first.content, [keyed.identity.secret])
    assert second.status_code == 200
    assert not second.content.startswith(b"age-encryption.org")
    assert "already downloaded once" in second.content.decode()
    approved.refresh_from_db()
    assert approved.state == "sent"


def test_fetch_for_partner_is_once_too_and_only_for_that_partner(staff, case, keyed, approved):
    with pytest.raises(referrals.ReferralNotFound):
        referrals.fetch_for_partner(approved, partner_id="someoneelse00000")
    sent = referrals.fetch_for_partner(approved, partner_id=keyed.partner.id)
    assert age.decrypt(sent.data, [keyed.identity.secret])
    with pytest.raises(PartnerError, match="already downloaded once"):
        referrals.fetch_for_partner(approved, partner_id=keyed.partner.id)
    with pytest.raises(PartnerError, match="already downloaded once"):
        referrals.download_package(user=staff.caseworker, case_id=case.id, referral_id=approved.id)


def test_a_get_spends_nothing(staff, case, approved, client_for):
    response = client_for(staff.caseworker).get(f"/partners/case/{case.id}/{approved.id}/download/")
    assert response.status_code == 405
    approved.refresh_from_db()
    assert approved.state == "approved"
