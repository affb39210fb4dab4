"""Reading cases. Every query takes the acting user and returns only what that user may
see; :func:`visible_cases` is the one place where that is decided (docs/design.md §2.5).

A case is visible to its assignees, to the supervisor of its team, and to people holding
an unexpired, unrevoked access grant. Nobody else, whatever their role: an administrator
or a programme manager sees a case only the same ways. A case the user may not see does
not exist for them (:class:`CaseNotFound`, a 404, the same answer as a wrong id).

Listing rows never decrypts. Opening a case's sealed data goes through
:func:`open_case`, which writes a ``case.opened`` audit entry in the same transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from waystation.audit import services as audit
from waystation.cases import workflow
from waystation.cases.models import (
    AccessGrant,
    Alert,
    Assignment,
    Case,
    CaseCheckIn,
    CaseIdentifier,
    CaseMessage,
    CaseNameToken,
    Channel,
    CheckInSchedule,
    IdentifierKind,
    Note,
    PartnerReference,
    RiskAssessment,
    Stage,
    StageApproval,
    StageChange,
    StoryBand,
    Task,
    Team,
)
from waystation.ids import RANDOM_ID_LENGTH
from waystation.vault import blind, normalisers

QUEUE_PAGE = 50
TIMELINE_LIMIT = 200
SIMILAR_STORY_THRESHOLD = 0.5
SIGNAL_SHOWN_MAX = 20


class CaseNotFound(Http404):
    """No such case, or not one this user may see: the two are deliberately the same."""


# --- who sees what --------------------------------------------------------------------------


def visible_cases(user: Any) -> QuerySet[Case]:
    """Every case this user may see, and no other. Used by every query below."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    now = timezone.now()
    # Uncorrelated IN-subqueries, not EXISTS: each is a small set computed once, and
    # both SQLite and PostgreSQL answer the OR from the primary key and team indexes
    # instead of probing every case row (the queue of 100k cases, see bench/cases.py).
    assigned = Assignment.objects.filter(user=user).values("case_id")
    granted = AccessGrant.objects.filter(user=user, until__gt=now, revoked_at__isnull=True).values(
        "case_id"
    )
    supervised = Team.objects.filter(supervisor=user).values("pk")
    return Case.objects.filter(Q(pk__in=assigned) | Q(team__in=supervised) | Q(pk__in=granted))


def visible_case(*, user: Any, case_id: str, lock: bool = False) -> Case:
    """One case's operational row (nothing decrypted), or :class:`CaseNotFound`."""
    if not isinstance(case_id, str) or len(case_id) > RANDOM_ID_LENGTH:
        raise CaseNotFound("No such case.")
    queryset = visible_cases(user)
    if lock:
        # select_for_update cannot lock the rows of an EXISTS; check, then lock the row.
        if not queryset.filter(pk=case_id).exists():
            raise CaseNotFound("No such case.")
        found = Case.objects.select_for_update().filter(pk=case_id).first()
    else:
        found = queryset.filter(pk=case_id).select_related("team").first()
    if found is None:
        raise CaseNotFound("No such case.")
    return found


def may_see(user: Any, case_id: str) -> bool:
    return visible_cases(user).filter(pk=case_id).exists()


def is_supervisor(user: Any, case: Case) -> bool:
    return (
        case.team_id is not None and Team.objects.filter(pk=case.team_id, supervisor=user).exists()
    )


# --- lists (operational fields only; nothing decrypted) -----------------------------------


@dataclass(frozen=True)
class QueueRow:
    id: str
    stage: str
    stage_label: str
    urgency: int
    urgency_label: str
    channel_label: str
    country: str
    team: str
    opened_at: datetime


