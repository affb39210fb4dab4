"""Recording what was done to people: events, the persons in them (victims and
witnesses), perpetrators, the acts done to one person, the sources that speak of them
and the citations that join a source to an event or to one act.

Each function is one thing a documentation officer does, in one transaction with its
audit entry. Which key seals what is the models' rule (``documentation.models``): an
event and its acts and perpetrators under the event's own key; a person or a source
taken from a case under that case's key, so that shredding the case forgets them and the
case's need to know decides who sees them; any other person or source under a key of its
own.

Every change to a citation or a source stores the levels again
(:func:`store_levels`): the corroboration rule (``corroboration.level``) reads the
citations in the order they were recorded, so the level on the row is always the rule's
answer to what the record holds now.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from waystation.accounts.models import Actor
from waystation.cases.models import Case
from waystation.cases.selectors import visibility as case_visibility
from waystation.documentation import corroboration
from waystation.documentation.models import (
    Act,
    ActType,
    Citation,
    Credibility,
    DatePrecision,
    Event,
    EventKind,
    IndependenceGroup,
    Perpetrator,
    PerpetratorKind,
    Person,
    PersonRole,
    Reliability,
    Source,
    SourceKind,
    Stance,
)
from waystation.documentation.services.record_common import (
    RecordError,
    clean_choice,
    clean_country,
    clean_date,
    clean_line,
    clean_region,
    clean_text,
    event_for,
    person_for,
    record,
    require_recorder,
    source_for,
)
from waystation.vault import datakeys

# What a person's details may say, each as typed: keys the form offers, nothing else.
PERSON_DETAILS = ("birth_year", "gender", "occupation")
MAX_PERPETRATORS_PER_ACT = 50


@dataclass(frozen=True)
class EventDetails:
    """What the officer types about an event. ``title``, ``summary`` and ``place`` are
    sealed with the event's key."""

    kind: str
    started_on: date | None
    country: str
    started_precision: str = DatePrecision.DAY
    ended_on: date | None = None
    ended_precision: str = ""
    region: str = ""
    title: str = ""
    summary: str = ""
    place: str = ""

    def __repr__(self) -> str:  # never print a sealed value into a log or a traceback
        return f"<EventDetails {self.kind} {self.country}>"


@dataclass(frozen=True)
class PersonDetails:
    role: str
    name: str = ""
    details: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<PersonDetails {self.role}>"


@dataclass(frozen=True)
class ActDetails:
    victim_id: str
    act_type: str
    happened_on: date | None = None
    happened_precision: str = ""
    perpetrator_ids: Sequence[str] = ()
    place_of_detention: str = ""
    notes: str = ""

    def __repr__(self) -> str:
        return f"<ActDetails {self.act_type}>"


@dataclass(frozen=True)
class SourceDetails:
    """A source's grade and what it is. ``same_origin_as``: the id of a source it shares
    its origin with (it joins that source's independence group), or "" for a new origin."""

    kind: str
    reliability: str
    credibility: int
    obtained_on: date | None
    reference: str = ""
    summary: str = ""
    same_origin_as: str = ""

    def __repr__(self) -> str:
        return f"<SourceDetails {self.kind} {self.reliability}{self.credibility}>"


# --- levels ---------------------------------------------------------------------------


def graded(
    *, group_id: str, reliability: str, credibility: int, stance: str
) -> corroboration.GradedSource:
    """A citation as the rule reads it: the source's group and grade, the stance."""
    return corroboration.GradedSource(
        group=group_id,
        grade=corroboration.Grade(
            corroboration.Reliability(reliability), corroboration.Credibility(credibility)
        ),
        stance=corroboration.Stance(stance),
    )


def store_levels(event_id: str) -> None:
    """The levels of an event and of each of its acts, computed again and stored. An
    event's level reads every citation of it and of its acts; an act's, the citations of
    that act; both in the order recorded (a group counts at its first source)."""
    rows = (
        Citation.objects.filter(event_id=event_id)
        .order_by("recorded_at", "id")
        .values_list(
            "act_id", "source__group_id", "source__reliability", "source__credibility", "stance"
        )
    )
    everything: list[corroboration.GradedSource] = []
    per_act: dict[str, list[corroboration.GradedSource]] = defaultdict(list)
    for act_id, group_id, reliability, credibility, stance in rows:
        one = graded(
            group_id=group_id, reliability=reliability, credibility=credibility, stance=stance
        )
        everything.append(one)
        if act_id:
            per_act[act_id].append(one)
    Event.objects.filter(pk=event_id).update(level=int(corroboration.level(everything)))
    for act_id, current in Act.objects.filter(event_id=event_id).values_list("pk", "level"):
        computed = int(corroboration.level(per_act.get(act_id, [])))
        if computed != current:
            Act.objects.filter(pk=act_id).update(level=computed)


