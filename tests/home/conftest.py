"""Fixtures for the home page: the casework staff and teams, and a world of waiting work
in which every kind of item exists twice, once on a case the member may see and once on
a case they may not (``World``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.cases.conftest import Staff, new_case, other_team, staff, team
from tests.partners.conftest import draft, keyed_partner
from waystation.accounts.models import StaffUser
from waystation.cases.models import AlertKind, Case, Stage, Team, Urgency
from waystation.cases.services import access, alerts, check_ins, daily_work, shredding, stages
from waystation.partners.models import Partner
from waystation.partners.services import partners as partner_services
from waystation.partners.services import referrals
from waystation.relocation.services import money
from waystation.vault import age

__all__ = ["Staff", "other_team", "staff", "team"]

ABOVE_THRESHOLD = 90_000  # cents: more than the default 500 EUR, so it waits for approval


@dataclass
class World:
    staff: Staff
    visible: Case  # team North (the manager supervises), the caseworker and logistics on it
    hidden: Case  # team South: only the other caseworker and the other manager see it
    partner: Partner


def _alert_everyone(staff: Staff, case: Case, subject: str) -> None:
    now = timezone.now()
    for member in staff.everyone().values():
        alerts.raise_alert(
            recipient_id=member.pk,
            kind=AlertKind.APPLICANT_WROTE,
            case=case,
            subject=subject,
            now=now,
        )


def _waiting_work(
    case: Case,
    *,
    asker: StaffUser,
    payer: StaffUser,
    shredder: StaffUser,
    programme_id: str,
    partner: Partner,
) -> None:
    """On one case: an overdue check-in, a move waiting for approval, a payment waiting
    for approval, a request to shred it now, a referral waiting for approval."""
    check_ins.set_check_in_schedule(
        user=asker, case_id=case.id, every_hours=1, now=timezone.now() - timedelta(hours=5)
    )
    stages.change_stage(
        user=asker, case_id=case.id, to_stage=Stage.DECLINED, reason="Reached safety alone."
    )
    money.record_payment(
        user=payer,
        case_id=case.id,
        programme_id=programme_id,
        category="housing",
        currency="EUR",
        amount_minor=ABOVE_THRESHOLD,
        paid_on=date(2024, 5, 6),
        payee="Hostel Fictional",
        purpose="A month",
        rate=None,
    )
    shredding.request_shred(user=shredder, case_id=case.id, reason="Asked by the person.")
    referrals.create_referral(user=asker, case_id=case.id, draft=draft(partner))


@pytest.fixture
def world(staff: Staff, team: Team, other_team: Team, tmp_path: Path) -> World:
    now = timezone.now()
    visible = new_case(team, [staff.caseworker, staff.logistics], urgency=Urgency.NOW)
    hidden = new_case(other_team, [staff.other_caseworker], urgency=Urgency.NOW)
    partner = keyed_partner(staff, tmp_path).partner
    programme = money.create_programme(user=staff.manager, name="North Corridor")
    # The other manager may confirm a shred of the visible case only with a grant given
    # by its supervisor (emergency access would not do).
    access.grant_access(
        user=staff.manager,
        case_id=visible.id,
        grantee_id=staff.other_manager.pk,
        reason="second programme manager",
        until=now + timedelta(days=2),
    )

    # Tasks: the caseworker's, one overdue, one due next week, one undated; logistics'.
    for due in (now - timedelta(hours=2), now + timedelta(days=7), None):
        daily_work.add_task(
            user=staff.caseworker,
            case_id=visible.id,
            title="Call back",
            due_at=due,
            assignee_id=staff.caseworker.pk,
        )
    daily_work.add_task(
        user=staff.caseworker,
        case_id=visible.id,
        title="Book the bus",
        due_at=now - timedelta(hours=1),
        assignee_id=staff.logistics.pk,
    )
    _alert_everyone(staff, visible, "wrote-1")
    _waiting_work(
        visible,
        asker=staff.caseworker,
        payer=staff.logistics,
        shredder=staff.other_manager,
        programme_id=programme.id,
        partner=partner,
    )

    # The hidden case: the same work, and tasks and alerts for people who were on it
    # once and are not any more (assigned, given a task, taken off again).
    for member in (staff.caseworker, staff.logistics, staff.manager):
        access.assign(user=staff.other_manager, case_id=hidden.id, assignee_id=member.pk)
        daily_work.add_task(
            user=staff.other_caseworker,
            case_id=hidden.id,
            title="Call back",
            due_at=now - timedelta(hours=3),
            assignee_id=member.pk,
        )
    _alert_everyone(staff, hidden, "wrote-2")
    for member in (staff.caseworker, staff.logistics, staff.manager):
        access.unassign(user=staff.other_manager, case_id=hidden.id, assignee_id=member.pk)
    _waiting_work(
        hidden,
        asker=staff.other_caseworker,
        payer=staff.other_manager,
        shredder=staff.other_manager,
        programme_id=programme.id,
        partner=partner,
    )

    # A second key for the partner, proposed by the manager: the other manager decides.
    partner_services.propose_key(
        user=staff.manager,
        partner_id=partner.id,
        recipient=age.new_identity().recipient,
    )
    return World(staff=staff, visible=visible, hidden=hidden, partner=partner)
