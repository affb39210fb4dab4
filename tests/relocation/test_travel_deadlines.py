"""A leg's planned arrival is a check-in deadline: missed, the assignees are alerted,
and the team's supervisor once the leg's grace hours are over too. Met by the leg's
arrival or by a check-in after its planned departure, from staff or the web mailbox."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.relocation.test_travel import leg_input
from waystation.audit.models import AuditEntry
from waystation.cases.models import Alert, AlertKind, Case, Stage
from waystation.cases.services import alerts as case_alerts
from waystation.cases.services import check_ins as case_check_ins
from waystation.cases.services import opening as case_opening
from waystation.intake import public_services as intake
from waystation.intake.models import CheckIn, CheckInKind
from waystation.relocation.services import travel


@pytest.fixture
def leg(case, staff):
    """A four-hour leg leaving an hour from the fixture's ``t0`` (now), grace six hours."""
    t0 = timezone.now()
    row = travel.add_leg(
        user=staff.logistics,
        case_id=case.id,
        leg=leg_input(t0 + timedelta(hours=1), hours=4, grace_hours=6),
    )
    return row, t0


def recipients(kind: AlertKind, resolved: bool = False) -> set[str]:
    return set(
        Alert.objects.filter(kind=kind, resolved_at__isnull=not resolved).values_list(
            "recipient__username", flat=True
        )
    )


def test_nothing_is_due_before_the_planned_arrival(leg):
    _leg, t0 = leg
    assert travel.raise_leg_alerts(now=t0 + timedelta(hours=4, minutes=59)) == 0
    assert not Alert.objects.exists()


def test_a_missed_arrival_alerts_every_assignee(leg, staff):
    row, t0 = leg
    report = case_alerts.check_overdue(now=t0 + timedelta(hours=6))
    assert report.other_alerts == 2
    assert recipients(AlertKind.LEG_OVERDUE) == {"caseworker", "logistics"}
    assert set(Alert.objects.values_list("subject", flat=True)) == {row.id}
    assert recipients(AlertKind.LEG_ESCALATED) == set()


def test_the_supervisor_is_alerted_when_the_grace_is_over(leg, staff):
    row, t0 = leg
    assert travel.raise_leg_alerts(now=t0 + timedelta(hours=10, minutes=59)) == 2
    assert recipients(AlertKind.LEG_ESCALATED) == set()
    assert travel.raise_leg_alerts(now=t0 + timedelta(hours=11)) == 1
    assert recipients(AlertKind.LEG_ESCALATED) == {"manager"}
    entry = AuditEntry.objects.get(action="relocation.leg_escalated")
    assert (entry.object_type, entry.object_id, entry.actor_id) == ("leg", row.id, None)


def test_raising_twice_changes_nothing(leg):
    _row, t0 = leg
    later = t0 + timedelta(hours=12)
    assert travel.raise_leg_alerts(now=later) == 3
    assert travel.raise_leg_alerts(now=later + timedelta(minutes=5)) == 0
    assert Alert.objects.count() == 3
    assert AuditEntry.objects.filter(action="relocation.leg_escalated").count() == 1


def test_the_command_prints_the_leg_alerts(leg):
    _row, t0 = leg
    when = (t0 + timedelta(hours=12)).isoformat()
    out = StringIO()
    call_command("cases", "check-overdue", "--now", when, stdout=out)
    assert "3 alert(s) for travel legs and documents" in out.getvalue()
    out = StringIO()
    call_command("cases", "check-overdue", "--now", when, stdout=out)
    assert "0 alert(s) for travel legs and documents" in out.getvalue()


def test_the_arrival_meets_the_deadline_and_resolves_its_alerts(leg, staff, case):
    row, t0 = leg
    travel.raise_leg_alerts(now=t0 + timedelta(hours=12))
    travel.record_departure(user=staff.logistics, case_id=case.id, leg_id=row.id)
    travel.record_arrival(user=staff.logistics, case_id=case.id, leg_id=row.id)
    assert recipients(AlertKind.LEG_OVERDUE) == set()
    assert recipients(AlertKind.LEG_ESCALATED) == set()
    assert recipients(AlertKind.LEG_OVERDUE, resolved=True) == {"caseworker", "logistics"}
    assert travel.raise_leg_alerts(now=t0 + timedelta(hours=13)) == 0