def _store_levels_citing(source: Source) -> None:
    for event_id in (
        Citation.objects.filter(source=source).values_list("event_id", flat=True).distinct()
    ):
        store_levels(event_id)


# --- events ---------------------------------------------------------------------------


def _apply_event(event: Event, details: EventDetails) -> None:
    event.kind = clean_choice(details.kind, EventKind.values, label=_("the kind of event"))
    started_on, started_precision = clean_date(
        details.started_on, details.started_precision, label=_("The start")
    )
    ended_on, ended_precision = clean_date(
        details.ended_on, details.ended_precision, label=_("The end"), required=False
    )
    assert started_on is not None
    if ended_on is not None and ended_on < started_on:
        raise RecordError(_("The end is before the start."))
    event.started_on, event.started_precision = started_on, started_precision
    event.ended_on, event.ended_precision = ended_on, ended_precision
    event.country = clean_country(details.country)
    event.region = clean_region(details.region, country=event.country)
    event.title = clean_line(details.title, label=_("The title"), required=True, limit=200)
    event.summary = clean_text(details.summary, label=_("The summary"), limit=20_000)
    event.place = clean_text(details.place, label=_("The place"), limit=500)


@transaction.atomic
def record_event(*, user: Actor, details: EventDetails) -> Event:
    """A new event under a data key of its own: one event can be forgotten alone."""
    require_recorder(user)
    event = Event(data_key_id=datakeys.create_data_key().id, recorded_by_id=user.pk)
    _apply_event(event, details)
    event.save(force_insert=True)
    record(user, "event.recorded", "event", event.id)
    return event


@transaction.atomic
def change_event(*, user: Actor, event_id: str, details: EventDetails) -> Event:
    require_recorder(user)
    event = event_for(event_id, lock=True)
    _apply_event(event, details)
    event.save()
    record(user, "event.changed", "event", event.id)
    return event


# --- persons and perpetrators ---------------------------------------------------------


def _clean_person_details(details: dict[str, str]) -> dict[str, str]:
    unknown = set(details) - set(PERSON_DETAILS)
    if unknown:
        raise RecordError(_("A person's details are a birth year, a gender and an occupation."))
    cleaned = {
        key: clean_line(details.get(key), label=label, limit=limit)
        for key, label, limit in (
            ("birth_year", _("The birth year"), 4),
            ("gender", _("The gender"), 100),
            ("occupation", _("The occupation"), 200),
        )
    }
    year = cleaned["birth_year"]
    if year and not (year.isascii() and year.isdigit() and 1900 <= int(year) <= date.today().year):
        raise RecordError(_("The birth year is four digits, like 1990."))
    return {key: value for key, value in cleaned.items() if value}


@transaction.atomic
def add_person(*, user: Actor, event_id: str, details: PersonDetails) -> Person:
    """A victim or a witness of the event, not from a case: under a key of their own."""
    require_recorder(user)
    event = event_for(event_id, lock=True)
    person = Person(
        data_key_id=datakeys.create_data_key().id,
        event=event,
        role=clean_choice(details.role, PersonRole.values, label=_("the role")),
        recorded_by_id=user.pk,
    )
    person.name = clean_line(details.name, label=_("The name"), limit=300)
    person.details = _clean_person_details(dict(details.details))
    person.save(force_insert=True)
    record(user, "person.added", "person", person.id)
    return person


def _case_for(user: Actor, case_id: str) -> Case:
    """The case if the user may see it, else the 404 every page of a case gives."""
    return case_visibility.visible_case(user=user, case_id=case_id, lock=True)


@transaction.atomic
def add_case_person(
    *, user: Actor, event_id: str, case_id: str, role: str = PersonRole.VICTIM
) -> Person:
    """The case's person, as a victim or witness of the event. Sealed with the case's
    key: their name is copied from the case under that key, never in clear, and they are
    forgotten when the case is shredded (:func:`forget_case`)."""
    require_recorder(user)
    event = event_for(event_id, lock=True)
    case = _case_for(user, case_id)
    if Person.objects.filter(event=event, case=case).exists():
        raise RecordError(_("This case's person is already in this event."))
    person = Person(
        data_key_id=case.data_key_id,
        event=event,
        case=case,
        role=clean_choice(role, PersonRole.values, label=_("the role")),
        recorded_by_id=user.pk,
    )
    person.name = (case.full_name or "")[:300]
    details = {"birth_year": case.birth_year} if case.birth_year else {}
    person.details = details
    person.save(force_insert=True)
    record(user, "case.documented", "case", case.id)
    record(user, "person.added", "person", person.id)
    return person


