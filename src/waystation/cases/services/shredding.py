"""Shredding a case: its data key destroyed, its indexes and its web request erased
(:func:`shred_case`), and the two ways a case gets there (docs/casework.md): its
retention period ended (:func:`shred_for_retention`, from the scheduled run), or two
programme managers asked for it now (:func:`request_shred`, then
:func:`confirm_shred` by a different one). Either way the case row stays as a
tombstone of operational fields (:func:`_leave_tombstone`), so the numbers add up."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from waystation.accounts.models import Actor, StaffUser
from waystation.cases import signals
from waystation.cases.models import (
    AccessGrant,
    Alert,
    AlertKind,
    Case,
    CaseDocument,
    CaseIdentifier,
    CaseMessage,
    CaseNameToken,
    CheckInSchedule,
    Note,
    PartnerReference,
    RetentionExtension,
    RiskAssessment,
    ShredCause,
    ShredRequest,
    StageApproval,
    StoryBand,
    Task,
)
from waystation.cases.selectors import visibility
from waystation.cases.services.alerts import alert_each
from waystation.cases.services.common import CaseError, CaseNotPermitted, _case_for, _record
from waystation.cases.services.retention import SHRED_CASE, clean_reason, is_due
from waystation.intake import screening
from waystation.vault import ledger
from waystation.vault import services as vault_services
from waystation.vault.fields import StoredFile, delete_sealed_file


def shred_case(*, actor_id: int | None, case: Case) -> None:
    """Destroy the case's data key: every sealed value and file of it becomes noise.

    Blind indexes go too: they are keyed digests, but anyone who can unseal could still
    test a known phone number or name against them, so a shredded person would stay
    findable. Only operational fields (stage, dates, coarse country) remain.

    The web request the case was opened from goes with it, in the same transaction: its
    payload, messages and files are sealed to the intake key, which every other request
    still needs, so its rows are deleted (``screening.erase_request``) and its files
    removed once that commits. Its own data key is the case's (adopted on opening); a
    case opened before keys were adopted has the request's key shredded alongside."""
    stored = CaseDocument.objects.filter(case=case).values_list("file", flat=True)
    storage_names = [f.storage_name for f in stored if isinstance(f, StoredFile)]
    request_files: list[str] = []
    also_shred: list[str] = []

    def erase_indexes() -> None:
        if case.source_request_id:
            erased = screening.erase_request(request_id=case.source_request_id)
            request_files.extend(erased.storage_names)
            if erased.data_key_id and erased.data_key_id != case.data_key_id:
                also_shred.append(erased.data_key_id)
        signals.erasing_case_indexes.send(sender=Case, case=case)
        CaseNameToken.objects.filter(case=case).delete()
        CaseIdentifier.objects.filter(case=case).delete()
        StoryBand.objects.filter(case=case).delete()
        Case.objects.filter(pk=case.pk).update(
            phone_index=None,
            email_index=None,
            handle_index=None,
            birth_year_index=None,
            story_signature=None,
        )

    vault_services.shred_data_key(
        actor_id=actor_id,
        data_key_id=case.data_key_id,
        erase_indexes=erase_indexes,
        also_shred=also_shred,
    )
    ledger.record_shred("case", case.pk)  # after commit: a restore re-applies it
    # The request's files are sealed to the intake key, which lives on: they must go from
    # the disk, but only once the rows naming them are gone for good (a rollback would
    # otherwise leave rows naming missing files). At once when no transaction is open.
    transaction.on_commit(lambda: screening.remove_files(request_files))
    # The case's files are noise without the key already; removing them frees the space.
    for name in storage_names:
        delete_sealed_file(name)


# Rows that hold nothing but sealed text under the case's key (noise once it is gone):
# the tombstone drops them. Stage history, approvals and check-in dates stay: they are
# what the figures (time in each stage, outcomes) are made of, and their sealed reasons
# are noise like everything else of the case.
_SEALED_ONLY_ROWS = (
    Note,
    CaseMessage,
    Task,
    PartnerReference,
    RiskAssessment,
    AccessGrant,
    RetentionExtension,
    CaseDocument,
)