def test_a_staff_check_in_after_departure_meets_the_deadline(leg, staff, case):
    _row, t0 = leg
    case_check_ins.record_check_in(
        user=staff.caseworker, case_id=case.id, at=t0 + timedelta(hours=2)
    )
    assert travel.raise_leg_alerts(now=t0 + timedelta(hours=12)) == 0


def test_a_check_in_before_the_departure_does_not(leg, staff, case):
    _row, t0 = leg
    case_check_ins.record_check_in(
        user=staff.caseworker, case_id=case.id, at=t0 + timedelta(minutes=30)
    )
    assert travel.raise_leg_alerts(now=t0 + timedelta(hours=6)) == 2


def test_a_later_staff_check_in_resolves_the_leg_alerts_at_the_next_run(leg, staff, case):
    _row, t0 = leg
    travel.raise_leg_alerts(now=t0 + timedelta(hours=6))
    case_check_ins.record_check_in(
        user=staff.caseworker, case_id=case.id, at=t0 + timedelta(hours=6, minutes=30)
    )
    assert travel.raise_leg_alerts(now=t0 + timedelta(hours=12)) == 0
    assert recipients(AlertKind.LEG_OVERDUE) == set()
    assert recipients(AlertKind.LEG_ESCALATED) == set()


def test_a_check_in_on_the_leg_resolves_its_alerts_at_once(staff, case):
    start = timezone.now() - timedelta(hours=8)
    row = travel.add_leg(user=staff.logistics, case_id=case.id, leg=leg_input(start, hours=4))
    travel.raise_leg_alerts(now=timezone.now())
    assert recipients(AlertKind.LEG_OVERDUE) == {"caseworker", "logistics"}
    travel.record_leg_check_in(user=staff.logistics, case_id=case.id, leg_id=row.id)
    assert recipients(AlertKind.LEG_OVERDUE) == set()
    assert AuditEntry.objects.filter(action="case.check_in_recorded", object_id=case.id).exists()
    assert travel.raise_leg_alerts(now=timezone.now() + timedelta(minutes=1)) == 0


def test_a_cancelled_leg_is_no_deadline(leg, staff, case):
    row, t0 = leg
    travel.cancel_leg(user=staff.logistics, case_id=case.id, leg_id=row.id)
    assert travel.raise_leg_alerts(now=t0 + timedelta(hours=12)) == 0


@pytest.fixture
def web_case(staff, team):
    from tests.cases.test_from_request import submit

    receipt = submit()
    case = case_opening.open_case_from_request(
        user=staff.screener,
        request_id=receipt.request_id,
        team_id=team.pk,
        assignee_ids=[staff.caseworker.pk],
    )
    Case.objects.filter(pk=case.pk).update(stage=Stage.PLANNING)
    return case, intake.open_mailbox(typed_codename=receipt.codename)


def test_a_web_check_in_after_departure_meets_the_deadline(web_case, staff):
    case, mailbox = web_case
    t0 = timezone.now()
    travel.add_leg(user=staff.caseworker, case_id=case.id, leg=leg_input(t0 + timedelta(hours=1)))
    intake.record_check_in(mailbox=mailbox, kind=CheckInKind.SAFE)
    CheckIn.objects.update(at=t0 + timedelta(hours=2))
    assert travel.raise_leg_alerts(now=t0 + timedelta(hours=12)) == 0


def test_without_a_web_check_in_the_web_case_is_alerted(web_case, staff):
    case, mailbox = web_case
    t0 = timezone.now()
    travel.add_leg(user=staff.caseworker, case_id=case.id, leg=leg_input(t0 + timedelta(hours=1)))
    intake.record_check_in(mailbox=mailbox, kind=CheckInKind.SAFE)  # before departure
    assert travel.raise_leg_alerts(now=t0 + timedelta(hours=12)) == 2  # assignee, supervisor


def test_met_deadlines_cost_the_same_few_queries_however_many(
    staff, team, django_assert_max_num_queries
):
    from tests.cases.conftest import new_case

    start = timezone.now() - timedelta(hours=10)
    for _ in range(8):
        case = new_case(team, [staff.logistics])
        travel.add_leg(user=staff.logistics, case_id=case.id, leg=leg_input(start, hours=2))
        case_check_ins.record_check_in(
            user=staff.logistics, case_id=case.id, at=start + timedelta(hours=1)
        )
    with django_assert_max_num_queries(3):  # the due legs, then resolving their alerts
        assert travel.raise_leg_alerts(now=timezone.now()) == 0
