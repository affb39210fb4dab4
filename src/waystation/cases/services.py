"""Actions on cases. Each runs in one transaction with its audit entry inside, checks
who may take it, and raises :class:`CaseError` with a message for the person who tried.

Who may act on a case is decided in two steps: the case must be visible to the actor
(``selectors.visible_cases``; otherwise :class:`~waystation.cases.selectors.CaseNotFound`,
exactly as for a case that does not exist), and the actor's role must hold the action's
permission. Functions taking ``actor_id`` instead of ``user`` are for the system itself
(demo data, imports, commands) and check nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from waystation.accounts.models import StaffUser
from waystation.accounts.roles import Role
from waystation.audit import services as audit
from waystation.cases import selectors, signals, workflow
from waystation.cases.models import (
    AccessGrant,
    Alert,
    AlertKind,
    Assignment,
    Case,
    CaseCheckIn,
    CaseDocument,
    CaseIdentifier,
    CaseMessage,
    CaseNameToken,
    Channel,
    CheckInSchedule,
    IdentifierKind,
    MessageDirection,
    Note,
    NoteKind,
    Outcome,
    PartnerReference,
    RiskAssessment,
    Stage,
    StageApproval,
    StageChange,
    StoryBand,
    Task,
    Team,
    Urgency,
)
from waystation.cases.selectors import CaseNotFound
from waystation.cases.workflow import Needs
from waystation.vault import blind, datakeys
from waystation.vault import services as vault_services
from waystation.vault.fields import SealedFileContent, StoredFile, delete_sealed_file

OPEN_CASE = "cases.open_case"
WORK_CASE = "cases.work_case"
APPROVE = "cases.approve_stage"
GRANT_ACCESS = "cases.grant_access"
BREAK_GLASS = "cases.break_glass"

BREAK_GLASS_HOURS = 24
MAX_GRANT_DAYS = 90
MAX_TEXT = 20_000
MAX_CONTACTS = 20


class CaseError(Exception):
    """An action on a case was refused; the message is for the person who tried."""


def _require(user: Any, permission: str, message: str) -> None:
    if not user.is_active or not user.has_perm(permission):
        raise CaseError(message)


def _case_for(user: Any, case_id: str, permission: str = WORK_CASE) -> Case:
    """The case, locked for this transaction, if the user may see it and act on it."""
    case = selectors.visible_case(user=user, case_id=case_id, lock=True)
    _require(user, permission, "Your role does not allow this on a case.")
    return case


def _text(value: str, *, label: str, required: bool = True, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise CaseError(f"{label} is required.")
    if len(value) > limit:
        raise CaseError(f"{label} is limited to {limit:,} characters.")
    return value


def _record(user_or_id: Any, action: str, case: Case) -> None:
    actor_id = user_or_id if user_or_id is None or isinstance(user_or_id, int) else user_or_id.pk
    audit.record(actor_id=actor_id, action=action, object_type="case", object_id=case.id)


# --- opening a case ---------------------------------------------------------------------------


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


def _clean_contacts(contacts: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    cleaned = []
    for contact in itertools.islice(contacts, MAX_CONTACTS):
        item = {
            k: str(contact.get(k, "")).strip()[:200] for k in ("name", "phone", "handle", "email")
        }
        if any(item.values()):
            cleaned.append(item)
    return cleaned


def _create_case(
    *,
    actor_id: int | None,
    intake: ManualIntake,
    source_request_id: str | None,
    team: Team | None,
    data_key_id: str | None = None,
) -> Case:
    if intake.urgency not in Urgency.values:
        raise CaseError("Choose an urgency.")
    if intake.birth_year and blind.blind_index("birth_year", intake.birth_year) is None:
        raise CaseError("A birth year is four digits, like 1994.")
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
    case.full_name = _text(intake.full_name, label="The name", required=False, limit=300)
    case.phone = _text(intake.phone, label="The phone number", required=False, limit=64)
    case.email = _text(intake.email, label="The e-mail address", required=False, limit=254)
    case.handle = _text(intake.handle, label="The handle", required=False, limit=200)
    case.birth_year = intake.birth_year.strip()
    case.city = _text(intake.city, label="The city", required=False, limit=200)
    case.narrative = _text(intake.narrative, label="The story", required=False, limit=50_000)
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
        raise CaseError("web requests arrive through the request page, not by hand")
    if intake.channel not in Channel.values:
        raise CaseError("Choose the channel the request came through.")
    team = Team.objects.filter(pk=team_id).first() if team_id else None
    if team_id and team is None:
        raise CaseError("No such team.")
    case = _create_case(actor_id=actor_id, intake=intake, source_request_id=None, team=team)
    _assign_all(case, assignee_ids, actor_id)
    return case


@transaction.atomic
def open_case_by_hand(
    *, user: Any, intake: ManualIntake, team_id: str | None, assignee_ids: Sequence[int] = ()
) -> Case:
    """The staff page's way to :func:`open_case_manually`: checks the role first."""
    _require(user, OPEN_CASE, "Your role does not allow opening cases.")
    return open_case_manually(
        actor_id=user.pk, intake=intake, team_id=team_id, assignee_ids=assignee_ids
    )


