"""The retention clock (docs/design.md §2.8, docs/casework.md "Retention").

Closing a case (closed, declined, referred) starts it: ``retain_until`` is the closing
time plus the period set for the outcome (``settings.WAYSTATION_RETENTION_DAYS``). A
programme manager may move the end later, never earlier, with a reason; reopening the
case stops the clock. The scheduled run (:func:`run_retention`, every minute under
``make run``, from a timer in production) alerts the case's people some days before the
end and shreds every case whose end has come, leaving a tombstone.

The one rule the run applies, :func:`is_due`, is also what the hypothesis test checks:
a case is shredded by a run at ``now`` exactly when ``retain_until <= now``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from waystation.accounts.models import Actor
from waystation.cases import workflow
from waystation.cases.models import AlertKind, Case, Outcome, RetentionExtension, Stage, StageChange
from waystation.cases.selectors.visibility import viewers_of
from waystation.cases.services.alerts import alert_each
from waystation.cases.services.common import (
    CaseError,
    _case_for,
    _record,
    _text,
)
from waystation.intake import retention as intake_retention
from waystation.vault.keyservice import VaultSealed

logger = logging.getLogger(__name__)

SHRED_CASE = "cases.shred_case"
REASON_LIMIT = 2_000
# Longest a single extension may reach from now: a typo of a year must not keep a case
# for a century. Ten years covers an asylum claim's appeals.
LONGEST_EXTENSION = timedelta(days=3653)
# "<" followed by a letter, "/", "!" or "?": the start of a tag, a comment or a
# declaration. Reasons are shown escaped anyway; refusing them keeps the record plain.
_MARKUP = re.compile(r"<\s*[A-Za-z/!?]")


def clean_reason(value: str) -> str:
    """A reason as a person typed it, or a :class:`CaseError` saying what is wrong."""
    reason = _text(value, label=gettext("The reason"), limit=REASON_LIMIT)
    if _MARKUP.search(reason):
        raise CaseError(gettext("The reason must be plain text: remove the markup (text in < >)."))
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in reason):
        raise CaseError(gettext("The reason must be plain text: it holds control characters."))
    return reason


def period_for(outcome: str) -> timedelta:
    days = settings.WAYSTATION_RETENTION_DAYS
    return timedelta(days=days.get(outcome, days.get(Outcome.OTHER, 365)))


def end_for(closed_at: datetime, outcome: str) -> datetime:
    return closed_at + period_for(outcome)


def is_due(retain_until: datetime | None, now: datetime) -> bool:
    """A case is shredded by a run at ``now`` exactly when its end has come."""
    return retain_until is not None and retain_until <= now


def start_clock(case: Case) -> None:
    """Called by the move that closes a case (``stages._move``), in its transaction."""
    assert case.closed_at is not None
    case.retain_until = end_for(case.closed_at, case.outcome)


def warning_starts(retain_until: datetime) -> datetime:
    return retain_until - timedelta(days=settings.WAYSTATION_RETENTION_WARNING_DAYS)


@transaction.atomic
def extend_retention(
    *, user: Actor, case_id: str, until: datetime, reason: str, now: datetime | None = None
) -> RetentionExtension:
    """Keep a closed case until a later date, for a stated reason. Never earlier: the
    period set by the outcome is the least the organisation promised to keep it, and
    "shred now" (two people) is the way to forget sooner."""
    case = _case_for(user, case_id, SHRED_CASE)
    now = now or timezone.now()
    if case.shredded_at is not None or case.retain_until is None:
        raise CaseError(gettext("Only a closed case has a retention period to extend."))
    reason = clean_reason(reason)
    if until <= case.retain_until:
        raise CaseError(gettext("An extension must end after the current end of retention."))
    if until > now + LONGEST_EXTENSION:
        raise CaseError(gettext("An extension reaches at most ten years from today."))
    extension = RetentionExtension(
        case=case,
        data_key_id=case.data_key_id,
        extended_by_id=user.pk,
        at=now,
        previous_until=case.retain_until,
        new_until=until,
    )
    extension.reason = reason
    extension.save(force_insert=True)
    case.retain_until = until
    case.save(update_fields=["retain_until"])
    _record(user, "case.retention_extended", case)
    return extension


@transaction.atomic
def reopen_case(*, user: Actor, case_id: str, reason: str, now: datetime | None = None) -> Case:
    """Bring a closed case back to the stage it left, which stops its retention clock.
    A programme manager's decision, with a reason (sealed in the stage history)."""
    case = _case_for(user, case_id, SHRED_CASE)
    now = now or timezone.now()
    if case.shredded_at is not None:
        raise CaseError(gettext("A shredded case cannot be reopened: nothing of it is left."))
    if case.stage not in workflow.TERMINAL:
        raise CaseError(gettext("Only a closed case can be reopened."))
    reason = clean_reason(reason)
    last = StageChange.objects.filter(case=case, to_stage=case.stage).order_by("-at").first()
    back_to = Stage(last.from_stage) if last and last.from_stage else Stage.SCREENING
    if back_to in workflow.TERMINAL:
        back_to = Stage.SCREENING
    change = StageChange(
        case=case,
        data_key_id=case.data_key_id,
        from_stage=case.stage,
        to_stage=back_to,
        at=now,
        actor_id=user.pk,
    )
    change.reason = reason
    change.save(force_insert=True)
    case.stage = back_to
    case.stage_changed_at = now
    case.closed_at = None
    case.outcome = ""
    case.retain_until = None
    case.save(update_fields=["stage", "stage_changed_at", "closed_at", "outcome", "retain_until"])
    _record(user, "case.reopened", case)
    return case