@transaction.atomic
def add_perpetrator(*, user: Actor, event_id: str, kind: str, name: str = "") -> Perpetrator:
    require_recorder(user)
    event = event_for(event_id, lock=True)
    perpetrator = Perpetrator(
        event=event,
        data_key_id=event.data_key_id,
        kind=clean_choice(kind, PerpetratorKind.values, label=_("the kind of perpetrator")),
    )
    perpetrator.name = clean_line(name, label=_("The unit or name"), limit=300)
    perpetrator.save(force_insert=True)
    record(user, "perpetrator.added", "perpetrator", perpetrator.id)
    return perpetrator


# --- acts -----------------------------------------------------------------------------


@transaction.atomic
def add_act(*, user: Actor, event_id: str, details: ActDetails) -> Act:
    """What was done to one person of the event, by perpetrators of that event only."""
    require_recorder(user)
    event = event_for(event_id, lock=True)
    try:
        victim = person_for(user, details.victim_id)
    except RecordError:
        victim = None
    if victim is None or victim.event_id != event.id:
        raise RecordError(_("Choose the victim from the persons of this event."))
    if victim.forgotten_at is not None:
        raise RecordError(_("This person was forgotten with their case."))
    perpetrator_ids = list(dict.fromkeys(details.perpetrator_ids))
    if len(perpetrator_ids) > MAX_PERPETRATORS_PER_ACT:
        raise RecordError(_("Choose the perpetrators from the list."))
    perpetrators = list(Perpetrator.objects.filter(event=event, pk__in=perpetrator_ids))
    if len(perpetrators) != len(perpetrator_ids):
        raise RecordError(_("Choose the perpetrators from those of this event."))
    happened_on, happened_precision = clean_date(
        details.happened_on, details.happened_precision, label=_("The date"), required=False
    )
    act = Act(
        event=event,
        victim=victim,
        data_key_id=event.data_key_id,
        act_type=clean_choice(details.act_type, ActType.values, label=_("the act")),
        happened_on=happened_on,
        happened_precision=happened_precision,
        recorded_by_id=user.pk,
    )
    act.place_of_detention = clean_text(
        details.place_of_detention, label=_("The place of detention"), limit=500
    )
    act.notes = clean_text(details.notes, label=_("The notes"), limit=10_000)
    act.save(force_insert=True)
    act.perpetrators.set(perpetrators)
    record(user, "act.added", "act", act.id)
    return act


# --- sources and citations ------------------------------------------------------------


def _apply_grade(source: Source, details: SourceDetails) -> None:
    source.kind = clean_choice(details.kind, SourceKind.values, label=_("the kind of source"))
    source.reliability = clean_choice(
        details.reliability, Reliability.values, label=_("the reliability")
    )
    credibility = details.credibility
    if not isinstance(credibility, int) or credibility not in Credibility.values:
        raise RecordError(_("Choose %(label)s from the list.") % {"label": _("the credibility")})
    source.credibility = credibility
    obtained_on, _precision = clean_date(details.obtained_on, "", label=_("The date obtained"))
    assert obtained_on is not None
    source.obtained_on = obtained_on


def _group_for(user: Actor, same_origin_as: str) -> IndependenceGroup:
    """The group of the source named, which the user must see; or a new one."""
    if not same_origin_as:
        return IndependenceGroup.objects.create()
    try:
        return source_for(user, same_origin_as).group
    except RecordError as exc:
        raise RecordError(_("Choose the source of the same origin from the list.")) from exc


def _cite(user: Actor, source: Source, event: Event, act: Act | None, stance: str) -> Citation:
    citation = Citation(
        source=source,
        event=event,
        act=act,
        stance=clean_choice(stance, Stance.values, label=_("the stance")),
        recorded_by_id=user.pk,
    )
    try:
        with transaction.atomic():
            citation.save(force_insert=True)
    except IntegrityError as exc:
        raise RecordError(_("This source is already cited there.")) from exc
    record(user, "citation.added", "citation", citation.id)
    return citation


@transaction.atomic
def add_source(
    *, user: Actor, event_id: str, details: SourceDetails, stance: str = Stance.SUPPORTS
) -> Source:
    """A source not from casework, under a key of its own, cited on the event."""
    require_recorder(user)
    event = event_for(event_id, lock=True)
    source = Source(data_key_id=datakeys.create_data_key().id, recorded_by_id=user.pk)
    _apply_grade(source, details)
    source.reference = clean_text(details.reference, label=_("The reference"), limit=2_000)
    source.summary = clean_text(details.summary, label=_("The summary"), limit=20_000)
    source.group = _group_for(user, details.same_origin_as)
    source.save(force_insert=True)
    record(user, "source.added", "source", source.id)
    _cite(user, source, event, None, stance)
    store_levels(event.id)
    return source


