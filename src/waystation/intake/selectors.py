"""Reading web requests on the staff side. Every function takes the acting user and
refuses anyone who may not screen requests, so no page can skip the check.

Requests that a case was opened from are not in the queue: they belong to the case and
its need to know (``screening.py``).

The queue shows the start of each applicant's story, opened with the intake private key
(so only while the vault is unsealed); each request shown that way is a read of sealed
data and gets its own audit entry (docs/design.md §2.5), written in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from waystation.accounts.models import Actor
from waystation.audit import services as audit
from waystation.intake import countries, screening
from waystation.intake.forms import PREFERRED_LANGUAGES
from waystation.intake.models import (
    Channel,
    CheckIn,
    CheckInKind,
    Direction,
    HelpRequest,
    IntakeKey,
    MailboxMessage,
    Status,
    Urgency,
)

QUEUE_PAGE = 50
EXCERPT_CHARS = 240

# The queue's views, in the order of the tabs. "attention" is what a screener works
# through: requests nobody has answered yet, applicants who wrote again after the last
# answer, and anyone who pressed "I need help now" since.
ATTENTION = "attention"
VIEWS: dict[str, Promise] = {
    ATTENTION: _("Needs an answer"),
    Status.WAITING: _("Waiting for the applicant"),
    Status.ANSWERED: pgettext_lazy("queue of requests", "Answered"),
    Status.DECLINED: pgettext_lazy("queue of requests", "Declined"),
}
# The staff side's names of a request's status and channel. The models' labels are the
# applicants' catalogue's (the public pages share the models and speak of their
# "request" as applicants do); these are the staff catalogue's, in its glossary.
STATUS_LABELS: dict[Status, Promise] = {
    Status.NEW: pgettext_lazy("status of a request", "New"),
    Status.ANSWERED: pgettext_lazy("status of a request", "Answered"),
    Status.WAITING: pgettext_lazy("status of a request", "Waiting for more information"),
    Status.DECLINED: pgettext_lazy("status of a request", "Declined"),
}
CHANNEL_LABELS: dict[Channel, Promise] = {
    Channel.WEB: pgettext_lazy("how a request came", "Web request"),
    Channel.PARTNER: pgettext_lazy("how a request came", "Partner referral"),
}
_LANGUAGE_NAMES = dict(PREFERRED_LANGUAGES)


def language_name(code: str) -> str:
    """The language an applicant asked to be answered in, named in itself (as the public
    form offers it); the code if it is none of those."""
    return _LANGUAGE_NAMES.get(code, code)


@dataclass(frozen=True)
class QueueRow:
    id: str
    received_at: datetime
    urgency: int
    urgency_label: str
    help_asked: bool  # "I need help now" since the last answer
    wrote_again: bool  # a message from the applicant since the last answer
    language: str
    language_name: str
    country: str
    country_name: str
    status: str
    status_label: str
    files: int
    excerpt: str
    channel: str = "web"
    referred_by: str = ""  # the partner, for a partner referral


@dataclass(frozen=True)
class Queue:
    view: str
    rows: list[QueueRow]
    total: int
    counts: dict[str, int]
    intake_ready: bool

    @property
    def tabs(self) -> list[tuple[str, str, int]]:
        return [(name, str(label), self.counts[name]) for name, label in VIEWS.items()]


def _latest(model: Any, field: str, **match: Any) -> Subquery:
    return Subquery(
        model.objects.filter(request=OuterRef("pk"), **match)
        .order_by(f"-{field}")
        .values(field)[:1]
    )


def _annotated() -> QuerySet[HelpRequest]:
    last_out = F("last_out")
    help_pending = Q(last_help__isnull=False) & (
        Q(last_out__isnull=True) | Q(last_help__gt=last_out)
    )
    # A request that became a case is worked on in the case, by the people who may see
    # it; the queue is for everyone who screens, so it shows none of them.
    return (
        HelpRequest.objects.filter(case_id__isnull=True)
        .annotate(
            last_out=_latest(MailboxMessage, "sent_at", direction=Direction.TO_APPLICANT),
            last_in=_latest(MailboxMessage, "sent_at", direction=Direction.FROM_APPLICANT),
            last_help=_latest(CheckIn, "at", kind=CheckInKind.NEED_HELP),
        )
        .annotate(
            help_asked=Case(
                When(help_pending, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            wrote_again=Case(
                When(Q(last_in__isnull=False) & Q(last_in__gt=last_out), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            effective_urgency=Case(
                When(help_pending, then=Value(int(Urgency.NOW))),
                default=F("urgency"),
                output_field=IntegerField(),
            ),
        )
    )


def _in_view(queryset: QuerySet[HelpRequest], view: str) -> QuerySet[HelpRequest]:
    if view == ATTENTION:
        return queryset.filter(
            Q(status=Status.NEW)
            | (~Q(status=Status.DECLINED) & Q(wrote_again=True))
            | Q(help_asked=True)
        )
    return queryset.filter(status=view)


def _excerpt(story: str) -> str:
    flat = " ".join(story.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1].rstrip() + "…"


@transaction.atomic
def triage_queue(*, user: Actor, view: str = ATTENTION, limit: int = QUEUE_PAGE) -> Queue:
    """Requests in one view of the queue, most urgent first, then the longest waiting."""
    screening.require_screener(user)
    if view not in VIEWS:
        view = ATTENTION
    annotated = _annotated()
    counts = {name: _in_view(annotated, name).count() for name in VIEWS}
    found = (
        _in_view(annotated, view)
        .annotate(files=Count("attachments", distinct=True))
        .order_by("effective_urgency", "received_at", "id")
        .values(
            "id",
            "received_at",
            "effective_urgency",
            "help_asked",
            "wrote_again",
            "language",
            "country",
            "status",
            "files",
            "channel",
            "referred_by",
            "intake_key_id",
            "payload_box",
        )[:limit]
    )
    private_keys: dict[str, bytes] = {}
    rows: list[QueueRow] = []
    for found_row in found:
        key_id = found_row["intake_key_id"]
        if key_id not in private_keys:
            private_keys[key_id] = screening.intake_private_key(key_id)
        payload = screening.open_payload(
            private_key=private_keys[key_id],
            request_id=found_row["id"],
            box=bytes(found_row["payload_box"]),
        )
        audit.record(
            actor_id=user.pk,
            action="intake.request_previewed",
            object_type="request",
            object_id=found_row["id"],
        )
        urgency = Urgency(found_row["effective_urgency"])
        rows.append(
            QueueRow(
                id=found_row["id"],
                received_at=found_row["received_at"],
                urgency=int(urgency),
                urgency_label=str(urgency.label),
                help_asked=bool(found_row["help_asked"]),
                wrote_again=bool(found_row["wrote_again"]),
                language=found_row["language"],
                language_name=language_name(found_row["language"]),
                country=found_row["country"],
                country_name=countries.name(found_row["country"]) if found_row["country"] else "",
                status=found_row["status"],
                status_label=str(STATUS_LABELS[Status(found_row["status"])]),
                files=int(found_row["files"]),
                excerpt=_excerpt(payload.get("story", "")),
                channel=found_row["channel"],
                referred_by=found_row["referred_by"],
            )
        )
    return Queue(
        view=view,
        rows=rows,
        total=counts[view],
        counts=counts,
        intake_ready=IntakeKey.objects.filter(retired_at__isnull=True).exists(),
    )


@dataclass(frozen=True)
class Unanswered:
    """How long the triage queue's "Needs an answer" has been waiting, and nothing else:
    a count and a moment to the minute, never which request, so anyone allowed to see
    the installation's status (administrators, who may not screen) may see it."""

    count: int
    oldest_waiting_since: datetime | None