@dataclass
class RetentionReport:
    warned: int = 0
    shredded: list[str] = field(default_factory=list)
    failed: int = 0
    requests_erased: int = 0
    shred_requests_expired: int = 0


def _warn(now: datetime, report: RetentionReport) -> None:
    """One alert per person per end date: an extension moves the end, so its new end
    warns again; a second run for the same end raises nothing."""
    horizon = now + timedelta(days=settings.WAYSTATION_RETENTION_WARNING_DAYS)
    soon = list(
        Case.objects.filter(
            shredded_at__isnull=True, retain_until__gt=now, retain_until__lte=horizon
        )
    )
    viewers = viewers_of([case.pk for case in soon])
    for case in soon:
        assert case.retain_until is not None
        report.warned += alert_each(
            sorted(viewers[case.pk].everyone),
            kind=AlertKind.RETENTION_ENDING,
            case=case,
            subject=case.retain_until.strftime("%Y%m%dT%H%M%S"),
            now=now,
        )


def run_retention(*, now: datetime | None = None) -> RetentionReport:
    """The scheduled run: warn, shred what is due, erase expired web requests, expire
    old shred-now requests. Idempotent: a shredded case is a tombstone (``retain_until``
    cleared), a raised warning is not raised again. Each shred is its own transaction,
    so one failure (a sealed vault) stops nothing that was done and the next run tries
    again; the run then says how many failed, without naming anyone."""
    from waystation.cases.services import shredding  # shredding imports this module

    now = now or timezone.now()
    report = RetentionReport()
    with transaction.atomic():
        _warn(now, report)
        report.shred_requests_expired = shredding.expire_shred_requests(now=now)
    due = Case.objects.filter(shredded_at__isnull=True, retain_until__lte=now).order_by(
        "retain_until", "pk"
    )
    for case_id in list(due.values_list("pk", flat=True)):
        try:
            if shredding.shred_for_retention(case_id=case_id, now=now):
                report.shredded.append(case_id)
        except VaultSealed:
            report.failed += 1
    try:
        report.requests_erased = len(intake_retention.erase_expired_requests(now=now).erased)
    except VaultSealed:
        report.failed += 1
    if report.failed:
        logger.warning("retention run: %d shred(s) waiting for the vault", report.failed)
    return report
