"""Reading the record, scoped to the reader.

Events are read by whoever holds ``documentation.read_events``. A person linked to a
case, the acts done to them and a source taken from a case are shown only to those who
may see that case (``services.record_common.visible_case_ids``); to anyone else such a
person is "a person you may not see", an act shows only its type and level, and the
person's or source's own page is a 404, the same as a wrong id.

Every opening of sealed data writes an audit entry in the same transaction: ``event.
listed`` for each event whose title a list shows, ``event.opened``, ``person.opened``,
``source.opened`` and ``source.file_opened`` for each page and file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import gettext as _

from waystation.accounts.models import Actor
from waystation.cases.selectors import visibility as case_visibility
from waystation.documentation.models import (
    Act,
    ActType,
    Citation,
    Credibility,
    Event,
    EventKind,
    Level,
    Perpetrator,
    PerpetratorKind,
    Person,
    PersonRole,
    Reliability,
    Source,
    SourceFile,
    SourceKind,
    Stance,
)
from waystation.documentation.services.record_common import (
    RecordError,
    event_for,
    may_read,
    person_for,
    record,
    source_for,
    visible_case_ids,
)

PAGE_SIZE = 25
SOURCES_SHOWN_MAX = 200


class EventNotFound(Http404):
    """No such event."""


class PersonNotFound(Http404):
    """No such person, or one linked to a case the reader may not see."""


class SourceNotFound(Http404):
    """No such source, or one taken from a case the reader may not see."""


def require_reader(user: Actor) -> None:
    if not may_read(user):
        raise PermissionDenied(_("Your role does not allow reading the record."))


def _label(choices: type, value: object) -> str:
    return str(dict(choices.choices).get(value, "—"))  # type: ignore[attr-defined]  # TextChoices


def level_label(level: int) -> str:
    return _label(Level, level)


# --- the list -------------------------------------------------------------------------


@dataclass(frozen=True)
class EventFilters:
    kind: str = ""
    started_from: date | None = None
    started_until: date | None = None
    country: str = ""
    region: str = ""
    level: int | None = None


@dataclass(frozen=True)
class EventRow:
    id: str
    title: str
    kind_label: str
    started_on: date
    started_precision: str
    ended_on: date | None
    ended_precision: str
    country: str
    region: str
    level: int
    level_label: str
    acts: int
    sources: int

    def __repr__(self) -> str:
        return f"<EventRow {self.id}>"


@dataclass(frozen=True)
class EventList:
    rows: list[EventRow]
    page: Page  # type: ignore[type-arg]  # of events
    total: int


@transaction.atomic
def event_list(
    *, user: Actor, filters: EventFilters, page_number: int | str | None = 1
) -> EventList:
    """Events, newest first, filtered by operational fields only (nothing sealed can be
    searched), a page at a time. The titles shown are opened, each under an entry."""
    require_reader(user)
    events = Event.objects.all()
    if filters.kind:
        events = events.filter(kind=filters.kind)
    if filters.started_from:
        events = events.filter(
            Q(ended_on__gte=filters.started_from) | Q(started_on__gte=filters.started_from)
        )
    if filters.started_until:
        events = events.filter(started_on__lte=filters.started_until)
    if filters.country:
        events = events.filter(country=filters.country)
    if filters.region:
        events = events.filter(region=filters.region)
    if filters.level is not None:
        events = events.filter(level=filters.level)
    events = events.annotate(
        act_count=Count("acts", distinct=True),
        source_count=Count("citations__source", distinct=True),
    ).order_by("-started_on", "-recorded_at", "id")
    paginator = Paginator(events, PAGE_SIZE)
    page = paginator.get_page(page_number)
    rows = []
    for event in page.object_list:
        record(user, "event.listed", "event", event.id)
        rows.append(
            EventRow(
                id=event.id,
                title=event.title or "",
                kind_label=_label(EventKind, event.kind),
                started_on=event.started_on,
                started_precision=event.started_precision,
                ended_on=event.ended_on,
                ended_precision=event.ended_precision,
                country=event.country,
                region=event.region,
                level=event.level,
                level_label=level_label(event.level),
                acts=event.act_count,
                sources=event.source_count,
            )
        )
    return EventList(rows=rows, page=page, total=paginator.count)


# --- one event ------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownPerson:
    id: str
    role: str
    role_label: str
    shown: bool  # False: linked to a case the reader may not see; nothing else is set
    forgotten: bool = False
    name: str = ""
    details: dict[str, str] = field(default_factory=dict)
    case_id: str = ""
    event_id: str = ""

    def __repr__(self) -> str:
        return f"<ShownPerson {self.id}>"


@dataclass(frozen=True)
class ShownSource:
    id: str
    kind_label: str
    grade: str  # "B2"
    reliability_label: str
    credibility_label: str
    shown: bool
    group_id: str = ""
    obtained_on: date | None = None
    forgotten: bool = False
    reference: str = ""
    summary: str = ""
    case_id: str = ""

    def __repr__(self) -> str:
        return f"<ShownSource {self.id}>"


@dataclass(frozen=True)
class ShownCitation:
    id: str
    stance: str
    stance_label: str
    source: ShownSource
    act_id: str = ""


@dataclass(frozen=True)
class ShownPerpetrator:
    id: str
    kind_label: str
    name: str

    def __repr__(self) -> str:
        return f"<ShownPerpetrator {self.id}>"


@dataclass(frozen=True)
class ShownAct:
    id: str
    type_label: str
    level: int
    level_label: str
    victim: ShownPerson
    happened_on: date | None = None
    happened_precision: str = ""
    shown: bool = True  # False: its victim is hidden; only type, date and level are set
    perpetrators: list[str] = field(default_factory=list)
    place_of_detention: str = ""
    notes: str = ""
    citations: list[ShownCitation] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<ShownAct {self.id}>"


@dataclass(frozen=True)
class EventPage:
    event: Event
    title: str
    summary: str
    place: str
    kind_label: str
    level_label: str
    persons: list[ShownPerson]
    perpetrators: list[ShownPerpetrator]
    acts: list[ShownAct]
    citations: list[ShownCitation]  # of the event itself
    sources: list[ShownSource]  # every source cited here that the reader may see

    def __repr__(self) -> str:
        return f"<EventPage {self.event.id}>"

    @property
    def victim_choices(self) -> list[tuple[str, str]]:
        return [(p.id, p.name or p.role_label) for p in self.persons if p.shown and not p.forgotten]

    @property
    def perpetrator_choices(self) -> list[tuple[str, str]]:
        return [
            (p.id, f"{p.kind_label}: {p.name}" if p.name else p.kind_label)
            for p in self.perpetrators
        ]

    @property
    def act_choices(self) -> list[tuple[str, str]]:
        return [
            (a.id, f"{a.type_label} — {a.victim.name or a.victim.role_label}")
            for a in self.acts
            if a.shown
        ]

    @property
    def source_choices(self) -> list[tuple[str, str]]:
        return [(s.id, f"{s.kind_label} {s.grade} · {s.reference[:60]}") for s in self.sources]


def _person(person: Person, shown: bool) -> ShownPerson:
    hidden = ShownPerson(
        id=person.id,
        role=person.role,
        role_label=_label(PersonRole, person.role),
        shown=False,
        event_id=person.event_id,
    )
    if not shown:
        return hidden
    if person.forgotten_at is not None:
        return replace(hidden, shown=True, forgotten=True, case_id=person.case_id or "")
    return replace(
        hidden,
        shown=True,
        name=person.name or "",
        details=dict(person.details or {}),
        case_id=person.case_id or "",
    )


def _source(source: Source, shown: bool) -> ShownSource:
    hidden = ShownSource(
        id=source.id,
        kind_label=_label(SourceKind, source.kind),
        grade=f"{source.reliability}{source.credibility}",
        reliability_label=_label(Reliability, source.reliability),
        credibility_label=_label(Credibility, source.credibility),
        shown=False,
    )
    if not shown:
        return hidden
    seen = replace(
        hidden,
        shown=True,
        group_id=source.group_id,
        obtained_on=source.obtained_on,
        case_id=source.case_id or "",
    )
    if source.forgotten_at is not None:
        return replace(seen, forgotten=True)
    reference = source.reference or ""
    if source.case_id and not reference:
        reference = _("The account in case %(case)s") % {"case": source.case_id}
    return replace(seen, reference=reference, summary=source.summary or "")


def _citation(citation: Citation, shown: ShownSource) -> ShownCitation:
    return ShownCitation(
        id=citation.id,
        stance=citation.stance,
        stance_label=_label(Stance, citation.stance),
        source=shown,
        act_id=citation.act_id or "",
    )


@transaction.atomic
def event_page(*, user: Actor, event_id: str) -> EventPage:
    require_reader(user)
    try:
        event = event_for(event_id)
    except RecordError as exc:
        raise EventNotFound(str(exc)) from exc
    record(user, "event.opened", "event", event.id)
    persons = list(Person.objects.filter(event=event).order_by("recorded_at", "id"))
    citations = list(
        Citation.objects.filter(event=event)
        .select_related("source")
        .order_by("recorded_at", "id")[:SOURCES_SHOWN_MAX]
    )
    seen = visible_case_ids(
        user, [p.case_id for p in persons] + [c.source.case_id for c in citations]
    )
    shown_persons: dict[str, ShownPerson] = {}
    for person in persons:
        visible = person.case_id is None or person.case_id in seen
        if visible and person.forgotten_at is None:
            record(user, "person.opened", "person", person.id)
        shown_persons[person.id] = _person(person, visible)
    shown_sources: dict[str, ShownSource] = {}
    for citation in citations:
        source = citation.source
        if source.id in shown_sources:
            continue
        visible = source.case_id is None or source.case_id in seen
        if visible and source.forgotten_at is None:
            record(user, "source.opened", "source", source.id)
        shown_sources[source.id] = _source(source, visible)
    perpetrators = [
        ShownPerpetrator(id=p.id, kind_label=_label(PerpetratorKind, p.kind), name=p.name or "")
        for p in Perpetrator.objects.filter(event=event).order_by("recorded_at", "id")
    ]
    names = {p.id: (f"{p.kind_label}: {p.name}" if p.name else p.kind_label) for p in perpetrators}
    acts = []
    for act in (
        Act.objects.filter(event=event)
        .prefetch_related("perpetrators")
        .order_by("recorded_at", "id")
    ):
        victim = shown_persons[act.victim_id]
        act_citations = [
            _citation(c, shown_sources[c.source_id]) for c in citations if c.act_id == act.id
        ]
        hidden = ShownAct(
            id=act.id,
            type_label=_label(ActType, act.act_type),
            level=act.level,
            level_label=level_label(act.level),
            victim=victim,
            happened_on=act.happened_on,
            happened_precision=act.happened_precision,
            shown=False,
        )
        if not victim.shown:
            acts.append(hidden)
            continue
        acts.append(
            replace(
                hidden,
                shown=True,
                perpetrators=[names[p.id] for p in act.perpetrators.all() if p.id in names],
                place_of_detention=act.place_of_detention or "",
                notes=act.notes or "",
                citations=act_citations,
            )
        )
    return EventPage(
        event=event,
        title=event.title or "",
        summary=event.summary or "",
        place=event.place or "",
        kind_label=_label(EventKind, event.kind),
        level_label=level_label(event.level),
        persons=list(shown_persons.values()),
        perpetrators=perpetrators,
        acts=acts,
        citations=[_citation(c, shown_sources[c.source_id]) for c in citations if not c.act_id],
        sources=[s for s in shown_sources.values() if s.shown and not s.forgotten],
    )


# --- one person, one source -----------------------------------------------------------


@dataclass(frozen=True)
class PersonActRow:
    id: str
    type_label: str
    level_label: str
    happened_on: date | None
    happened_precision: str


@dataclass(frozen=True)
class PersonPage:
    person: ShownPerson
    event_id: str
    event_title: str
    acts: list[PersonActRow]


@transaction.atomic
def person_page(*, user: Actor, person_id: str) -> PersonPage:
    require_reader(user)
    try:
        person = person_for(user, person_id)
    except RecordError as exc:
        raise PersonNotFound(str(exc)) from exc
    record(user, "person.opened", "person", person.id)
    event = person.event
    record(user, "event.opened", "event", event.id)
    return PersonPage(
        person=_person(person, True),
        event_id=event.id,
        event_title=event.title or "",
        acts=[
            PersonActRow(
                id=act.id,
                type_label=_label(ActType, act.act_type),
                level_label=level_label(act.level),
                happened_on=act.happened_on,
                happened_precision=act.happened_precision,
            )
            for act in Act.objects.filter(victim=person).order_by("recorded_at", "id")
        ],
    )


@dataclass(frozen=True)
class CitedOn:
    citation_id: str
    event_id: str
    event_title: str
    act_label: str  # "" when the event itself is cited
    stance_label: str


@dataclass(frozen=True)
class ShownFile:
    id: str
    name: str
    content_type: str
    size: int


@dataclass(frozen=True)
class SourcePage:
    source: ShownSource
    row: Source
    cited_on: list[CitedOn]
    same_origin: list[ShownSource]  # the other sources of its group
    files: list[ShownFile]


def visible_source(*, user: Actor, source_id: str) -> None:
    """For the actions of a source's page: a source the user may not see is the 404 its
    page gives, before any question of role or input."""
    try:
        source_for(user, source_id)
    except RecordError as exc:
        raise SourceNotFound(str(exc)) from exc


@transaction.atomic
def source_page(*, user: Actor, source_id: str) -> SourcePage:
    require_reader(user)
    try:
        source = source_for(user, source_id)
    except RecordError as exc:
        raise SourceNotFound(str(exc)) from exc
    record(user, "source.opened", "source", source.id)
    cited_on = []
    for citation in (
        Citation.objects.filter(source=source)
        .select_related("event", "act")
        .order_by("recorded_at", "id")
    ):
        record(user, "event.listed", "event", citation.event_id)
        act_label = ""
        if citation.act is not None:
            act_label = _label(ActType, citation.act.act_type)
        cited_on.append(
            CitedOn(
                citation_id=citation.id,
                event_id=citation.event_id,
                event_title=citation.event.title or "",
                act_label=act_label,
                stance_label=_label(Stance, citation.stance),
            )
        )
    others = list(
        Source.objects.filter(group_id=source.group_id)
        .exclude(pk=source.pk)
        .order_by("recorded_at", "id")
    )
    seen = visible_case_ids(user, [o.case_id for o in others])
    same_origin = []
    for other in others:
        visible = other.case_id is None or other.case_id in seen
        if visible and other.forgotten_at is None:
            record(user, "source.opened", "source", other.id)
        same_origin.append(_source(other, visible))
    files = []
    for row in SourceFile.objects.filter(source=source).order_by("uploaded_at", "id"):
        content = row.file
        if content is None:
            continue
        files.append(
            ShownFile(
                id=row.id,
                name=content.name,
                content_type=content.content_type,
                size=len(content.data),
            )
        )
    if files:
        record(user, "source.files_listed", "source", source.id)
    return SourcePage(
        source=_source(source, True),
        row=source,
        cited_on=cited_on,
        same_origin=same_origin,
        files=files,
    )


@dataclass(frozen=True)
class OpenedFile:
    name: str
    content_type: str
    data: bytes

    def __repr__(self) -> str:
        return f"<OpenedFile {len(self.data)} bytes>"


@transaction.atomic
def open_source_file(*, user: Actor, source_id: str, file_id: str) -> OpenedFile:
    require_reader(user)
    try:
        source = source_for(user, source_id)
    except RecordError as exc:
        raise SourceNotFound(str(exc)) from exc
    row = (
        SourceFile.objects.filter(pk=file_id, source=source).first()
        if isinstance(file_id, str) and len(file_id) <= 32
        else None
    )
    content = row.file if row is not None else None
    if row is None or content is None:
        raise SourceNotFound(_("No such file."))
    record(user, "source.file_opened", "source_file", row.id)
    return OpenedFile(name=content.name, content_type=content.content_type, data=content.data)


# --- from casework --------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRecord:
    """What the record holds of one case, for the page reached from the case."""

    case_id: str
    events: list[tuple[str, str]]  # (id, title) of events its person or account is in


@transaction.atomic
def case_record(*, user: Actor, case_id: str) -> CaseRecord:
    case = case_visibility.visible_case(user=user, case_id=case_id)  # before the role
    require_reader(user)
    event_ids = set(Person.objects.filter(case=case).values_list("event_id", flat=True)) | set(
        Citation.objects.filter(source__case=case).values_list("event_id", flat=True)
    )
    events = []
    for event in Event.objects.filter(pk__in=event_ids).order_by("-started_on", "id"):
        record(user, "event.listed", "event", event.id)
        events.append((event.id, event.title or ""))
    return CaseRecord(case_id=case.id, events=events)
