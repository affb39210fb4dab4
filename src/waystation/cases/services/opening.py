"""Opening a case: typed in by staff from a call, Signal or e-mail, or turned from a
web request (its contents sealed again under the case's own key)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, pgettext

from waystation.accounts.models import Actor
from waystation.cases.models import (
    Case,
    CaseMessage,
    Channel,
    MessageDirection,
    StageChange,
    Team,
    Urgency,
)
from waystation.cases.services.access import _assign_all
from waystation.cases.services.common import (
    MAX_TEXT,
    OPEN_CASE,
    CaseError,
    _record,
    _require,
    _text,
)
from waystation.cases.services.documents import attach_document
from waystation.cases.services.indexes import _index_identifiers, _index_story
from waystation.cases.services.person import _clean_contacts
from waystation.intake import screening
from waystation.intake.models import HelpRequest
from waystation.vault import blind, datakeys

NOBODY_WOULD_SEE = gettext_lazy(
    "Choose a team or at least one person to work on the case: without either, nobody could see it."
)


@dataclass(frozen=True)
class ManualIntake:
    full_name: str
    phone: str
    narrative: str
    urgency: Urgency
    channel: Channel
    country: str = ""
    email: str = ""
    handle: str = ""
    birth_year: str = ""
    city: str = ""
    contacts: Sequence[dict[str, str]] = field(default_factory=tuple)

    def __repr__(self) -> str:  # never print a person into a log or a traceback
        return f"<ManualIntake {self.channel}>"


def _create_case(
    *,
    actor_id: int | None,
    intake: ManualIntake,
    source_request_id: str | None,
    team: Team | None,
    data_key_id: str | None = None,
) -> Case:
    if intake.urgency not in Urgency.values:
        raise CaseError(gettext("Choose an urgency."))
    if intake.birth_year and blind.blind_index("birth_year", intake.birth_year) is None:
        raise CaseError(gettext("A birth year is four digits, like 1994."))
    now = timezone.now()
    case = Case(
        data_key_id=data_key_id or datakeys.create_data_key().id,
        urgency=intake.urgency,
        channel=intake.channel,
        country=intake.country.upper()[:2],
        team=team,
        source_request_id=source_request_id,
        stage_changed_at=now,
    )
    case.full_name = _text(
        intake.full_name, label=pgettext("a person's", "The name"), required=False, limit=300
    )
    case.phone = _text(intake.phone, label=gettext("The phone number"), required=False, limit=64)
    case.email = _text(intake.email, label=gettext("The e-mail address"), required=False, limit=254)
    case.handle = _text(intake.handle, label=gettext("The handle"), required=False, limit=200)
    case.birth_year = intake.birth_year.strip()
    case.city = _text(intake.city, label=gettext("The city"), required=False, limit=200)
    case.narrative = _text(
        intake.narrative, label=gettext("The story"), required=False, limit=50_000
    )
    case.contacts = _clean_contacts(intake.contacts)
    _index_story(case)
    case.save(force_insert=True)
    _index_identifiers(case)
    StageChange.objects.create(
        case=case,
        data_key_id=case.data_key_id,
        from_stage="",
        to_stage=case.stage,
        at=now,
        actor_id=actor_id,
    )
    _record(actor_id, "case.created", case)
    return case


@transaction.atomic
def open_case_manually(
    *,
    actor_id: int | None,
    intake: ManualIntake,
    team_id: str | None = None,
    assignee_ids: Sequence[int] = (),
) -> Case:
    """Staff type in a request that came by phone, Signal or e-mail."""
    if intake.channel == Channel.WEB:
        raise CaseError(gettext("web requests arrive through the request page, not by hand"))
    if intake.channel not in Channel.values:
        raise CaseError(gettext("Choose the channel the request came through."))
    team = Team.objects.filter(pk=team_id).first() if team_id else None
    if team_id and team is None:
        raise CaseError(gettext("No such team."))
    case = _create_case(actor_id=actor_id, intake=intake, source_request_id=None, team=team)
    _assign_all(case, assignee_ids, actor_id)
    return case


@transaction.atomic
def open_case_by_hand(
    *, user: Actor, intake: ManualIntake, team_id: str | None, assignee_ids: Sequence[int] = ()
) -> Case:
    """The staff page's way to :func:`open_case_manually`: checks the role first, and
    that someone will see the case. A case with neither a team (whose supervisor sees
    it) nor an assignee is visible to nobody (``visible_cases``), not even a programme
    manager: a phone call typed in that way would be lost."""
    _require(user, OPEN_CASE, gettext("Your role does not allow opening cases."))
    if not team_id and not assignee_ids:
        raise CaseError(str(NOBODY_WOULD_SEE))
    return open_case_manually(
        actor_id=user.pk, intake=intake, team_id=team_id, assignee_ids=assignee_ids
    )


_CONTACT_FIELD = {"phone": "phone", "signal": "phone", "whatsapp": "phone", "email": "email"}


@transaction.atomic
def open_case_from_request(
    *,
    user: Actor,
    request_id: str,
    team_id: str | None,
    assignee_ids: Sequence[int] = (),
    full_name: str = "",
    birth_year: str = "",
) -> Case:
    """A screener turns a web request into a case: the request is opened with the intake
    private key (its own audit entry), its contents sealed again under the case's key and
    indexed, its mailbox messages copied into the case's timeline and its files into the
    case's documents.

    The case adopts the request's own data key (made when it was first screened), which
    already seals the staff copies of replies: shredding the case forgets those too. From
    then on the request is the case's (``screening.mark_case_opened``): off the triage
    queue, and readable only by people who may see the case."""
    _require(user, OPEN_CASE, gettext("Your role does not allow opening cases."))
    if not HelpRequest.objects.filter(pk=request_id).exists():
        raise CaseError(gettext("No such request."))
    if Case.objects.filter(source_request_id=request_id).exists():
        raise CaseError(gettext("A case was already opened from this request."))
    team = Team.objects.filter(pk=team_id).first() if team_id else None
    if team_id and team is None:
        raise CaseError(gettext("No such team."))
    opened = screening.open_request(user=user, request_id=request_id)
    payload = opened.payload
    contact_fields = {"phone": "", "email": "", "handle": ""}
    handle = payload.get("contact_handle", "").strip()
    if handle:
        contact_fields[_CONTACT_FIELD.get(payload.get("contact_channel", ""), "handle")] = handle
    urgency = (
        Urgency(opened.request.urgency)
        if opened.request.urgency in Urgency.values
        else Urgency.DAYS
    )
    intake = ManualIntake(
        full_name=full_name,
        phone=contact_fields["phone"],
        email=contact_fields["email"],
        handle=contact_fields["handle"],
        birth_year=birth_year,
        narrative=payload.get("story", ""),
        city=payload.get("city", ""),
        urgency=urgency,
        # A partner's referral lands in the same queue; the case says how it came.
        channel=Channel.PARTNER if opened.request.channel == "partner" else Channel.WEB,
        country=opened.request.country if opened.request.country != "ZZ" else "",
    )
    try:
        with transaction.atomic():
            case = _create_case(
                actor_id=user.pk,
                intake=intake,
                source_request_id=request_id,
                team=team,
                data_key_id=opened.request.data_key_id,
            )
    except IntegrityError as exc:  # opened by someone else a moment ago
        raise CaseError(gettext("A case was already opened from this request.")) from exc
    messages = [
        CaseMessage(
            case=case,
            data_key_id=case.data_key_id,
            direction=MessageDirection.FROM_APPLICANT
            if m.direction == "in"
            else MessageDirection.TO_APPLICANT,
            channel=Channel.WEB,
            at=m.sent_at,
            text=m.text[:MAX_TEXT],
        )
        for m in opened.messages
    ]
    for message in messages:
        message.save(force_insert=True)
    every_file = [*opened.attachments, *(a for m in opened.messages for a in m.attachments)]
    for shown in every_file:
        # Each file is opened with the intake key (its own audit entry) and sealed again
        # under the case's key, so case pages never need the intake key.
        file = screening.open_attachment(user=user, request_id=request_id, attachment_id=shown.id)
        attach_document(
            actor_id=user.pk,
            case=case,
            name=file.name,
            content_type=file.content_type,
            data=file.data,
        )
    _assign_all(case, assignee_ids, user.pk)
    try:
        screening.mark_case_opened(actor_id=user.pk, request_id=request_id, case_id=case.id)
    except screening.ScreeningError as exc:
        raise CaseError(str(exc)) from exc
    return case
