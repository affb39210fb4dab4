"""Check-ins: a missed one alerts the assignees, then the supervisor after the grace."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from waystation.cases.models import Alert, AlertKind
from waystation.cases.selectors import alerts as alerts_selectors
from waystation.cases.services import alerts as alerts_services
from waystation.cases.services import check_ins, stages


@pytest.fixture
def scheduled(case, staff):
    start = timezone.now()
    check_ins.set_check_in_schedule(
        user=staff.caseworker, case_id=case.id, every_hours=12, grace_hours=6, now=start
    )
    return case, start


def alerts(kind):
    return list(Alert.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_nothing_happens_before_the_check_in_is_due(scheduled):
    _, start = scheduled
    report = alerts_services.check_overdue(now=start + timedelta(hours=11))
    assert report.checked == 0 and not Alert.objects.exists()


def test_a_missed_check_in_alerts_the_assignees_then_escalates(scheduled, staff):
    _case, start = scheduled
    report = alerts_services.check_overdue(now=start + timedelta(hours=13))
    assert report.alerts == 1 and report.escalations == 0
    assert alerts(AlertKind.CHECK_IN_MISSED) == ["caseworker"]
    assert alerts(AlertKind.CHECK_IN_ESCALATED) == []
    report = alerts_services.check_overdue(now=start + timedelta(hours=18, minutes=1))
    assert report.alerts == 0 and report.escalations == 1
    assert alerts(AlertKind.CHECK_IN_ESCALATED) == ["manager"]
    shown = alerts_selectors.my_alerts(user=staff.manager)
    assert [a.kind for a in shown] == [AlertKind.CHECK_IN_ESCALATED]


def test_running_twice_raises_nothing_new(scheduled):
    _, start = scheduled
    later = start + timedelta(hours=20)
    alerts_services.check_overdue(now=later)
    count = Alert.objects.count()
    again = alerts_services.check_overdue(now=later + timedelta(minutes=5))
    assert again.alerts == 0 and again.escalations == 0
    assert Alert.objects.count() == count == 2


def test_a_check_in_resolves_the_alerts_and_restarts_the_clock(scheduled, staff):
    case, start = scheduled
    alerts_services.check_overdue(now=start + timedelta(hours=20))
    at = start + timedelta(hours=21)
    check_ins.record_check_in(user=staff.caseworker, case_id=case.id, at=at)
    assert not Alert.objects.filter(resolved_at__isnull=True).exists()
    case.check_in_schedule.refresh_from_db()
    assert case.check_in_schedule.next_due_at == at + timedelta(hours=12)
    assert alerts_services.check_overdue(now=at + timedelta(hours=11)).checked == 0


def test_the_next_missed_check_in_alerts_again(scheduled, staff):
    case, start = scheduled
    alerts_services.check_overdue(now=start + timedelta(hours=13))
    at = start + timedelta(hours=14)
    check_ins.record_check_in(user=staff.caseworker, case_id=case.id, at=at)
    alerts_services.check_overdue(now=at + timedelta(hours=13))
    assert Alert.objects.filter(kind=AlertKind.CHECK_IN_MISSED).count() == 2


def test_the_dashboard_shows_overdue_cases(scheduled, staff):
    case, _start = scheduled
    from waystation.cases.models import CheckInSchedule

    CheckInSchedule.objects.filter(case=case).update(
        next_due_at=timezone.now() - timedelta(hours=1)
    )
    assert [c for c, _ in alerts_selectors.overdue_check_ins(user=staff.caseworker)] == [case.id]
    assert alerts_selectors.overdue_check_ins(user=staff.other_caseworker) == []


def test_the_command(scheduled):
    _, start = scheduled
    out = StringIO()
    when = (start + timedelta(hours=19)).isoformat()
    call_command("cases", "check-overdue", "--now", when, stdout=out)
    assert "1 alert(s), 1 escalation(s)" in out.getvalue()
    out = StringIO()
    call_command("cases", "check-overdue", "--now", when, stdout=out)
    assert "0 alert(s), 0 escalation(s)" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("cases", "check-overdue", "--now", "yesterday")


def test_arrival_ends_the_schedule(scheduled, staff):
    from waystation.cases.models import Case, CheckInSchedule, Stage

    case, start = scheduled
    Case.objects.filter(pk=case.pk).update(stage=Stage.IN_TRANSIT)
    stages.change_stage(user=staff.caseworker, case_id=case.id, to_stage=Stage.ARRIVED)
    assert not CheckInSchedule.objects.get(case=case).active
    assert alerts_services.check_overdue(now=start + timedelta(days=3)).checked == 0


def test_alert_each_skips_the_actor_and_raises_each_alert_once(case, staff):
    # The one loop behind break-glass, approval and payment alerts: the person who acted
    # is never alerted to it, and raising again changes nothing.
    now = timezone.now()
    people = [staff.manager.pk, staff.caseworker.pk, staff.other_manager.pk]
    raised = alerts_services.alert_each(
        people,
        kind=AlertKind.APPROVAL_REQUESTED,
        case=case,
        subject="x",
        now=now,
        actor_id=staff.caseworker.pk,
    )
    assert raised == 2
    assert sorted(alerts(AlertKind.APPROVAL_REQUESTED)) == ["manager", "othermanager"]
    assert set(Alert.objects.values_list("actor_id", flat=True)) == {staff.caseworker.pk}
    again = alerts_services.alert_each(
        people, kind=AlertKind.APPROVAL_REQUESTED, case=case, subject="x", now=now
    )
    assert again == 1  # the caseworker, no longer the actor; the managers have theirs