def _rows(queryset: QuerySet[Case]) -> list[QueueRow]:
    stages = dict(Stage.choices)
    from waystation.cases.models import Urgency

    urgencies = dict(Urgency.choices)
    channels = dict(Channel.choices)
    return [
        QueueRow(
            id=row["id"],
            stage=row["stage"],
            stage_label=str(stages.get(row["stage"], row["stage"])),
            urgency=row["urgency"],
            urgency_label=str(urgencies.get(row["urgency"], row["urgency"])),
            channel_label=str(channels.get(row["channel"], row["channel"])),
            country=row["country"],
            team=row["team__name"] or "",
            opened_at=row["opened_at"],
        )
        for row in queryset.values(
            "id", "stage", "urgency", "channel", "country", "team__name", "opened_at"
        )
    ]


@dataclass(frozen=True)
class CasePage:
    rows: list[QueueRow]
    page: Page[Any]


def _paged(queryset: QuerySet[Case], page_number: Any) -> CasePage:
    ordered = queryset.order_by("urgency", "opened_at", "id")
    paginator = Paginator(ordered.values_list("id", flat=True), QUEUE_PAGE)
    page = paginator.get_page(page_number)
    ids = list(page.object_list)
    by_id = {row.id: row for row in _rows(Case.objects.filter(pk__in=ids))}
    return CasePage(rows=[by_id[i] for i in ids if i in by_id], page=page)


def case_queue(*, user: Any, page: Any = 1, stage: str = "") -> CasePage:
    """Open cases this user may see: most urgent first, then the longest waiting."""
    queryset = visible_cases(user).exclude(stage__in=workflow.TERMINAL)
    if stage in Stage.values:
        queryset = visible_cases(user).filter(stage=stage)
    return _paged(queryset, page)


def my_cases(*, user: Any, page: Any = 1) -> CasePage:
    queryset = visible_cases(user).filter(
        pk__in=Assignment.objects.filter(user=user).values("case_id")
    )
    return _paged(queryset.exclude(stage__in=workflow.TERMINAL), page)


def search_cases(*, user: Any, query: str) -> list[QueueRow]:
    """By case id, or by phone, e-mail, handle or name through their blind indexes.
    The query itself never reaches SQL: only its keyed digests do."""
    query = query.strip()[:200]
    if not query:
        return []
    visible = visible_cases(user)
    match = Q(pk=query.lower()) if len(query) == RANDOM_ID_LENGTH else Q(pk__in=[])
    match |= _phone_match(query)
    for kind, index in (("email", "email_index"), ("handle", "handle_index")):
        digest = blind.blind_index(kind, query)
        if digest:
            match |= Q(**{index: digest})
    # Each part is answered from its own index first, then scoped: one OR of indexed
    # columns and the visibility subqueries made PostgreSQL scan every case (bench/cases.py,
    # "search by phone").
    found = set(
        visible.filter(pk__in=list(Case.objects.filter(match).values_list("pk", flat=True)[:500]))
        .order_by()
        .values_list("pk", flat=True)
    )
    # A phone number is no name: its digits would only be one more token to look up.
    tokens = [] if _PHONE_LIKE.fullmatch(query) else blind.blind_name_tokens(query)
    if tokens:
        named = visible
        for token in tokens:
            named = named.filter(
                Exists(CaseNameToken.objects.filter(case=OuterRef("pk"), digest=token))
            )
        found |= set(
            named.order_by("urgency", "opened_at", "id").values_list("pk", flat=True)[:QUEUE_PAGE]
        )
    return _rows(Case.objects.filter(pk__in=found).order_by("urgency", "opened_at", "id"))[
        :QUEUE_PAGE
    ]


_PHONE_LIKE = re.compile(r"[+\d][\d\s().-]{5,}")


def _phone_match(query: str) -> Q:
    """Cases whose phone number is the one typed. With a country code one digest finds
    it wherever it is; without one, the number is read in each country cases are in and
    matches the cases of that country, the way their digests were computed
    (``Case.phone_index`` reads numbers in the case's ``country``, via
    :func:`blind.phone_region`). The digits as typed match too: numbers that no region
    makes sense of are indexed that way."""
    as_typed = blind.blind_index("phone", query)
    if as_typed is None:
        return Q(pk__in=[])
    match = Q(phone_index=as_typed)
    if not _PHONE_LIKE.fullmatch(query) or (normalisers.phone(query) or "").startswith("+"):
        return match
    # Country codes are operational; reading them for every case leaks nothing, and
    # the match itself stays within what the user may see.
    by_region: dict[str | None, list[str]] = {}
    for country in Case.objects.order_by().values_list("country", flat=True).distinct():
        by_region.setdefault(blind.phone_region(country), []).append(country)
    for region, countries in by_region.items():
        digest = blind.blind_index("phone", query, region=region) if region else None
        if digest and digest != as_typed:
            match |= Q(country__in=countries, phone_index=digest)
    return match


