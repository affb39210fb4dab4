"""Entries of a case's timeline, and the web mailbox's part of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from waystation.accounts.models import Actor
from waystation.cases.models import (
    Case,
    CaseMessage,
    Channel,
)
from waystation.intake import screening

# Every kind of entry the timeline holds, in plain words for the page: staff read
# sentences, not codes (issue #15). A new kind needs its words here;
# tests/cases/test_case_page.py builds a case with every kind and fails on one missing.
TIMELINE_LABELS: dict[str, Promise] = {
    "message_in": _("Message from the applicant"),
    "message_out": _("Message to the applicant"),
    "note": _("Note"),
    "credibility": _("Credibility note"),
    "stage": _("Stage changed"),
    "task": _("Task added"),
    "task_done": _("Task done"),
    "risk": _("Risk assessed"),
    "check_in": _("Checked in"),
    "help_now": _("Asked for help now"),
    "referral": _("Referral to a partner"),
}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # a key of TIMELINE_LABELS
    text: str
    actor_id: int | None = None
    via_web: bool = False  # in the web mailbox (written there, or sent to it)
    files: int = 0  # files sent with a web-mailbox message

    @property
    def label(self) -> str:
        # An unknown kind still reads as words on the page, never as a code.
        return str(TIMELINE_LABELS.get(self.kind, _("Entry")))


_WEB_CHECK_INS = {
    "safe": ("check_in", _("Checked in from the web mailbox: “I am safe”")),
    "need_help": ("help_now", _("Pressed “I need help now” in the web mailbox")),
}


def _web_mailbox(user: Actor, case: Case) -> list[TimelineEntry]:
    """What the applicant wrote and pressed in the web mailbox after the case was opened,
    and the replies sent there: the rows stay intake's, opened with the intake key."""
    # Copied when the case was opened: no author, the web channel, the mailbox's time.
    copied = CaseMessage.objects.filter(
        case=case, channel=Channel.WEB, author_id__isnull=True
    ).values_list("direction", "at")
    mailbox = screening.open_case_mailbox(user=user, case_id=case.id, copied=list(copied))
    entries = [
        TimelineEntry(
            at=m.sent_at,
            kind=f"message_{m.direction}",
            text=m.text,
            via_web=True,
            files=len(m.attachments),
        )
        for m in mailbox.messages
    ]
    for kind, at in mailbox.check_ins:
        shown_kind, text = _WEB_CHECK_INS.get(kind, ("check_in", _("Checked in")))
        entries.append(TimelineEntry(at=at, kind=shown_kind, text=str(text), via_web=True))
    return entries
