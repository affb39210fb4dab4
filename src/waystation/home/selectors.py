"""What waits for one member of staff, for the home page: one count per kind of work,
each from the scoped selector of the app that owns that work, so each counts only what
the member may see and may do. A part the member's role has no say in is ``None`` (not
shown), not zero. Administrators, who hold no casework permission, get the
installation's status instead of case counts.

Cheap by design: a ``COUNT`` (or an aggregate) per figure, never the rows themselves,
nothing decrypted, no audit entry (nothing sealed is read).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from waystation.accounts.models import Actor
from waystation.cases.selectors.waiting import CasesWaiting, cases_waiting
from waystation.intake.selectors import Unanswered, unanswered_requests
from waystation.partners.selectors.waiting import (
    Waiting,
    key_changes_waiting_for,
    referrals_waiting_for,
)
from waystation.relocation.selectors.waiting import payments_waiting_for
from waystation.status.checks import Finding, run_checks

# The permissions that decide which parts a member sees. Casework: any role that works
# or opens cases (the administrator holds neither, docs/design.md §2.5).
CASEWORK = ("cases.work_case", "cases.open_case")
SCREEN = "intake.screen_request"
APPROVE_PAYMENT = "relocation.approve_payment"
APPROVE_REFERRAL = "partners.approve_referral"
MANAGE_PARTNERS = "partners.manage_partners"
VIEW_STATUS = "accounts.view_status"
# The status checks an administrator always sees on the home page; any other check
# shows only when it is not ok.
STATUS_ALWAYS = ("workers", "backup")


@dataclass(frozen=True)
class Home:
    casework: CasesWaiting | None = None
    payments: int | None = None
    referrals: Waiting | None = None
    key_changes: Waiting | None = None
    queue: Unanswered | None = None
    status: tuple[Finding, ...] | None = None
    status_ok: bool = True
    backup_taken_at: datetime | None = None

    @property
    def approvals(self) -> bool:
        """Whether the member has any second-person step to take (the section shows)."""
        casework = self.casework
        return (
            casework is not None
            and (casework.approvals is not None or casework.shred_confirmations is not None)
        ) or any(p is not None for p in (self.payments, self.referrals, self.key_changes))

    @property
    def empty(self) -> bool:
        """Nothing for this role at all (not "nothing waiting": zero counts are shown)."""
        return all(
            part is None
            for part in (
                self.casework,
                self.payments,
                self.referrals,
                self.key_changes,
                self.queue,
                self.status,
            )
        )


def _end_of_today(now: datetime) -> datetime:
    local = timezone.localtime(now)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start + timedelta(days=1)


def home_for(*, user: Actor, now: datetime | None = None) -> Home:
    """The parts of the home page ``user``'s permissions give them, each counted by the
    owning app's selector for ``user``."""
    now = now or timezone.now()
    if user is None or not user.is_authenticated or not user.is_active:
        return Home()
    casework = any(user.has_perm(p) for p in CASEWORK)
    status: tuple[Finding, ...] | None = None
    status_ok = True
    backup_taken_at = None
    if user.has_perm(VIEW_STATUS):
        report = run_checks(now)
        status_ok = report.ok
        status = tuple(f for f in report.findings if f.name in STATUS_ALWAYS or not f.ok)
        backup = next((f for f in report.findings if f.name == "backup"), None)
        seconds = backup.facts.get("age_seconds") if backup is not None else None
        if isinstance(seconds, int):
            backup_taken_at = report.checked_at - timedelta(seconds=seconds)
    return Home(
        casework=cases_waiting(user=user, due_by=_end_of_today(now), now=now) if casework else None,
        payments=payments_waiting_for(user=user) if user.has_perm(APPROVE_PAYMENT) else None,
        referrals=referrals_waiting_for(user=user) if user.has_perm(APPROVE_REFERRAL) else None,
        key_changes=key_changes_waiting_for(user=user) if user.has_perm(MANAGE_PARTNERS) else None,
        queue=unanswered_requests() if user.has_perm(SCREEN) else None,
        status=status,
        status_ok=status_ok,
        backup_taken_at=backup_taken_at,
    )