# --- signals -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signal:
    kind: str
    label: str
    visible_ids: list[str]
    others: int
    detail: str = ""

    @property
    def total(self) -> int:
        return len(self.visible_ids) + self.others


def signal_matches(case: Case) -> dict[str, dict[str, float]]:
    """Other cases that match this one, by kind of signal: ``{kind: {case_id: score}}``.
    Computed from keyed digests only; no plaintext is opened. Not scoped to a user:
    :func:`case_signals` splits the result into what the viewer may see and a count."""
    found: dict[str, dict[str, float]] = {}
    mine = list(CaseIdentifier.objects.filter(case=case).values_list("kind", "digest"))
    for kind in IdentifierKind.values:
        digests = [d for k, d in mine if k == kind]
        if not digests:
            continue
        others = (
            CaseIdentifier.objects.filter(kind=kind, digest__in=digests)
            .exclude(case=case)
            .values_list("case_id", flat=True)
            .distinct()
        )
        ids = {case_id: 1.0 for case_id in others}
        if ids:
            found[kind] = ids
    similar = similar_stories(case)
    if similar:
        found["story"] = similar
    return found


def similar_stories(case: Case) -> dict[str, float]:
    if not case.story_signature:
        return {}
    bands = list(StoryBand.objects.filter(case=case).values_list("band", "digest"))
    if not bands:
        return {}
    match = Q(pk__in=[])
    for band, digest in bands:
        match |= Q(band=band, digest=digest)
    candidates = set(
        StoryBand.objects.filter(match).exclude(case=case).values_list("case_id", flat=True)
    )
    if not candidates:
        return {}
    mine = blind.signature_from_bytes(bytes(case.story_signature))
    result = {}
    for other_id, signature in Case.objects.filter(pk__in=candidates).values_list(
        "id", "story_signature"
    ):
        if signature is None:
            continue
        score = blind.estimated_similarity(mine, blind.signature_from_bytes(bytes(signature)))
        if score >= SIMILAR_STORY_THRESHOLD:
            result[other_id] = score
    return result


_SIGNAL_LABELS = {
    **{k: str(v) for k, v in IdentifierKind.choices},
    "story": "Near-duplicate story",
}


def case_signals(*, user: Any, case: Case) -> list[Signal]:
    matches = signal_matches(case)
    all_ids = {i for ids in matches.values() for i in ids}
    seen = set(visible_cases(user).filter(pk__in=all_ids).values_list("pk", flat=True))
    signals = []
    for kind, ids in matches.items():
        shown = sorted((i for i in ids if i in seen), key=lambda i: -ids[i])
        detail = ""
        if kind == "story":
            detail = f"similarity up to {max(ids.values()):.0%}"
        signals.append(
            Signal(
                kind=kind,
                label=_SIGNAL_LABELS[kind],
                visible_ids=shown[:SIGNAL_SHOWN_MAX],
                others=len(ids) - len(shown[:SIGNAL_SHOWN_MAX]),
                detail=detail,
            )
        )
    return signals


# --- one case, opened -------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # message_in, message_out, note, credibility, stage, task, task_done, ...
    text: str
    actor_id: int | None = None
    via_web: bool = False  # in the web mailbox (written there, or sent to it)
    files: int = 0  # files sent with a web-mailbox message


@dataclass(frozen=True)
class ShownGrant:
    id: str
    user_id: int
    username: str
    until: datetime
    break_glass: bool
    reason: str


@dataclass(frozen=True)
class ShownTask:
    id: str
    title: str
    due_at: datetime | None
    done_at: datetime | None
    assignee: str


