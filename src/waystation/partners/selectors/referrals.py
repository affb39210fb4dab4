"""Reading a case's referrals: opened under the case's key for someone who may see the
case (else ``CaseNotFound``), with a ``referral.opened`` audit entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction

from waystation.accounts.models import Actor
from waystation.cases.models import Case
from waystation.cases.selectors import visibility as case_visibility
from waystation.cases.services.documents import case_files
from waystation.intake import screening
from waystation.partners.models import ConsentKind, Part, Referral, ReferralEvent, ReferralState
from waystation.partners.services import package
from waystation.partners.services.common import record
from waystation.partners.services.partners import active_keys
from waystation.partners.services.referrals import referral_of


@dataclass(frozen=True)
class ReferralRow:
    id: str
    partner: str
    state: str
    state_label: str
    created_at: datetime
    key_changed: bool


@dataclass(frozen=True)
class ShownEvent:
    at: datetime
    from_label: str
    to_label: str
    actor_id: int | None
    note: str
    by_partner: bool = False  # the partner made this move with its API token
    from_state: str = ""  # ReferralState values ("" for the drafting)
    to_state: str = ""


@dataclass(frozen=True)
class ShownReferral:
    referral: Referral
    partner: str
    state_label: str
    purpose: str
    parts: list[tuple[str, str]]  # (label, text) of the chosen parts
    files: int
    consent: str
    consent_kind: str
    events: list[ShownEvent]
    mailbox_answer: str = ""  # "said yes", "said no", "no answer yet", or "" if not asked
    # For whoever approves: the keys the package would be encrypted to now (fingerprints)
    # and the files it would carry (the name they travel under, the name staff gave).
    keys: list[str] = field(default_factory=list)
    file_names: list[tuple[str, str]] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<ShownReferral {self.referral.id}>"


def case_referrals(*, user: Actor, case_id: str) -> tuple[Case, list[ReferralRow]]:
    """Operational columns only: nothing is opened."""
    case = case_visibility.visible_case(user=user, case_id=case_id)
    rows = [
        ReferralRow(
            id=r.id,
            partner=r.partner.name,
            state=r.state,
            state_label=str(ReferralState(r.state).label),
            created_at=r.created_at,
            key_changed=r.key_changed_at is not None,
        )
        for r in Referral.objects.filter(case=case)
        .select_related("partner")
        .order_by("-created_at")
    ]
    return case, rows


@dataclass(frozen=True)
class ReferralWithEvents:
    id: str
    partner_id: str
    partner: str
    state: str
    state_label: str
    parts: list[str]  # names of the parts, never their contents
    created_at: datetime
    approved_at: datetime | None
    sent_at: datetime | None
    key_changed: bool
    package_sha256: str
    events: list[ShownEvent]

    def __repr__(self) -> str:
        return f"<ReferralWithEvents {self.id}>"


def _shown_events(events: list[ReferralEvent]) -> list[ShownEvent]:
    states = dict(ReferralState.choices)
    return [
        ShownEvent(
            at=e.at,
            from_label=str(states.get(e.from_state, "")),
            to_label=str(states.get(e.to_state, "")),
            actor_id=e.actor_id,
            note=e.note or "",
            by_partner=e.by_partner,
            from_state=e.from_state,
            to_state=e.to_state,
        )
        for e in events
    ]


@transaction.atomic
def case_referrals_with_events(*, user: Actor, case_id: str) -> list[ReferralWithEvents]:
    """The case's referrals, newest first, each with its state changes (their notes
    are sealed under the case's key: each referral shown is a ``referral.opened`` audit
    entry, as its page is). For whoever may see the case, else ``CaseNotFound``."""
    case = case_visibility.visible_case(user=user, case_id=case_id)
    referrals = list(
        Referral.objects.filter(case=case).select_related("partner").order_by("-created_at", "id")
    )
    events: dict[str, list[ReferralEvent]] = {}
    for event in ReferralEvent.objects.filter(case=case).order_by("at", "id"):
        events.setdefault(event.referral_id, []).append(event)
    shown = []
    for referral in referrals:
        record(user, "referral.opened", "referral", referral.id)
        shown.append(
            ReferralWithEvents(
                id=referral.id,
                partner_id=referral.partner_id,
                partner=referral.partner.name,
                state=referral.state,
                state_label=str(ReferralState(referral.state).label),
                parts=list(referral.parts or []),
                created_at=referral.created_at,
                approved_at=referral.approved_at,
                sent_at=referral.sent_at,
                key_changed=referral.key_changed_at is not None,
                package_sha256=referral.package_sha256,
                events=_shown_events(events.get(referral.id, [])),
            )
        )
    return shown


@transaction.atomic
def file_choices(*, user: Actor, case: Case) -> list[tuple[str, str]]:
    """The case's files by name, for the referral form (their names are sealed: the
    reading is on the audit record). The caller has found the case with this user."""
    files = case_files(case=case)
    if files:
        record(user, "referral.files_listed", "case", case.id)
    return [(f.id, f.name) for f in files]


def _part_text(name: str, value: Any) -> str:
    if name == Part.CONTACT_ROUTE and isinstance(value, dict):
        return f"{value.get('channel', '')}: {value.get('handle', '')}"
    return str(value)


@transaction.atomic
def open_referral(*, user: Actor, case_id: str, referral_id: str) -> ShownReferral:
    case = case_visibility.visible_case(user=user, case_id=case_id)
    referral = referral_of(case, referral_id, lock=False)
    record(user, "referral.opened", "referral", referral.id)
    labels = dict(Part.choices)
    states = dict(ReferralState.choices)
    content = referral.content or {}
    parts = [
        (str(labels[name]), _part_text(name, content.get(name, "")))
        for name in referral.parts
        if name != Part.FILES
    ]
    events = _shown_events(
        list(ReferralEvent.objects.filter(referral=referral).order_by("at", "id"))
    )
    return ShownReferral(
        referral=referral,
        partner=referral.partner.name,
        state_label=str(states[referral.state]),
        purpose=referral.purpose or "",
        parts=parts,
        files=len(content.get("file_ids", [])),
        consent=referral.consent_note or "",
        consent_kind=str(dict(ConsentKind.choices).get(referral.consent_kind, "")),
        events=events,
        mailbox_answer=_mailbox_answer(referral),
        keys=[k.fingerprint for k in active_keys(referral.partner)],
        file_names=[
            (package.file_name(number, f.content_type), f.name)
            for number, f in enumerate(
                case_files(case=case, ids=content.get("file_ids", []))
                if Part.FILES in referral.parts
                else [],
                1,
            )
        ],
    )


def _mailbox_answer(referral: Referral) -> str:
    if not referral.consent_request_id:
        return ""
    answer = screening.consent_answer(
        consent_id=referral.consent_request_id, case_id=referral.case_id
    ).answer
    return {True: "said yes", False: "said no"}.get(answer, "no answer yet")  # type: ignore[arg-type]
