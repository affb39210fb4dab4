"""Alerts: raising one (once per recipient, kind, case and subject) or one to each of
several people, the regular run that raises the overdue ones (``check_overdue``), and
resolving them.

Other apps raise and resolve their own alerts (a leg overdue, a document expiring, a
payment to approve) through :func:`raise_alert`, :func:`alert_each` and
:func:`resolve_alerts`, never through the ``Alert`` rows; whom to alert comes from
``selectors.visibility.case_viewers``."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from waystation.accounts.models import Actor
from waystation.audit import services as audit
from waystation.cases import signals
from waystation.cases.models import (
    Alert,
    AlertKind,
    Case,
    CheckInSchedule,
)
from waystation.cases.selectors.visibility import viewers_of
from waystation.cases.services.check_ins import _satisfy
from waystation.cases.services.common import CaseError
from waystation.intake.models import CheckIn, CheckInKind, Direction, MailboxMessage


def raise_alert(
    *,
    recipient_id: int,
    kind: AlertKind,
    case: Case,
    subject: str,
    now: datetime,
    actor_id: int | None = None,
) -> bool:
    """One alert per (recipient, kind, case, subject): raising it twice changes nothing."""
    if Alert.objects.filter(
        recipient_id=recipient_id, kind=kind, case=case, subject=subject
    ).exists():
        return False
    Alert.objects.create(
        recipient_id=recipient_id,
        kind=kind,
        case=case,
        subject=subject,
        created_at=now,
        actor_id=actor_id,
    )
    return True


def alert_each(
    recipients: Iterable[int],
    *,
    kind: AlertKind,
    case: Case,
    subject: str,
    now: datetime,
    actor_id: int | None = None,
) -> int:
    """:func:`raise_alert` to each recipient, in the order given, except the actor: nobody
    is alerted to what they did themselves. Returns how many alerts were new."""
    raised = 0
    for recipient_id in recipients:
        if recipient_id != actor_id:
            raised += raise_alert(
                recipient_id=recipient_id,
                kind=kind,
                case=case,
                subject=subject,
                now=now,
                actor_id=actor_id,
            )
    return raised


def resolve_alerts(
    *,
    kinds: Collection[AlertKind],
    at: datetime,
    case_id: str | None = None,
    subjects: Collection[str] | None = None,
    subject_prefix: str | None = None,
) -> int:
    """Resolve the open alerts of these kinds, narrowed to one case, to some subjects or
    to subjects starting with a prefix: what was overdue has been done. Returns how many."""
    found = Alert.objects.filter(kind__in=list(kinds), resolved_at__isnull=True)
    if case_id is not None:
        found = found.filter(case_id=case_id)
    if subjects is not None:
        found = found.filter(subject__in=list(subjects))
    if subject_prefix is not None:
        found = found.filter(subject__startswith=subject_prefix)
    return found.update(resolved_at=at)


def _latest_web_check_in(request_id: str, since: datetime, until: datetime) -> datetime | None:
    """The applicant's newest check-in from the web mailbox (intake's rows, operational
    columns only: when, not what). "I need help now" counts as contact too: the alert
    for it is the intake queue's, not a missed check-in."""
    return (
        CheckIn.objects.filter(request_id=request_id, at__gt=since, at__lte=until)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )


@dataclass
class OverdueReport:
    checked: int = 0
    satisfied: int = 0
    alerts: int = 0
    escalations: int = 0
    web_alerts: int = 0
    other_alerts: int = 0  # raised by other apps' deadlines (signals.checking_overdue)


# How far back each run looks for web-mailbox contact: runs come every minute, and a day
# covers a timer that was stopped for a while without rescanning all history.
WEB_CONTACT_LOOKBACK = timedelta(days=1)