@dataclass(frozen=True)
class ShownApproval:
    id: str
    from_stage: str
    to_stage: str
    to_label: str
    requested_by_id: int
    requested_by: str
    requested_at: datetime
    reason: str
    outcome: str


@dataclass(frozen=True)
class ShownReference:
    organisation: str
    text: str
    supports: bool
    recorded_at: datetime


@dataclass
class CaseFile:
    """A case with its sealed data opened, for one reader. Never cached or logged."""

    case: Case
    full_name: str
    phone: str
    email: str
    handle: str
    birth_year: str
    city: str
    narrative: str
    contacts: list[dict[str, str]]
    assignees: list[tuple[int, str]]
    supervisor_id: int | None
    timeline: list[TimelineEntry]
    tasks: list[ShownTask]
    references: list[ShownReference]
    credibility: list[TimelineEntry]
    risk: list[TimelineEntry]
    grants: list[ShownGrant]
    pending: ShownApproval | None
    schedule: CheckInSchedule | None
    signals: list[Signal] = field(default_factory=list)
    moves: list[workflow.Offered] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<CaseFile {self.case.id}>"


def _contacts(value: Any) -> list[dict[str, str]]:
    if isinstance(value, list):
        return [
            {str(k): str(v) for k, v in item.items()} for item in value if isinstance(item, dict)
        ]
    if isinstance(value, dict) and value:  # older cases kept a flat mapping
        return [{str(k): str(v) for k, v in value.items()}]
    return []


def _usernames(ids: Iterable[int | None]) -> dict[int, str]:
    from waystation.accounts.models import StaffUser

    wanted = {i for i in ids if i is not None}
    return dict(StaffUser.objects.filter(pk__in=wanted).values_list("pk", "username"))


_WEB_CHECK_INS = {
    "safe": ("check_in", "Checked in from the web mailbox: “I am safe”"),
    "need_help": ("help_now", "Pressed “I need help now” in the web mailbox"),
}


def _web_mailbox(user: Any, case: Case) -> list[TimelineEntry]:
    """What the applicant wrote and pressed in the web mailbox after the case was opened,
    and the replies sent there: the rows stay intake's, opened with the intake key."""
    from waystation.intake import screening

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
        shown_kind, text = _WEB_CHECK_INS.get(kind, ("check_in", "Checked in"))
        entries.append(TimelineEntry(at=at, kind=shown_kind, text=text, via_web=True))
    return entries