def _leave_tombstone(case: Case, *, cause: ShredCause, now: datetime) -> None:
    """What stays of a shredded case: the row's operational fields (random id, stage,
    outcome, urgency, channel, coarse country, team, opened/closed dates, checklist
    ticks), its stage history and its assignments, so that counts and durations still add
    up and its people still find it gone rather than missing. The link to the erased web
    request goes; open alerts and questions about it are closed."""
    for model in _SEALED_ONLY_ROWS:
        model.objects.filter(case=case).delete()
    CheckInSchedule.objects.filter(case=case).update(active=False)
    Alert.objects.filter(case=case, resolved_at__isnull=True).update(resolved_at=now)
    StageApproval.objects.filter(case=case, status=StageApproval.Status.PENDING).update(
        status=StageApproval.Status.WITHDRAWN, decided_at=now
    )
    Case.objects.filter(pk=case.pk).update(
        shredded_at=now, shred_cause=cause, retain_until=None, source_request_id=None
    )


@transaction.atomic
def shred_for_retention(*, case_id: str, now: datetime) -> bool:
    """Shred one case whose retention ended, if it still has (re-read under lock: it may
    have been reopened or extended since the run listed it). False: nothing to do."""
    case = Case.objects.select_for_update().filter(pk=case_id, shredded_at__isnull=True).first()
    if case is None or not is_due(case.retain_until, now):
        return False
    shred_case(actor_id=None, case=case)
    _leave_tombstone(case, cause=ShredCause.RETENTION, now=now)
    _record(None, "case.shredded_retention", case)
    return True


# --- shred now, by two programme managers ---------------------------------------------------


def _pending(case: Case, now: datetime, *, lock: bool = False) -> ShredRequest | None:
    found = ShredRequest.objects.filter(
        case=case, status=ShredRequest.Status.PENDING, expires_at__gt=now
    )
    if lock:
        found = found.select_for_update()
    return found.first()


def pending_shred_request(*, user: Actor, case_id: str) -> ShredRequest | None:
    """The open request to shred a case this user may see (``CaseNotFound`` otherwise)."""
    case = visibility.visible_case(user=user, case_id=case_id)
    return _pending(case, timezone.now())


def _require_access_by_right(user: Actor, case: Case, now: datetime) -> None:
    """Emergency access is for a person in danger now, self-granted: it must not also be
    a way to join a shred of a case one was never given. Assigned, supervising, or a
    grant someone else gave."""
    viewers = visibility.case_viewers(case)
    if user.pk in viewers.assignees or user.pk == viewers.supervisor_id:
        return
    if AccessGrant.objects.filter(
        case=case, user_id=user.pk, break_glass=False, until__gt=now, revoked_at__isnull=True
    ).exists():
        return
    raise CaseNotPermitted(
        gettext(
            "Emergency access does not allow shredding: be assigned to the case or granted "
            "access to it first."
        )
    )


def _ask(
    case: Case, *, requested_by: StaffUser, reason: str, via_command: bool, now: datetime
) -> ShredRequest:
    if case.shredded_at is not None:
        raise CaseError(gettext("This case was already shredded."))
    reason = clean_reason(reason)
    # An expired request still holds the one-pending slot: close it first.
    ShredRequest.objects.filter(
        case=case, status=ShredRequest.Status.PENDING, expires_at__lte=now
    ).update(status=ShredRequest.Status.EXPIRED, decided_at=now)
    if _pending(case, now) is not None:
        raise CaseError(
            gettext("A request to shred this case is already waiting for confirmation.")
        )
    shred_request = ShredRequest(
        case=case,
        data_key_id=case.data_key_id,
        requested_by_id=requested_by.pk,
        requested_at=now,
        via_command=via_command,
        expires_at=now + timedelta(days=settings.WAYSTATION_SHRED_REQUEST_DAYS),
    )
    shred_request.reason = reason
    shred_request.save(force_insert=True)
    alert_each(
        visibility.approvers_of(case, permission=SHRED_CASE, exclude=requested_by.pk),
        kind=AlertKind.SHRED_REQUESTED,
        case=case,
        subject=shred_request.id,
        now=now,
        actor_id=requested_by.pk,
    )
    # Recorded under the programme manager named; the command's entry says an operator
    # typed it, so nobody can pass an operator's request off as made on the page.
    _record(
        requested_by,
        "case.shred_requested_by_command" if via_command else "case.shred_requested",
        case,
    )
    return shred_request


