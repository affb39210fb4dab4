"""The retention clock of web requests that never became cases (docs/casework.md
"Retention"): a declined request, and one answered but never followed up, are erased a
while after the last contact, with everything they hold (``screening.erase_request``).

A request nobody has answered yet is never erased by the clock: it is somebody's
unanswered call for help, and it waits for a screener however old it is. A request that
became a case follows the case's clock instead (``cases.services.retention``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest

from waystation.intake import screening
from waystation.intake.models import (
    Attachment,
    CheckIn,
    HelpRequest,
    MailboxMessage,
    Status,
)
from waystation.vault import services as vault_services

# What a period applies to: a decline closes a request; an answer that was never followed
# up leaves it open on the applicant's side, so it is kept longer.
_ANSWERED = (Status.ANSWERED, Status.WAITING)


def _latest(model: type, column: str) -> Subquery:
    return Subquery(
        model.objects.filter(request=OuterRef("pk"))  # type: ignore[attr-defined]
        .values("request")
        .annotate(latest=Max(column))
        .values("latest")[:1],
        output_field=DateTimeField(),
    )


def with_last_contact() -> Any:  # QuerySet[HelpRequest] with an annotation mypy cannot see
    """Requests that are not cases, each with ``last_contact``: the newest of its arrival,
    its messages (either way), its check-ins and its attachments (operational dates)."""
    return HelpRequest.objects.filter(case_id__isnull=True).annotate(
        last_contact=Greatest(
            "received_at",
            Coalesce(_latest(MailboxMessage, "sent_at"), "received_at"),
            Coalesce(_latest(CheckIn, "at"), "received_at"),
            Coalesce(_latest(Attachment, "received_at"), "received_at"),
        ),
    )


def period_for(status: str) -> timedelta | None:
    """How long after the last contact a request in this status is kept; ``None``: the
    clock does not run (new requests, waiting for a screener)."""
    if status == Status.DECLINED:
        return timedelta(days=settings.WAYSTATION_INTAKE_DECLINED_DAYS)
    if status in _ANSWERED:
        return timedelta(days=settings.WAYSTATION_INTAKE_ABANDONED_DAYS)
    return None


def expired_request_ids(now: datetime) -> list[str]:
    """The requests whose clock has ended at ``now``, oldest contact first."""
    declined = now - timedelta(days=settings.WAYSTATION_INTAKE_DECLINED_DAYS)
    answered = now - timedelta(days=settings.WAYSTATION_INTAKE_ABANDONED_DAYS)
    rows = with_last_contact().values_list("pk", "status", "last_contact")
    due = [
        (last, pk)
        for pk, status, last in rows.filter(status__in=[Status.DECLINED, *_ANSWERED])
        if last <= (declined if status == Status.DECLINED else answered)
    ]
    return [pk for _last, pk in sorted(due)]


@dataclass
class ErasedRequests:
    erased: list[str] = field(default_factory=list)


def erase_expired_requests(*, now: datetime) -> ErasedRequests:
    """Erase every request whose clock has ended: rows and files, and the data key staff
    made when first reading it, all in one transaction and one key rotation (rotating
    rewraps every data key, so one per run rather than one per request). Idempotent: an
    erased request is gone, a second run finds nothing. Needs the vault unsealed when a
    request has a data key; sealed, the run fails and the next one tries again."""
    report = ErasedRequests()
    files: list[str] = []
    keys: list[str] = []
    with transaction.atomic():
        for request_id in expired_request_ids(now):
            # Re-checked under the lock: a message may have arrived since the list was read.
            if not HelpRequest.objects.select_for_update().filter(pk=request_id).exists():
                continue
            row = (
                with_last_contact()
                .filter(pk=request_id)
                .values_list("status", "last_contact")
                .first()
            )
            if row is None:
                continue
            period = period_for(row[0])
            if period is None or row[1] + period > now:
                continue
            erased = screening.erase_request(request_id=request_id)
            files += erased.storage_names
            if erased.data_key_id:
                keys.append(erased.data_key_id)
            report.erased.append(request_id)
        if keys:
            vault_services.shred_data_key(actor_id=None, data_key_id=keys[0], also_shred=keys[1:])
        transaction.on_commit(lambda: screening.remove_files(files))
    return report
