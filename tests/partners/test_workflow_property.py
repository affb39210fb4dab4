"""Property: whatever sequence of referral actions anyone takes, a referral only ever
makes the moves of ``partners.workflow.TRANSITIONS``, is never sent without consent,
without a second person's approval or for keys other than those approved, and is sent
at most once."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from django.http import Http404
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.partners.conftest import draft, keyed_partner
from waystation.partners import workflow
from waystation.partners.models import Partner, Referral, ReferralEvent, ReferralState
from waystation.partners.services import partners as partner_services
from waystation.partners.services import referrals
from waystation.partners.services.common import PartnerError
from waystation.vault import age

ACTORS = ["caseworker", "manager", "other_manager", "other_caseworker", "logistics"]
ACTIONS = ["consent", "approve", "download", "cancel", "update", "rekey"]

step = st.tuples(
    st.sampled_from(ACTIONS),
    st.sampled_from(ACTORS),
    st.sampled_from([*ReferralState.values, "bogus"]),
)


def test_the_table_is_closed_and_every_state_is_reachable():
    assert set(workflow.TRANSITIONS) == set(ReferralState)
    reachable = {ReferralState.DRAFT}
    frontier = [ReferralState.DRAFT]
    while frontier:
        for nxt in workflow.TRANSITIONS[frontier.pop()]:
            if nxt not in reachable:
                reachable.add(nxt)
                frontier.append(nxt)
    assert reachable == set(ReferralState)
    assert not workflow.allowed("draft", "sent")  # never without approval
    assert not workflow.allowed("declined", "arrived")


HAPPY = [
    ("approve", "manager", "draft"),  # refused: no consent yet
    ("consent", "caseworker", "draft"),
    ("approve", "caseworker", "draft"),  # refused: not a manager
    ("approve", "other_manager", "draft"),  # refused: cannot see the case
    ("approve", "manager", "draft"),
    ("rekey", "manager", "draft"),
    ("download", "caseworker", "draft"),  # refused: the key changed
    ("approve", "manager", "draft"),
    ("download", "caseworker", "draft"),
    ("download", "caseworker", "draft"),  # refused: once
    ("update", "caseworker", "received"),
    ("update", "caseworker", "accepted"),
    ("update", "caseworker", "arrived"),
]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(steps=HAPPY)
@given(steps=st.lists(step, max_size=20))
def _any_sequence(staff, case, tmp_path, steps):
    keyed = keyed_partner(
        staff, tmp_path, name=f"P{Referral.objects.count()}x{timezone.now().timestamp()}"
    )
    referral = referrals.create_referral(
        user=staff.caseworker, case_id=case.id, draft=draft(keyed.partner)
    )
    people = staff.everyone()
    downloads = 0
    for action, who, state in steps:
        user = people[who]
        before = Referral.objects.get(pk=referral.pk)
        sent = None
        with contextlib.suppress(PartnerError, Http404):
            if action == "consent":
                referrals.record_consent(
                    user=user,
                    case_id=case.id,
                    referral_id=referral.id,
                    given_by="them",
                    given_at=timezone.now() - timedelta(minutes=1),
                    how="call",
                )
            elif action == "approve":
                referrals.approve_referral(user=user, case_id=case.id, referral_id=referral.id)
            elif action == "download":
                sent = referrals.download_package(
                    user=user, case_id=case.id, referral_id=referral.id
                )
            elif action == "cancel":
                referrals.cancel_referral(user=user, case_id=case.id, referral_id=referral.id)
            elif action == "update":
                referrals.record_partner_update(before, state, by=user)
            elif action == "rekey":
                change = partner_services.propose_key(
                    user=user, partner_id=keyed.partner.id, recipient=age.new_identity().recipient
                )
                partner_services.decide_key_change(
                    user=staff.other_manager, change_id=change.id, approve=True
                )
        after = Referral.objects.get(pk=referral.pk)
        assert after.state == before.state or workflow.allowed(before.state, after.state)
        if sent is not None:
            downloads += 1
            assert before.state == ReferralState.APPROVED
            assert before.consent_at is not None or before.consent_request_id
            assert before.approved_by_id not in (None, before.created_by_id)
            assert (
                before.approved_key_version == Partner.objects.get(pk=keyed.partner.pk).key_version
            )
        if after.approved_by_id is not None:
            assert after.approved_by_id != after.created_by_id
    assert downloads <= 1
    moves = list(
        ReferralEvent.objects.filter(referral=referral)
        .order_by("at", "id")
        .values_list("from_state", "to_state")
    )
    for from_state, to_state in moves:
        assert from_state == "" or from_state == to_state or workflow.allowed(from_state, to_state)


def test_any_sequence_of_referral_actions_keeps_the_rules(staff, case, tmp_path):
    _any_sequence(staff, case, tmp_path)