@transaction.atomic
def open_case(*, user: Any, case_id: str) -> CaseFile:
    """Decrypt one case for a reader who may see it; the reading is on the audit record."""
    case = visible_case(user=user, case_id=case_id)
    audit.record(actor_id=user.pk, action="case.opened", object_type="case", object_id=case.id)
    timeline: list[TimelineEntry] = []
    for message in CaseMessage.objects.filter(case=case).order_by("-at")[:TIMELINE_LIMIT]:
        timeline.append(
            TimelineEntry(
                at=message.at,
                kind=f"message_{message.direction}",
                text=message.text or "",
                actor_id=message.author_id,
                via_web=message.channel == Channel.WEB,
            )
        )
    if case.source_request_id:
        timeline.extend(_web_mailbox(user, case))
    credibility: list[TimelineEntry] = []
    for note in Note.objects.filter(case=case).order_by("-at")[:TIMELINE_LIMIT]:
        entry = TimelineEntry(
            at=note.at, kind=note.kind, text=note.text or "", actor_id=note.author_id
        )
        timeline.append(entry)
        if note.kind == "credibility":
            credibility.append(entry)
    stages = dict(Stage.choices)
    for change in StageChange.objects.filter(case=case).order_by("-at")[:TIMELINE_LIMIT]:
        label = f"{stages.get(change.from_stage, '—')} → {stages.get(change.to_stage)}"
        reason = change.reason or ""
        timeline.append(
            TimelineEntry(
                at=change.at,
                kind="stage",
                text=f"{label}: {reason}" if reason else label,
                actor_id=change.actor_id,
            )
        )
    names = _usernames(
        list(Assignment.objects.filter(case=case).values_list("user_id", flat=True))
        + list(Task.objects.filter(case=case).values_list("assignee_id", flat=True))
    )
    tasks = []
    for task in Task.objects.filter(case=case).order_by("done_at", "due_at", "created_at"):
        title = task.title or ""
        tasks.append(
            ShownTask(
                id=task.id,
                title=title,
                due_at=task.due_at,
                done_at=task.done_at,
                assignee=names.get(task.assignee_id or 0, ""),
            )
        )
        timeline.append(TimelineEntry(at=task.created_at, kind="task", text=title))
        if task.done_at:
            timeline.append(TimelineEntry(at=task.done_at, kind="task_done", text=title))
    references = [
        ShownReference(
            organisation=ref.organisation or "",
            text=ref.text or "",
            supports=ref.supports,
            recorded_at=ref.recorded_at,
        )
        for ref in PartnerReference.objects.filter(case=case).order_by("-recorded_at")
    ]
    urgencies = dict(RiskAssessment._meta.get_field("urgency").choices or [])
    risk = [
        TimelineEntry(
            at=r.at,
            kind=str(urgencies.get(r.urgency, r.urgency)),
            text=r.reasons or "",
            actor_id=r.assessed_by_id,
        )
        for r in RiskAssessment.objects.filter(case=case).order_by("-at")[:20]
    ]
    for entry in risk:
        timeline.append(TimelineEntry(at=entry.at, kind="risk", text=f"{entry.kind}: {entry.text}"))
    for at in (
        CaseCheckIn.objects.filter(case=case).order_by("-at").values_list("at", flat=True)[:50]
    ):
        timeline.append(TimelineEntry(at=at, kind="check_in", text="Checked in"))
    timeline.sort(key=lambda e: e.at, reverse=True)
    now = timezone.now()
    grants_qs = AccessGrant.objects.filter(case=case, until__gt=now, revoked_at__isnull=True)
    grant_names = _usernames(grants_qs.values_list("user_id", flat=True))
    grants = [
        ShownGrant(
            id=g.id,
            user_id=g.user_id,
            username=grant_names.get(g.user_id, ""),
            until=g.until,
            break_glass=g.break_glass,
            reason=g.reason or "",
        )
        for g in grants_qs.order_by("until")
    ]
    pending_row = StageApproval.objects.filter(
        case=case, status=StageApproval.Status.PENDING
    ).first()
    pending = None
    if pending_row is not None:
        requester = _usernames([pending_row.requested_by_id])
        pending = ShownApproval(
            id=pending_row.id,
            from_stage=pending_row.from_stage,
            to_stage=pending_row.to_stage,
            to_label=str(stages.get(pending_row.to_stage, pending_row.to_stage)),
            requested_by_id=pending_row.requested_by_id,
            requested_by=requester.get(pending_row.requested_by_id, ""),
            requested_at=pending_row.requested_at,
            reason=pending_row.reason or "",
            outcome=pending_row.outcome,
        )
    assignee_ids = list(
        Assignment.objects.filter(case=case)
        .order_by("assigned_at")
        .values_list("user_id", flat=True)
    )
    return CaseFile(
        case=case,
        full_name=case.full_name or "",
        phone=case.phone or "",
        email=case.email or "",
        handle=case.handle or "",
        birth_year=case.birth_year or "",
        city=case.city or "",
        narrative=case.narrative or "",
        contacts=_contacts(case.contacts),
        assignees=[(i, names.get(i, "")) for i in assignee_ids],
        supervisor_id=case.team.supervisor_id if case.team else None,
        timeline=timeline[:TIMELINE_LIMIT],
        tasks=tasks,
        references=references,
        credibility=credibility,
        risk=risk,
        grants=grants,
        pending=pending,
        schedule=CheckInSchedule.objects.filter(case=case).first(),
        signals=case_signals(user=user, case=case),
        moves=workflow.moves_from(case),
    )