def _raise_web_contact_alerts(now: datetime, report: OverdueReport) -> None:
    """Someone whose request became a case writes or presses "I need help now" in the web
    mailbox. The public process cannot (and must not) touch casework tables, so the staff
    side raises the alerts here: help-now to the assignees and the team's supervisor at
    once, a new message to the assignees. Each intake row raises each alert once."""
    since = now - WEB_CONTACT_LOOKBACK
    help_now = CheckIn.objects.filter(
        kind=CheckInKind.NEED_HELP, at__gt=since, at__lte=now, request__case_id__isnull=False
    ).values_list("id", "request__case_id")
    wrote = MailboxMessage.objects.filter(
        direction=Direction.FROM_APPLICANT,
        sent_at__gt=since,
        sent_at__lte=now,
        request__case_id__isnull=False,
    ).values_list("id", "request__case_id")
    contacts = [(AlertKind.HELP_NOW, *row) for row in help_now] + [
        (AlertKind.APPLICANT_WROTE, *row) for row in wrote
    ]
    if not contacts:
        return
    cases = Case.objects.in_bulk({case_id for _, _, case_id in contacts})
    viewers = viewers_of(cases.keys())
    for kind, subject, case_id in contacts:
        case = cases.get(case_id)
        if case is None:
            continue
        recipients = set(viewers[case.pk].assignees)
        supervisor_id = viewers[case.pk].supervisor_id
        if kind == AlertKind.HELP_NOW and supervisor_id is not None:
            recipients.add(supervisor_id)
        report.web_alerts += alert_each(recipients, kind=kind, case=case, subject=subject, now=now)


@transaction.atomic
def check_overdue(*, now: datetime | None = None) -> OverdueReport:
    """Raise an alert to the assignees for every missed check-in, and to the team's
    supervisor once the grace period is over too; then let other apps raise theirs
    (``signals.checking_overdue``). Safe to run as often as one likes: each missed
    check-in raises each alert once."""
    now = now or timezone.now()
    report = OverdueReport()
    due = CheckInSchedule.objects.select_for_update(of=("self",)).filter(
        active=True, next_due_at__lt=now
    )
    schedules = list(due.select_related("case"))
    viewers = viewers_of({schedule.case_id for schedule in schedules})
    for schedule in schedules:
        report.checked += 1
        case = schedule.case
        if case.source_request_id:
            window_start = schedule.last_check_in_at or (
                schedule.next_due_at - timedelta(hours=schedule.every_hours)
            )
            web = _latest_web_check_in(case.source_request_id, window_start, now)
            if web is not None:
                _satisfy(schedule, web)
                report.satisfied += 1
                if schedule.next_due_at >= now:
                    continue
        subject = schedule.next_due_at.strftime("%Y%m%dT%H%M%S")
        report.alerts += alert_each(
            sorted(viewers[case.id].assignees),
            kind=AlertKind.CHECK_IN_MISSED,
            case=case,
            subject=subject,
            now=now,
        )
        grace_over = now >= schedule.next_due_at + timedelta(hours=schedule.grace_hours)
        supervisor_id = viewers[case.id].supervisor_id
        if (
            grace_over
            and supervisor_id is not None
            and raise_alert(
                recipient_id=supervisor_id,
                kind=AlertKind.CHECK_IN_ESCALATED,
                case=case,
                subject=subject,
                now=now,
            )
        ):
            report.escalations += 1
            audit.record(
                actor_id=None,
                action="case.check_in_escalated",
                object_type="case",
                object_id=case.id,
            )
    _raise_web_contact_alerts(now, report)
    for _receiver, raised in signals.checking_overdue.send(sender=Case, now=now):
        report.other_alerts += int(raised or 0)
    return report


@transaction.atomic
def resolve_alert(*, user: Actor, alert_id: str) -> None:
    updated = Alert.objects.filter(pk=alert_id, recipient=user, resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )
    if not updated:
        raise CaseError(gettext("No such open alert."))
    audit.record(
        actor_id=user.pk, action="case.alert_resolved", object_type="alert", object_id=alert_id
    )