@transaction.atomic
def request_shred(
    *, user: Actor, case_id: str, reason: str, now: datetime | None = None
) -> ShredRequest:
    """The first of two programme managers asks to shred a case now, with a reason. Only
    someone who may see the case (a 404 otherwise) and whose role holds the permission."""
    case = _case_for(user, case_id, SHRED_CASE)
    assert isinstance(user, StaffUser)
    now = now or timezone.now()
    _require_access_by_right(user, case, now)
    return _ask(case, requested_by=user, reason=reason, via_command=False, now=now)


@transaction.atomic
def request_shred_as_operator(
    *, username: str, case_id: str, reason: str, now: datetime | None = None
) -> ShredRequest:
    """``waystation cases shred ID --by USERNAME``: an operator records the request of a
    named programme manager, who must be able to see the case like on the page; a
    different programme manager then confirms on the case's page."""
    user = StaffUser.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CaseError(gettext("No active member of staff has that username."))
    case = _case_for(user, case_id, SHRED_CASE)
    now = now or timezone.now()
    _require_access_by_right(user, case, now)
    return _ask(case, requested_by=user, reason=reason, via_command=True, now=now)


@transaction.atomic
def confirm_shred(
    *, user: Actor, case_id: str, request_id: str, now: datetime | None = None
) -> Case:
    """The second programme manager confirms: the case is shredded at once, for good."""
    case = _case_for(user, case_id, SHRED_CASE)
    now = now or timezone.now()
    _require_access_by_right(user, case, now)
    shred_request = _pending(case, now, lock=True)
    if shred_request is None or shred_request.pk != request_id:
        raise CaseError(
            gettext("This request to shred the case is no longer open (expired or cancelled).")
        )
    if shred_request.requested_by_id == user.pk:
        raise CaseError(gettext("A different programme manager must confirm what you asked for."))
    shred_request.status = ShredRequest.Status.CONFIRMED
    shred_request.decided_by_id = user.pk
    shred_request.decided_at = now
    shred_request.save(update_fields=["status", "decided_by_id", "decided_at"])
    shred_case(actor_id=user.pk, case=case)
    _leave_tombstone(case, cause=ShredCause.TWO_PERSON, now=now)
    _record(user, "case.shredded_two_person", case)
    return case


@transaction.atomic
def cancel_shred(
    *, user: Actor, case_id: str, request_id: str, now: datetime | None = None
) -> None:
    """Either programme manager (anyone who could confirm) may cancel an open request."""
    case = _case_for(user, case_id, SHRED_CASE)
    now = now or timezone.now()
    updated = ShredRequest.objects.filter(
        pk=request_id, case=case, status=ShredRequest.Status.PENDING
    ).update(status=ShredRequest.Status.CANCELLED, decided_by_id=user.pk, decided_at=now)
    if not updated:
        raise CaseError(gettext("This request to shred the case is no longer open."))
    Alert.objects.filter(
        case=case, kind=AlertKind.SHRED_REQUESTED, subject=request_id, resolved_at__isnull=True
    ).update(resolved_at=now)
    _record(user, "case.shred_cancelled", case)


def expire_shred_requests(*, now: datetime) -> int:
    """Close the requests nobody confirmed in time (run by the scheduled run)."""
    expired = list(
        ShredRequest.objects.filter(
            status=ShredRequest.Status.PENDING, expires_at__lte=now
        ).values_list("pk", "case_id")
    )
    for request_id, case_id in expired:
        ShredRequest.objects.filter(pk=request_id).update(
            status=ShredRequest.Status.EXPIRED, decided_at=now
        )
        Alert.objects.filter(
            case_id=case_id, kind=AlertKind.SHRED_REQUESTED, subject=request_id
        ).update(resolved_at=now)
        audit_case = Case(pk=case_id)
        _record(None, "case.shred_request_expired", audit_case)
    return len(expired)