# --- alerts and approvals ------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownAlert:
    id: str
    kind: str
    kind_label: str
    case_id: str
    case_visible: bool
    created_at: datetime


def my_alerts(*, user: Any) -> list[ShownAlert]:
    from waystation.cases.models import AlertKind

    labels = dict(AlertKind.choices)
    rows = list(
        Alert.objects.filter(recipient=user, resolved_at__isnull=True)
        .order_by("-created_at")
        .values_list("id", "kind", "case_id", "created_at")[:200]
    )
    seen = set(visible_cases(user).filter(pk__in={r[2] for r in rows}).values_list("pk", flat=True))
    return [
        ShownAlert(
            id=alert_id,
            kind=kind,
            kind_label=str(labels.get(kind, kind)),
            case_id=case_id,
            case_visible=case_id in seen,
            created_at=created_at,
        )
        for alert_id, kind, case_id, created_at in rows
    ]


@dataclass(frozen=True)
class PendingRow:
    id: str
    case_id: str
    to_label: str
    requested_by: str
    requested_at: datetime
    mine: bool


def pending_approvals(*, user: Any) -> list[PendingRow]:
    """Moves waiting for a second person, on cases this user may see."""
    stages = dict(Stage.choices)
    rows = list(
        StageApproval.objects.filter(
            status=StageApproval.Status.PENDING, case__in=visible_cases(user).values("pk")
        )
        .order_by("requested_at")
        .values_list("id", "case_id", "to_stage", "requested_by_id", "requested_at")[:200]
    )
    names = _usernames(r[3] for r in rows)
    return [
        PendingRow(
            id=approval_id,
            case_id=case_id,
            to_label=str(stages.get(to_stage, to_stage)),
            requested_by=names.get(requested_by, ""),
            requested_at=requested_at,
            mine=requested_by == user.pk,
        )
        for approval_id, case_id, to_stage, requested_by, requested_at in rows
    ]


def overdue_check_ins(*, user: Any) -> list[tuple[str, datetime]]:
    """Cases this user may see whose check-in is overdue now (for the dashboard)."""
    now = timezone.now()
    return list(
        CheckInSchedule.objects.filter(
            active=True, next_due_at__lt=now, case__in=visible_cases(user).values("pk")
        )
        .order_by("next_due_at")
        .values_list("case_id", "next_due_at")[:200]
    )


def my_open_tasks(*, user: Any) -> list[tuple[str, str, datetime | None]]:
    """(task id, case id, due) of this user's open tasks on cases they may still see.
    Titles are sealed and are read on the case page, not in lists."""
    return list(
        Task.objects.filter(
            assignee=user, done_at__isnull=True, case__in=visible_cases(user).values("pk")
        )
        .order_by("due_at", "created_at")
        .values_list("id", "case_id", "due_at")[:200]
    )


@dataclass(frozen=True)
class TeamLine:
    id: str
    name: str
    supervisor: str
    open_cases: int


def teams_overview(*, user: Any) -> list[TeamLine]:
    """Every team with its supervisor and how many open cases it holds: operational
    figures only, for those who set teams up."""
    if not user.has_perm("cases.manage_teams"):
        return []
    open_cases = Count("cases", filter=~Q(cases__stage__in=[Stage.CLOSED, Stage.DECLINED]))
    rows = (
        Team.objects.annotate(open_cases=open_cases)
        .order_by("name")
        .values_list("id", "name", "supervisor__username", "open_cases")
    )
    return [TeamLine(*row) for row in rows]


def assignable_staff(*, user: Any) -> list[tuple[int, str]]:
    """People a case may be assigned to: active staff who work cases."""
    from waystation.accounts.models import StaffUser

    perm = Q(
        groups__permissions__codename="work_case",
        groups__permissions__content_type__app_label="cases",
    )
    return list(
        StaffUser.objects.filter(perm, is_active=True)
        .distinct()
        .order_by("username")
        .values_list("pk", "username")
    )


def teams() -> list[tuple[str, str]]:
    """Team names are operational (no personal data); every member of staff may list them."""
    return list(Team.objects.order_by("name").values_list("id", "name"))