@transaction.atomic
def add_case_source(
    *,
    user: Actor,
    event_id: str,
    case_id: str,
    details: SourceDetails,
    stance: str = Stance.SUPPORTS,
) -> Source:
    """The case's account as testimony of the event, sealed with the case's key. Its
    reference is the case; the officer's summary of it is sealed with it."""
    require_recorder(user)
    event = event_for(event_id, lock=True)
    case = _case_for(user, case_id)
    if Source.objects.filter(case=case, citations__event=event).exists():
        raise RecordError(_("This case's account is already a source of this event."))
    source = Source(
        data_key_id=case.data_key_id,
        case=case,
        recorded_by_id=user.pk,
    )
    _apply_grade(source, replace(details, kind=SourceKind.VICTIM_TESTIMONY))
    source.reference = ""  # the case is the reference; pages name it in the reader's words
    source.summary = clean_text(details.summary, label=_("The summary"), limit=20_000)
    source.group = _group_for(user, details.same_origin_as)
    source.save(force_insert=True)
    record(user, "case.documented", "case", case.id)
    record(user, "source.added", "source", source.id)
    _cite(user, source, event, None, stance)
    store_levels(event.id)
    return source


@transaction.atomic
def change_source(*, user: Actor, source_id: str, details: SourceDetails) -> Source:
    """A source graded again, or its text corrected. Its origin stays: a source moved to
    another group would change every level it was counted in without a trace of why."""
    require_recorder(user)
    source = source_for(user, source_id)
    source = Source.objects.select_for_update().get(pk=source.pk)
    if source.forgotten_at is not None:
        raise RecordError(_("This source was forgotten with its case."))
    _apply_grade(source, details)
    if source.case_id is None:
        source.reference = clean_text(details.reference, label=_("The reference"), limit=2_000)
    source.summary = clean_text(details.summary, label=_("The summary"), limit=20_000)
    source.save()
    record(user, "source.changed", "source", source.id)
    _store_levels_citing(source)
    return source


@transaction.atomic
def cite(
    *,
    user: Actor,
    source_id: str,
    event_id: str,
    act_id: str = "",
    stance: str = Stance.SUPPORTS,
) -> Citation:
    """A source the user may see, cited on an event or on one act of it."""
    require_recorder(user)
    event = event_for(event_id, lock=True)
    source = source_for(user, source_id)
    act = None
    if act_id:
        act = Act.objects.filter(pk=act_id, event=event).first() if len(act_id) <= 32 else None
        if act is None:
            raise RecordError(_("Choose the act from those of this event."))
        try:
            person_for(user, act.victim_id)
        except RecordError as exc:
            raise RecordError(_("Choose the act from those of this event.")) from exc
    citation = _cite(user, source, event, act, stance)
    store_levels(event.id)
    return citation


@transaction.atomic
def unlink_citation(*, user: Actor, event_id: str, citation_id: str) -> None:
    """A source no longer cited there; the levels fall back to what is left."""
    require_recorder(user)
    event = event_for(event_id, lock=True)
    citation = (
        Citation.objects.filter(pk=citation_id, event=event).select_related("source").first()
        if isinstance(citation_id, str) and len(citation_id) <= 32
        else None
    )
    if citation is None:
        raise RecordError(_("No such citation."))
    source_for(user, citation.source_id)  # one may not unlink what one may not see
    citation.delete()
    record(user, "citation.removed", "citation", citation_id)
    store_levels(event.id)


@dataclass(frozen=True)
class FromCase:
    """From casework, on an event: the case's person (as ``person_role``, or not at
    all when "") and the case's account as a testimony source (when ``source`` is set)."""

    case_id: str
    person_role: str = ""
    source: SourceDetails | None = None
    stance: str = Stance.SUPPORTS


@transaction.atomic
def add_from_case(*, user: Actor, event_id: str, taken: FromCase) -> list[Person | Source]:
    """The case's person and its account, added to the event together or not at all."""
    if not taken.person_role and taken.source is None:
        raise RecordError(_("Choose what to take from the case: its person, its account, or both."))
    added: list[Person | Source] = []
    if taken.person_role:
        added.append(
            add_case_person(
                user=user, event_id=event_id, case_id=taken.case_id, role=taken.person_role
            )
        )
    if taken.source is not None:
        added.append(
            add_case_source(
                user=user,
                event_id=event_id,
                case_id=taken.case_id,
                details=taken.source,
                stance=taken.stance,
            )
        )
    return added
