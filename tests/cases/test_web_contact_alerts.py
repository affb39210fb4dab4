"""Someone whose web request became a case writes or presses "I need help now" in the
web mailbox: the people on the case hear of it, once, without anyone opening the queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.cases.test_from_request import submit
from waystation.cases.models import Alert, AlertKind
from waystation.cases.services import alerts, opening
from waystation.intake import public_services as intake
from waystation.intake.models import CheckInKind


@pytest.fixture
def case_and_mailbox(staff, team):
    receipt = submit()
    case = opening.open_case_from_request(
        user=staff.screener,
        request_id=receipt.request_id,
        team_id=team.pk,
        assignee_ids=[staff.caseworker.pk],
    )
    return case, intake.open_mailbox(typed_codename=receipt.codename)


def _alerts(kind: AlertKind) -> set[int]:
    return set(Alert.objects.filter(kind=kind).values_list("recipient_id", flat=True))


def test_help_now_alerts_the_assignee_and_the_supervisor(staff, case_and_mailbox):
    _case, mailbox = case_and_mailbox
    intake.record_check_in(mailbox=mailbox, kind=CheckInKind.NEED_HELP)

    report = alerts.check_overdue(now=timezone.now() + timedelta(seconds=1))

    assert _alerts(AlertKind.HELP_NOW) == {staff.caseworker.pk, staff.manager.pk}
    assert report.web_alerts == 2


def test_a_new_message_alerts_the_assignee(staff, case_and_mailbox):
    _case, mailbox = case_and_mailbox
    intake.send_message(mailbox=mailbox, text="They came to my flat again")

    alerts.check_overdue(now=timezone.now() + timedelta(seconds=1))

    assert _alerts(AlertKind.APPLICANT_WROTE) == {staff.caseworker.pk}


def test_each_contact_alerts_once_however_often_the_check_runs(staff, case_and_mailbox):
    _case, mailbox = case_and_mailbox
    intake.record_check_in(mailbox=mailbox, kind=CheckInKind.NEED_HELP)
    later = timezone.now() + timedelta(seconds=1)

    alerts.check_overdue(now=later)
    again = alerts.check_overdue(now=later + timedelta(minutes=1))

    assert again.web_alerts == 0
    assert Alert.objects.filter(kind=AlertKind.HELP_NOW).count() == 2


def test_i_am_safe_raises_no_alert(staff, case_and_mailbox):
    _case, mailbox = case_and_mailbox
    intake.record_check_in(mailbox=mailbox, kind=CheckInKind.SAFE)

    alerts.check_overdue(now=timezone.now() + timedelta(seconds=1))

    assert not Alert.objects.exists()


def test_the_command_reports_web_contact_alerts(staff, case_and_mailbox, capsys):
    _case, mailbox = case_and_mailbox
    intake.record_check_in(mailbox=mailbox, kind=CheckInKind.NEED_HELP)
    at = (timezone.now() + timedelta(seconds=1)).isoformat()

    call_command("cases", "check-overdue", "--now", at)

    assert "2 alert(s) for web-mailbox contact" in capsys.readouterr().out