_CONTACT_FIELD = {"phone": "phone", "signal": "phone", "whatsapp": "phone", "email": "email"}


@transaction.atomic
def open_case_from_request(
    *,
    user: Any,
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
    _require(user, OPEN_CASE, "Your role does not allow opening cases.")
    from waystation.intake import screening
    from waystation.intake.models import HelpRequest

    if not HelpRequest.objects.filter(pk=request_id).exists():
        raise CaseError("No such request.")
    if Case.objects.filter(source_request_id=request_id).exists():
        raise CaseError("A case was already opened from this request.")
    team = Team.objects.filter(pk=team_id).first() if team_id else None
    if team_id and team is None:
        raise CaseError("No such team.")
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
        channel=Channel.WEB,
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
        raise CaseError("A case was already opened from this request.") from exc
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


# --- indexes behind search and signals ---------------------------------------------------------


def _name_year_digests(full_name: str, birth_year: str) -> set[str]:
    from waystation.vault import normalisers

    year = normalisers.birth_year(birth_year or "")
    if not year:
        return set()
    tokens = normalisers.name_tokens(full_name or "")
    return {
        blind.blind_digest("name_year", f"{a} {b}|{year}")
        for a, b in itertools.combinations(tokens, 2)
    }


def _index_story(case: Case) -> None:
    signature = blind.keyed_minhash(case.narrative or "")
    case.story_signature = blind.signature_bytes(signature) if signature else None


def _index_identifiers(case: Case) -> None:
    """Rewrite the case's keyed digests from the plaintext it holds now."""
    CaseIdentifier.objects.filter(case=case).delete()
    CaseNameToken.objects.filter(case=case).delete()
    StoryBand.objects.filter(case=case).delete()
    rows: set[tuple[str, str]] = set()
    # Contacts' numbers are read in the case's country too: people name their own.
    region = blind.phone_region(case.country)
    for kind, value in (("phone", case.phone), ("email", case.email), ("handle", case.handle)):
        digest = blind.blind_index(kind, value or "", region=region)
        if digest:
            rows.add((kind, digest))
    rows |= {
        (IdentifierKind.NAME_YEAR, d)
        for d in _name_year_digests(case.full_name or "", case.birth_year or "")
    }
    for contact in case.contacts or []:
        if not isinstance(contact, dict):
            continue
        for kind in ("phone", "email", "handle"):
            digest = blind.blind_index(kind, str(contact.get(kind, "")), region=region)
            if digest:
                rows.add((IdentifierKind.CONTACT, digest))
    CaseIdentifier.objects.bulk_create(
        CaseIdentifier(case=case, kind=kind, digest=digest) for kind, digest in sorted(rows)
    )
    CaseNameToken.objects.bulk_create(
        CaseNameToken(case=case, digest=d)
        for d in sorted(set(blind.blind_name_tokens(case.full_name or "")))
    )
    if case.story_signature:
        signature = blind.signature_from_bytes(bytes(case.story_signature))
        StoryBand.objects.bulk_create(
            StoryBand(case=case, band=n, digest=d)
            for n, d in enumerate(blind.minhash_bands(signature))
        )


@dataclass
class ReindexReport:
    cases: int = 0
    changed: int = 0  # cases whose digests came out different


_INDEX_FIELDS = ("phone_index", "email_index", "handle_index", "birth_year_index")


def reindex_cases(*, actor_id: int | None = None) -> ReindexReport:
    """Recompute every blind index of every case that can still be opened (shredded
    cases have none left), from the sealed values: needed when the way digests are made
    changes (phone numbers read in the case's country, a new default phone region). One
    transaction and one ``case.reindexed`` audit entry per case, since each is decrypted."""
    report = ReindexReport()
    ids = list(
        Case.objects.filter(data_key__wrapped__isnull=False)
        .order_by("opened_at", "id")
        .values_list("id", flat=True)
    )
    for case_id in ids:
        with transaction.atomic():
            case = Case.objects.select_for_update().filter(pk=case_id).first()
            if case is None:  # shredded or gone since the list was read
                continue
            before = _digests_of(case)
            for name in ("phone", "email", "handle", "birth_year"):
                getattr(case, name)  # opened, so that saving recomputes its index
            case.save(update_fields=list(_INDEX_FIELDS))
            _index_identifiers(case)
            report.cases += 1
            report.changed += int(_digests_of(case) != before)
            _record(actor_id, "case.reindexed", case)
    return report


def _digests_of(case: Case) -> tuple[tuple[str | None, ...], set[tuple[str, str]]]:
    own = tuple(Case.objects.filter(pk=case.pk).values_list(*_INDEX_FIELDS).get())
    return own, set(CaseIdentifier.objects.filter(case=case).values_list("kind", "digest"))


@dataclass(frozen=True)
class Details:
    full_name: str
    phone: str
    email: str
    handle: str
    birth_year: str
    city: str
    narrative: str
    country: str
    contacts: Sequence[dict[str, str]] = ()

    def __repr__(self) -> str:
        return "<Details>"


@transaction.atomic
def update_details(*, user: Any, case_id: str, details: Details) -> Case:
    case = _case_for(user, case_id)
    if details.birth_year.strip() and blind.blind_index("birth_year", details.birth_year) is None:
        raise CaseError("A birth year is four digits, like 1994.")
    case.full_name = _text(details.full_name, label="The name", required=False, limit=300)
    case.phone = _text(details.phone, label="The phone number", required=False, limit=64)
    case.email = _text(details.email, label="The e-mail address", required=False, limit=254)
    case.handle = _text(details.handle, label="The handle", required=False, limit=200)
    case.birth_year = details.birth_year.strip()
    case.city = _text(details.city, label="The city", required=False, limit=200)
    case.narrative = _text(details.narrative, label="The story", required=False, limit=50_000)
    case.country = details.country.strip().upper()[:2]
    case.contacts = _clean_contacts(details.contacts)
    _index_story(case)
    case.save()
    _index_identifiers(case)
    _record(user, "case.details_updated", case)
    return case


# --- assignment and access ------------------------------------------------------------------


def _assign_all(case: Case, user_ids: Iterable[int], actor_id: int | None) -> None:
    ids = sorted(set(user_ids))
    if not ids:
        return
    found = set(StaffUser.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
    if found != set(ids):
        raise CaseError("No such member of staff.")
    for user_id in ids:
        Assignment.objects.get_or_create(
            case=case, user_id=user_id, defaults={"assigned_by_id": actor_id}
        )
        audit.record(
            actor_id=actor_id, action="case.assigned", object_type="case", object_id=case.id
        )


def may_manage(user: Any, case: Case) -> bool:
    return selectors.is_supervisor(user, case) or bool(user.has_perm(APPROVE))


def may_grant(user: Any, case: Case) -> bool:
    """Grants and revocations: the team's supervisor, whatever their role, or a holder of
    ``cases.grant_access`` (programme managers); either must see the case already."""
    return bool(user.is_active) and (
        selectors.is_supervisor(user, case) or bool(user.has_perm(GRANT_ACCESS))
    )


@transaction.atomic
def assign(*, user: Any, case_id: str, assignee_id: int) -> None:
    """Assign someone to a case: its team's supervisor or a programme manager who sees it."""
    case = _case_for(user, case_id)
    if not may_manage(user, case):
        raise CaseError("Only the team's supervisor or a programme manager assigns cases.")
    assignee = StaffUser.objects.filter(pk=assignee_id, is_active=True).first()
    if assignee is None or not assignee.has_perm(WORK_CASE):
        raise CaseError("That person does not work on cases.")
    _assign_all(case, [assignee_id], user.pk)


@transaction.atomic
def unassign(*, user: Any, case_id: str, assignee_id: int) -> None:
    case = _case_for(user, case_id)
    if not may_manage(user, case):
        raise CaseError("Only the team's supervisor or a programme manager assigns cases.")
    deleted, _ = Assignment.objects.filter(case=case, user_id=assignee_id).delete()
    if not deleted:
        raise CaseError("That person is not assigned to this case.")
    _record(user, "case.unassigned", case)


@transaction.atomic
def set_team(*, user: Any, case_id: str, team_id: str) -> None:
    case = _case_for(user, case_id)
    if not may_manage(user, case):
        raise CaseError("Only the team's supervisor or a programme manager moves cases.")
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise CaseError("No such team.")
    case.team = team
    case.save(update_fields=["team"])
    _record(user, "case.team_changed", case)


@transaction.atomic
def create_team(*, actor_id: int | None, name: str, supervisor_id: int) -> Team:
    name = _text(name, label="The team's name", limit=100)
    supervisor = StaffUser.objects.filter(pk=supervisor_id, is_active=True).first()
    if supervisor is None:
        raise CaseError("No such member of staff.")
    if Team.objects.filter(name=name).exists():
        raise CaseError("A team with that name exists.")
    team = Team.objects.create(name=name, supervisor=supervisor)
    audit.record(
        actor_id=actor_id, action="case.team_created", object_type="team", object_id=team.id
    )
    return team


@transaction.atomic
def add_team(*, user: Any, name: str, supervisor_id: int) -> Team:
    """A programme manager sets up a team. Its supervisor sees every case of the team, so
    it must be someone who works on cases (never an administrator by role alone)."""
    if not user.has_perm("cases.manage_teams"):
        raise CaseError("Only a programme manager sets up teams.")
    supervisor = StaffUser.objects.filter(pk=supervisor_id, is_active=True).first()
    if supervisor is None or not supervisor.has_perm(WORK_CASE):
        raise CaseError("A team's supervisor must be someone who works on cases.")
    return create_team(actor_id=user.pk, name=name, supervisor_id=supervisor_id)


@transaction.atomic
def grant_access(
    *, user: Any, case_id: str, grantee_id: int, reason: str, until: datetime
) -> AccessGrant:
    """Access for a stated reason until a date, given by the team's supervisor or a
    programme manager (``cases.grant_access``) who sees the case."""
    case = selectors.visible_case(user=user, case_id=case_id, lock=True)
    if not may_grant(user, case):
        raise CaseError("Only the team's supervisor or a programme manager grants access.")
    reason = _text(reason, label="A reason", limit=2_000)
    now = timezone.now()
    if until <= now:
        raise CaseError("Access must end in the future.")
    if until > now + timedelta(days=MAX_GRANT_DAYS):
        raise CaseError(f"Access is granted for at most {MAX_GRANT_DAYS} days at a time.")
    grantee = StaffUser.objects.filter(pk=grantee_id, is_active=True).first()
    if grantee is None:
        raise CaseError("No such member of staff.")
    grant = AccessGrant(
        case=case, data_key_id=case.data_key_id, user=grantee, granted_by_id=user.pk, until=until
    )
    grant.reason = reason
    grant.save(force_insert=True)
    _record(user, "case.access_granted", case)
    return grant


@transaction.atomic
def revoke_access(*, user: Any, case_id: str, grant_id: str) -> None:
    case = selectors.visible_case(user=user, case_id=case_id, lock=True)
    if not may_grant(user, case):
        raise CaseError("Only the team's supervisor or a programme manager revokes access.")
    updated = AccessGrant.objects.filter(pk=grant_id, case=case, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not updated:
        raise CaseError("No such grant.")
    _record(user, "case.access_revoked", case)


def _programme_managers() -> list[int]:
    return list(
        StaffUser.objects.filter(groups__name=Role.PROGRAMME_MANAGER.value, is_active=True)
        .values_list("pk", flat=True)
        .distinct()
    )


def _raise_alert(
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


def break_glass(
    *, user: Any, case_id: str, reason: str, now: datetime | None = None
) -> AccessGrant:
    """Emergency access to a case one may not see: granted at once, for a short time,
    with a reason, and every programme manager is told. An unknown id is refused the
    same way as any missing case, and still audited, so probing for ids leaves a trace."""
    _require(user, BREAK_GLASS, "Your role does not allow emergency access.")
    reason = _text(reason, label="A reason", limit=2_000)
    now = now or timezone.now()
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=str(case_id)[:16].lower()).first()
        if case is None:
            audit.record(actor_id=user.pk, action="case.break_glass_refused")
        else:
            grant = _take_emergency_access(user, case, reason, now)
    if case is None:
        raise CaseNotFound("No such case.")
    return grant


def _take_emergency_access(user: Any, case: Case, reason: str, now: datetime) -> AccessGrant:
    grant = AccessGrant(
        case=case,
        data_key_id=case.data_key_id,
        user=user,
        granted_by_id=user.pk,
        until=now + timedelta(hours=BREAK_GLASS_HOURS),
        break_glass=True,
    )
    grant.reason = reason
    grant.save(force_insert=True)
    for manager_id in _programme_managers():
        if manager_id != user.pk:
            _raise_alert(
                recipient_id=manager_id,
                kind=AlertKind.BREAK_GLASS,
                case=case,
                subject=grant.id,
                now=now,
                actor_id=user.pk,
            )
    _record(user, "case.break_glass", case)
    return grant


# --- the workflow ----------------------------------------------------------------------------


def _check_requirements(case: Case, to_stage: Stage, reason: str, outcome: str) -> None:
    for need in sorted(workflow.requirements(case.stage, to_stage)):
        if need == Needs.REASON and not reason:
            raise CaseError(f"Moving to {to_stage.label} needs a reason.")
        if need == Needs.OUTCOME and outcome not in Outcome.values:
            raise CaseError("Closing a case needs an outcome.")
        if need == Needs.CHECKLIST and not case.checklist_complete:
            raise CaseError("Verification needs every item of the checklist ticked first.")
        if (
            need == Needs.REFERENCE
            and not PartnerReference.objects.filter(case=case, supports=True).exists()
        ):
            raise CaseError("Verification needs a supporting reference from a partner.")
        if (
            need == Needs.CHECK_IN_SCHEDULE
            and not CheckInSchedule.objects.filter(case=case, active=True).exists()
        ):
            raise CaseError("Set a check-in schedule before the journey starts.")


def _move(
    case: Case,
    to_stage: Stage,
    *,
    actor_id: int | None,
    reason: str,
    outcome: str,
    approval: StageApproval | None,
    now: datetime,
) -> StageChange:
    change = StageChange(
        case=case,
        data_key_id=case.data_key_id,
        from_stage=case.stage,
        to_stage=to_stage,
        at=now,
        actor_id=actor_id,
        approval=approval,
    )
    change.reason = reason
    change.save(force_insert=True)
    case.stage = to_stage
    case.stage_changed_at = now
    fields = ["stage", "stage_changed_at"]
    if to_stage in workflow.TERMINAL:
        case.closed_at = now
        case.outcome = outcome or workflow.IMPLIED_OUTCOME.get(to_stage, Outcome.OTHER)
        fields += ["closed_at", "outcome"]
    if to_stage in workflow.TERMINAL or to_stage == Stage.ARRIVED:
        CheckInSchedule.objects.filter(case=case).update(active=False)
    case.save(update_fields=fields)
    return change


@dataclass(frozen=True)
class MoveResult:
    moved: bool  # False: waiting for a second person's approval
    change: StageChange | None = None
    approval: StageApproval | None = None


@transaction.atomic
def change_stage(
    *,
    user: Any,
    case_id: str,
    to_stage: str,
    reason: str = "",
    outcome: str = "",
    now: datetime | None = None,
) -> MoveResult:
    """Move a case along its journey, or, where the move needs a second person, ask for
    it: the move then happens when someone else approves (:func:`decide_approval`)."""
    case = _case_for(user, case_id)
    now = now or timezone.now()
    if to_stage not in Stage.values or not workflow.allowed(case.stage, to_stage):
        raise CaseError("A case cannot move there from its current stage.")
    target = Stage(to_stage)
    reason = _text(reason, label="The reason", required=False, limit=5_000)
    outcome = outcome if target == Stage.CLOSED else ""
    _check_requirements(case, target, reason, outcome)
    if StageApproval.objects.filter(case=case, status=StageApproval.Status.PENDING).exists():
        raise CaseError("A move of this case is waiting for approval; decide that first.")
    if not workflow.needs_approval(case, target):
        change = _move(
            case, target, actor_id=user.pk, reason=reason, outcome=outcome, approval=None, now=now
        )
        _record(user, "case.stage_changed", case)
        return MoveResult(moved=True, change=change)
    approval = StageApproval(
        case=case,
        data_key_id=case.data_key_id,
        from_stage=case.stage,
        to_stage=target,
        outcome=outcome,
        requested_by_id=user.pk,
    )
    approval.reason = reason
    approval.save(force_insert=True)
    for approver in _approvers(case, exclude=user.pk):
        _raise_alert(
            recipient_id=approver,
            kind=AlertKind.APPROVAL_REQUESTED,
            case=case,
            subject=approval.id,
            now=now,
            actor_id=user.pk,
        )
    _record(user, "case.approval_requested", case)
    return MoveResult(moved=False, approval=approval)


def _approvers(case: Case, *, exclude: int) -> list[int]:
    """Programme managers who can see the case (its supervisor, assignees, grantees)."""
    now = timezone.now()
    candidates = set(Assignment.objects.filter(case=case).values_list("user_id", flat=True))
    if case.team_id:
        candidates |= set(
            Team.objects.filter(pk=case.team_id).values_list("supervisor_id", flat=True)
        )
    candidates |= set(
        AccessGrant.objects.filter(case=case, until__gt=now, revoked_at__isnull=True).values_list(
            "user_id", flat=True
        )
    )
    candidates.discard(exclude)
    return [
        u.pk
        for u in StaffUser.objects.filter(pk__in=candidates, is_active=True)
        if u.has_perm(APPROVE)
    ]


@transaction.atomic
def decide_approval(
    *, user: Any, case_id: str, approval_id: str, approve: bool, now: datetime | None = None
) -> MoveResult:
    """A second person approves (and the move happens) or refuses. Never the person who
    asked, and only a role that approves."""
    case = _case_for(user, case_id)
    approval = StageApproval.objects.select_for_update().filter(pk=approval_id, case=case).first()
    if approval is None or approval.status != StageApproval.Status.PENDING:
        raise CaseError("This request for approval is no longer open.")
    if approval.requested_by_id == user.pk:
        raise CaseError("Someone else must approve what you asked for.")
    _require(user, APPROVE, "Your role does not allow approving moves.")
    now = now or timezone.now()
    approval.decided_by_id = user.pk
    approval.decided_at = now
    Alert.objects.filter(
        case=case, kind=AlertKind.APPROVAL_REQUESTED, subject=approval.id, resolved_at__isnull=True
    ).update(resolved_at=now)
    if not approve:
        approval.status = StageApproval.Status.REFUSED
        approval.save(update_fields=["status", "decided_by_id", "decided_at"])
        _record(user, "case.approval_refused", case)
        return MoveResult(moved=False, approval=approval)
    if case.stage != approval.from_stage or not workflow.allowed(case.stage, approval.to_stage):
        raise CaseError("The case has moved since; this approval no longer applies.")
    target = Stage(approval.to_stage)
    reason = approval.reason or ""
    _check_requirements(case, target, reason, approval.outcome)
    approval.status = StageApproval.Status.APPROVED
    approval.save(update_fields=["status", "decided_by_id", "decided_at"])
    change = _move(
        case,
        target,
        actor_id=user.pk,
        reason=reason,
        outcome=approval.outcome,
        approval=approval,
        now=now,
    )
    _record(user, "case.approval_granted", case)
    _record(user, "case.stage_changed", case)
    return MoveResult(moved=True, change=change, approval=approval)


@transaction.atomic
def withdraw_approval(*, user: Any, case_id: str, approval_id: str) -> None:
    case = _case_for(user, case_id)
    updated = StageApproval.objects.filter(
        pk=approval_id, case=case, status=StageApproval.Status.PENDING, requested_by_id=user.pk
    ).update(status=StageApproval.Status.WITHDRAWN, decided_at=timezone.now())
    if not updated:
        raise CaseError("Only the person who asked can withdraw an open request.")
    Alert.objects.filter(case=case, kind=AlertKind.APPROVAL_REQUESTED, subject=approval_id).update(
        resolved_at=timezone.now()
    )
    _record(user, "case.approval_withdrawn", case)


# --- verification -------------------------------------------------------------------------------


@transaction.atomic
def update_checklist(
    *,
    user: Any,
    case_id: str,
    identity_seen: bool,
    interview_held: bool,
    partner_reference: bool,
    narrative_consistent: bool,
) -> Case:
    case = _case_for(user, case_id)
    if case.stage not in (Stage.SCREENING, Stage.VERIFICATION):
        raise CaseError("The checklist is closed once verification is over.")
    if partner_reference and not PartnerReference.objects.filter(case=case, supports=True).exists():
        raise CaseError("Record the partner's reference before ticking it.")
    case.identity_seen = identity_seen
    case.interview_held = interview_held
    case.partner_reference = partner_reference
    case.narrative_consistent = narrative_consistent
    case.save(
        update_fields=[
            "identity_seen",
            "interview_held",
            "partner_reference",
            "narrative_consistent",
        ]
    )
    _record(user, "case.checklist_updated", case)
    return case


@transaction.atomic
def record_reference(
    *, user: Any, case_id: str, organisation: str, text: str, supports: bool = True
) -> PartnerReference:
    case = _case_for(user, case_id)
    reference = PartnerReference(
        case=case, data_key_id=case.data_key_id, recorded_by_id=user.pk, supports=supports
    )
    reference.organisation = _text(organisation, label="The organisation", limit=200)
    reference.text = _text(text, label="What the partner said", limit=10_000)
    reference.save(force_insert=True)
    _record(user, "case.reference_recorded", case)
    return reference


# --- daily work ---------------------------------------------------------------------------------


@transaction.atomic
def add_note(*, user: Any, case_id: str, text: str, kind: str = NoteKind.NOTE) -> Note:
    case = _case_for(user, case_id)
    if kind not in NoteKind.values:
        raise CaseError("Unknown kind of note.")
    note = Note(case=case, data_key_id=case.data_key_id, kind=kind, author_id=user.pk)
    note.text = _text(text, label="The note")
    note.save(force_insert=True)
    _record(user, "case.note_added", case)
    return note


@transaction.atomic
def record_message(
    *,
    user: Any,
    case_id: str,
    direction: str,
    channel: str,
    text: str,
    at: datetime | None = None,
) -> CaseMessage:
    """A message exchanged outside Waystation (a call, Signal, e-mail), written down."""
    case = _case_for(user, case_id)
    if direction not in MessageDirection.values or channel not in Channel.values:
        raise CaseError("Say who wrote and through which channel.")
    message = CaseMessage(
        case=case,
        data_key_id=case.data_key_id,
        direction=direction,
        channel=channel,
        at=at or timezone.now(),
        author_id=user.pk,
    )
    message.text = _text(text, label="The message")
    message.save(force_insert=True)
    _record(user, "case.message_recorded", case)
    return message


@transaction.atomic
def reply_to_applicant(*, user: Any, case_id: str, text: str) -> None:
    """Write to the applicant's web mailbox from the case: the intake's own answering
    service seals it to their codename (only they can read it) and keeps a staff copy
    under the case's key. Shows in the timeline from the mailbox, so it is not copied."""
    from waystation.intake import screening

    case = _case_for(user, case_id)
    if not case.source_request_id:
        raise CaseError("This case did not come through the web: it has no mailbox.")
    try:
        screening.answer_from_case(actor_id=user.pk, case_id=case.id, text=text)
    except screening.ScreeningError as exc:
        raise CaseError(str(exc)) from exc
    _record(user, "case.web_reply_sent", case)


@transaction.atomic
def add_task(
    *,
    user: Any,
    case_id: str,
    title: str,
    due_at: datetime | None = None,
    assignee_id: int | None = None,
) -> Task:
    case = _case_for(user, case_id)
    if (
        assignee_id is not None
        and not Assignment.objects.filter(case=case, user_id=assignee_id).exists()
    ):
        raise CaseError("Tasks go to people assigned to the case.")
    task = Task(
        case=case,
        data_key_id=case.data_key_id,
        created_by_id=user.pk,
        due_at=due_at,
        assignee_id=assignee_id if assignee_id is not None else user.pk,
    )
    task.title = _text(title, label="The task", limit=500)
    task.save(force_insert=True)
    _record(user, "case.task_added", case)
    return task


@transaction.atomic
def complete_task(*, user: Any, case_id: str, task_id: str) -> None:
    case = _case_for(user, case_id)
    updated = Task.objects.filter(pk=task_id, case=case, done_at__isnull=True).update(
        done_at=timezone.now()
    )
    if not updated:
        raise CaseError("No such open task.")
    _record(user, "case.task_done", case)


@transaction.atomic
def assess_risk(*, user: Any, case_id: str, urgency: int, reasons: str) -> RiskAssessment:
    """Urgency with the reasons for it; the case takes the new urgency."""
    case = _case_for(user, case_id)
    if urgency not in Urgency.values:
        raise CaseError("Choose an urgency.")
    assessment = RiskAssessment(
        case=case, data_key_id=case.data_key_id, urgency=urgency, assessed_by_id=user.pk
    )
    assessment.reasons = _text(reasons, label="The reasons", limit=10_000)
    assessment.save(force_insert=True)
    case.urgency = urgency
    case.save(update_fields=["urgency"])
    _record(user, "case.risk_assessed", case)
    return assessment


# --- check-ins and alerts -------------------------------------------------------------------------


@transaction.atomic
def set_check_in_schedule(
    *,
    user: Any,
    case_id: str,
    every_hours: int,
    grace_hours: int = 6,
    now: datetime | None = None,
) -> CheckInSchedule:
    case = _case_for(user, case_id)
    if not 1 <= every_hours <= 24 * 14:
        raise CaseError("Check-ins are due every 1 to 336 hours.")
    if not 0 <= grace_hours <= 72:
        raise CaseError("The grace period is 0 to 72 hours.")
    now = now or timezone.now()
    schedule, _ = CheckInSchedule.objects.update_or_create(
        case=case,
        defaults={
            "every_hours": every_hours,
            "grace_hours": grace_hours,
            "next_due_at": now + timedelta(hours=every_hours),
            "active": True,
        },
    )
    _record(user, "case.check_in_schedule_set", case)
    return schedule


def _satisfy(schedule: CheckInSchedule, at: datetime) -> None:
    schedule.last_check_in_at = at
    schedule.next_due_at = at + timedelta(hours=schedule.every_hours)
    schedule.save(update_fields=["last_check_in_at", "next_due_at"])
    Alert.objects.filter(
        case_id=schedule.case_id,
        kind__in=[AlertKind.CHECK_IN_MISSED, AlertKind.CHECK_IN_ESCALATED],
        resolved_at__isnull=True,
    ).update(resolved_at=at)


@transaction.atomic
def record_check_in(*, user: Any, case_id: str, at: datetime | None = None) -> None:
    """Staff heard from the person (a call, a message): the schedule starts again."""
    case = _case_for(user, case_id)
    at = at or timezone.now()
    CaseCheckIn.objects.create(case=case, at=at, recorded_by_id=user.pk)
    schedule = CheckInSchedule.objects.select_for_update().filter(case=case, active=True).first()
    if schedule is not None:
        _satisfy(schedule, at)
    _record(user, "case.check_in_recorded", case)


def _latest_web_check_in(request_id: str, since: datetime, until: datetime) -> datetime | None:
    """The applicant's newest check-in from the web mailbox (intake's rows, operational
    columns only: when, not what). "I need help now" counts as contact too: the alert
    for it is the intake queue's, not a missed check-in."""
    from waystation.intake.models import CheckIn

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
    from waystation.intake.models import CheckIn, CheckInKind, Direction, MailboxMessage

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
    cases = Case.objects.select_related("team").in_bulk({case_id for _, _, case_id in contacts})
    for kind, subject, case_id in contacts:
        case = cases.get(case_id)
        if case is None:
            continue
        recipients = set(Assignment.objects.filter(case=case).values_list("user_id", flat=True))
        if kind == AlertKind.HELP_NOW and case.team is not None:
            recipients.add(case.team.supervisor_id)
        for recipient_id in recipients:
            if _raise_alert(
                recipient_id=recipient_id, kind=kind, case=case, subject=subject, now=now
            ):
                report.web_alerts += 1


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
    for schedule in due.select_related("case", "case__team"):
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
        for user_id in Assignment.objects.filter(case=case).values_list("user_id", flat=True):
            if _raise_alert(
                recipient_id=user_id,
                kind=AlertKind.CHECK_IN_MISSED,
                case=case,
                subject=subject,
                now=now,
            ):
                report.alerts += 1
        grace_over = now >= schedule.next_due_at + timedelta(hours=schedule.grace_hours)
        if (
            grace_over
            and case.team
            and _raise_alert(
                recipient_id=case.team.supervisor_id,
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
def resolve_alert(*, user: Any, alert_id: str) -> None:
    updated = Alert.objects.filter(pk=alert_id, recipient=user, resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )
    if not updated:
        raise CaseError("No such open alert.")
    audit.record(
        actor_id=user.pk, action="case.alert_resolved", object_type="alert", object_id=alert_id
    )


# --- documents and shredding --------------------------------------------------------------------


@transaction.atomic
def attach_document(
    *, actor_id: int | None, case: Case, name: str, content_type: str, data: bytes
) -> CaseDocument:
    document = CaseDocument(case=case, data_key_id=case.data_key_id)
    document.file = SealedFileContent(name=name, content_type=content_type, data=data)
    document.save(force_insert=True)
    audit.record(
        actor_id=actor_id, action="case.document_added", object_type="case", object_id=case.id
    )
    return document


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
    from waystation.intake import screening

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
    # The request's files are sealed to the intake key, which lives on: they must go from
    # the disk, but only once the rows naming them are gone for good (a rollback would
    # otherwise leave rows naming missing files). At once when no transaction is open.
    transaction.on_commit(lambda: screening.remove_files(request_files))
    # The case's files are noise without the key already; removing them frees the space.
    for name in storage_names:
        delete_sealed_file(name)


def staff_named(user_ids: Iterable[int]) -> dict[int, str]:
    return dict(StaffUser.objects.filter(pk__in=list(user_ids)).values_list("pk", "username"))


__all__ = ["CaseError", "CaseNotFound", "ManualIntake"]