def _first_after_last_answer(model: Any, field: str, **match: Any) -> Subquery:
    return Subquery(
        model.objects.filter(request=OuterRef("pk"), **{f"{field}__gt": OuterRef("last_out")})
        .filter(**match)
        .order_by(field)
        .values(field)[:1]
    )


def unanswered_requests() -> Unanswered:
    """The requests in "Needs an answer" (the queue's own definition), and since when the
    longest-waiting of them has waited: since it arrived if nobody has answered it yet,
    otherwise since the applicant first wrote again or pressed "I need help now" after
    the last answer. Takes no user: it returns no request, only a count and a time."""
    first_in = _first_after_last_answer(
        MailboxMessage, "sent_at", direction=Direction.FROM_APPLICANT
    )
    first_help = _first_after_last_answer(CheckIn, "at", kind=CheckInKind.NEED_HELP)
    # Least() is NULL on SQLite when either side is; each side falls back to the other.
    since_answer = Least(Coalesce(first_in, first_help), Coalesce(first_help, first_in))
    waiting = _in_view(_annotated(), ATTENTION).annotate(
        waiting_since=Case(
            When(Q(status=Status.NEW) | Q(last_out__isnull=True), then=F("received_at")),
            default=Coalesce(since_answer, F("received_at")),
            output_field=DateTimeField(),
        )
    )
    found = waiting.aggregate(count=Count("pk"), oldest=Min("waiting_since"))
    oldest = found["oldest"]
    # To the minute: the exact moment an applicant wrote could be matched against a
    # record, kept elsewhere, of who connected when.
    if oldest is not None:
        oldest = oldest.replace(second=0, microsecond=0)
    return Unanswered(count=int(found["count"]), oldest_waiting_since=oldest)
