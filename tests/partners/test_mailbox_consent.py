"""Consent given in the web mailbox: staff put the question there ("I agree that my file
goes to <partner>"), sealed to the codename and in the applicant's language; the
applicant's yes lets the referral be approved, a no refuses it, and an answer is given
once, by the mailbox's own codename only."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from tests.intake.conftest import intake_key, public_client, public_settings
from tests.partners.conftest import draft
from waystation.cases.services.opening import open_case_from_request
from waystation.intake import public_services
from waystation.intake.models import ConsentRequest
from waystation.partners.services import referrals
from waystation.partners.services.common import PartnerError

__all__ = ["intake_key", "public_client", "public_settings"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def web_case(staff, team, intake_key):
    receipt = public_services.submit_request(
        new=public_services.NewRequest(
            urgency=2, language="ru", country="RU", story="They came to the flat."
        )
    )
    case = open_case_from_request(
        user=staff.screener,
        request_id=receipt.request_id,
        team_id=team.pk,
        assignee_ids=[staff.caseworker.pk],
    )
    return case, receipt.codename


@pytest.fixture
def asked(staff, web_case, keyed):
    case, codename = web_case
    referral = referrals.create_referral(
        user=staff.caseworker, case_id=case.id, draft=draft(keyed.partner)
    )
    referrals.ask_consent_in_mailbox(
        user=staff.caseworker, case_id=case.id, referral_id=referral.id
    )
    return case, codename, referral


def _answer(client, codename, answer, consent_id=None):
    consent_id = consent_id or ConsentRequest.objects.get().id
    return client.post(
        "/ru/mailbox/consent/", {"codename": codename, "consent": consent_id, "answer": answer}
    )


def test_the_question_is_in_the_mailbox_in_russian_and_sealed(asked, public_client):
    _case, codename, _referral = asked
    html = public_client.post("/ru/mailbox/", {"codename": codename}).content.decode()
    assert "Можно ли передать ваше дело?" in html
    assert "передали в организацию Harbour Shelter" in html
    assert b"Harbour Shelter" not in bytes(ConsentRequest.objects.get().question_box)


def test_a_yes_in_the_mailbox_lets_the_manager_approve(asked, public_client, staff):
    case, codename, referral = asked
    with pytest.raises(PartnerError, match="not answered"):
        referrals.approve_referral(user=staff.manager, case_id=case.id, referral_id=referral.id)

    html = _answer(public_client, codename, "yes").content.decode()
    assert "Спасибо. Мы отметили, что вы согласны." in html

    approved = referrals.approve_referral(
        user=staff.manager, case_id=case.id, referral_id=referral.id
    )
    assert approved.state == "approved"
    assert approved.consent_kind == "mailbox"


def test_a_no_refuses_and_the_answer_is_given_once(asked, public_client, staff):
    case, codename, referral = asked
    assert _answer(public_client, codename, "no").status_code == 200
    again = _answer(public_client, codename, "yes")
    assert again.status_code == 409
    assert ConsentRequest.objects.get().answer is False
    with pytest.raises(PartnerError, match="said no"):
        referrals.approve_referral(user=staff.manager, case_id=case.id, referral_id=referral.id)


def test_another_codename_cannot_answer(asked, public_client, intake_key):
    other = public_services.submit_request(
        new=public_services.NewRequest(urgency=2, language="ru", country="RU", story="Other.")
    )
    response = _answer(public_client, other.codename, "yes")
    assert response.status_code == 409
    assert ConsentRequest.objects.get().answer is None
    wrong = _answer(public_client, "not a codename at all", "yes")
    assert wrong.status_code == 403


def test_a_case_typed_in_by_hand_has_no_mailbox_to_ask(staff, case, drafted):
    with pytest.raises(PartnerError, match="record the person's consent by hand"):
        referrals.ask_consent_in_mailbox(
            user=staff.caseworker, case_id=case.id, referral_id=drafted.id
        )
    assert not ConsentRequest.objects.exists()


def test_the_timeline_shows_each_state_change(staff, case, approved):
    from waystation.cases.selectors.case_file import open_case

    referrals.download_package(user=staff.caseworker, case_id=case.id, referral_id=approved.id)
    approved.refresh_from_db()
    referrals.record_partner_update(approved, "received", by=staff.caseworker)
    entries = [e.text for e in open_case(user=staff.caseworker, case_id=case.id).timeline]
    joined = "\n".join(entries)
    for expected in ("drafted", "Draft → Approved", "Approved → Sent", "Sent → Received"):
        assert re.search(re.escape(expected), joined), expected


def test_a_yes_written_without_the_codename_does_not_count(asked, staff, intake_key):
    """What a public process taken over (or a database write) could do: set the answer,
    with a tag made from anything but the mailbox's own key."""
    case, _codename, referral = asked
    ConsentRequest.objects.update(answer=True, answered_at=timezone.now())
    with pytest.raises(PartnerError, match="not answered"):
        referrals.approve_referral(user=staff.manager, case_id=case.id, referral_id=referral.id)
    from waystation.vault import boxes

    stranger = boxes.new_key_pair()  # not the codename's
    consent = ConsentRequest.objects.get()
    forged = boxes.answer_tag(
        stranger.private,
        bytes(intake_key.public_key),
        public_services.consent_answer_message(consent.id, True),
    )
    ConsentRequest.objects.update(answer_key=intake_key, answer_tag=forged)
    with pytest.raises(PartnerError, match="not answered"):
        referrals.approve_referral(user=staff.manager, case_id=case.id, referral_id=referral.id)
    referral.refresh_from_db()
    assert referral.state == "draft"
