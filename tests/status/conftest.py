"""A seeded installation for the status checks: staff (each wrote audit entries), web
requests waiting for an answer for known times, one answered, one declined, and a case
whose people carry markers that must never show in any status output."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from tests.factories import make_staff
from tests.vault.seeding import Markers, seed_case
from waystation.accounts.models import StaffUser
from waystation.accounts.roles import Role
from waystation.intake import public_services, screening
from waystation.intake.models import (
    CheckIn,
    Direction,
    HelpRequest,
    MailboxMessage,
    MessageKind,
    Urgency,
)

STORY_MARKER = "STATUSMARKERSTORY"


@dataclass
class Seeded:
    screener: StaffUser
    admin: StaffUser
    markers: Markers
    case_id: str
    request_ids: list[str]
    codenames: list[str]
    # When the longest-waiting request in "Needs an answer" started waiting.
    oldest_waiting_since: datetime
    waiting: int


def _request(story: str, received: datetime) -> public_services.Receipt:
    receipt = public_services.submit_request(
        new=public_services.NewRequest(
            urgency=Urgency.DAYS, language="en", country="RU", story=story
        )
    )
    HelpRequest.objects.filter(pk=receipt.request_id).update(received_at=received)
    return receipt


@pytest.fixture
def seeded(db) -> Seeded:
    now = timezone.now()
    screening.ensure_intake_key(actor_id=None)
    screener = make_staff(Role.SCREENER)
    admin = make_staff(Role.ADMINISTRATOR)
    _case, _document, markers = seed_case()

    # New for 30 hours: nobody answered it.
    new = _request(f"{STORY_MARKER} one", now - timedelta(hours=30))
    # Answered 3 days ago, then the applicant wrote again 50 hours ago: it has waited
    # since that message, longer than the new one.
    wrote_again = _request(f"{STORY_MARKER} two", now - timedelta(days=4))
    answer = screening.answer_request(
        user=screener, request_id=wrote_again.request_id, kind=MessageKind.REPLY, text="Hello."
    )
    MailboxMessage.objects.filter(pk=answer.pk).update(sent_at=now - timedelta(days=3))
    public_services.send_message(
        mailbox=public_services.open_mailbox(typed_codename=wrote_again.codename),
        text=f"{STORY_MARKER} again",
    )
    MailboxMessage.objects.filter(
        request_id=wrote_again.request_id, direction=Direction.FROM_APPLICANT
    ).update(sent_at=now - timedelta(hours=50))
    # Answered and quiet since: not waiting, however old.
    answered = _request(f"{STORY_MARKER} three", now - timedelta(days=9))
    screening.answer_request(
        user=screener, request_id=answered.request_id, kind=MessageKind.REPLY, text="Hello."
    )
    # Declined long ago: not waiting.
    declined = _request(f"{STORY_MARKER} four", now - timedelta(days=20))
    screening.answer_request(
        user=screener, request_id=declined.request_id, kind=MessageKind.DECLINE, text="Sorry."
    )
    assert not CheckIn.objects.exists()
    receipts = [new, wrote_again, answered, declined]
    return Seeded(
        screener=screener,
        admin=admin,
        markers=markers,
        case_id=_case.pk,
        request_ids=[r.request_id for r in receipts],
        codenames=[r.codename for r in receipts],
        oldest_waiting_since=MailboxMessage.objects.get(
            request_id=wrote_again.request_id, direction=Direction.FROM_APPLICANT
        ).sent_at,
        waiting=2,
    )


def personal_values(seeded: Seeded) -> list[str]:
    """What no status output may contain: the case's markers, the stories, every
    request's and the case's id, every codename."""
    values = [STORY_MARKER, seeded.case_id, *seeded.request_ids]
    values += [m for m in seeded.markers.all() if len(m) >= 4]
    return values + seeded.codenames
