"""Rows of the documentation record made directly with the models, for the figures and
the estimate: events with acts on victims, lists of persons with entries, and matches
between entries. Everything here is fictional. Sealed fields get a data key of their own
(``create_data_key``), as the services will give them."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence

from waystation.cases.models import Case
from waystation.documentation.models import (
    Act,
    ActType,
    Citation,
    Credibility,
    Event,
    EventKind,
    IndependenceGroup,
    Level,
    ListedPerson,
    ListKind,
    MatchStatus,
    Person,
    PersonList,
    PersonRole,
    ProposedMatch,
    Reliability,
    Source,
    SourceKind,
)
from waystation.vault.datakeys import create_data_key

RECORDER = 1  # recorded_by_id: an id only, no member of staff is needed for counts
_numbers = itertools.count(1)


def person(
    in_event: Event,
    *,
    case: Case | None = None,
    name: str = "",
    role: str = PersonRole.VICTIM,
) -> Person:
    """A person of ``in_event`` (each event records its own persons: one human in two
    events is two rows, linked to the same case when they come from one)."""
    number = next(_numbers)
    return Person.objects.create(
        data_key_id=case.data_key_id if case is not None else create_data_key().id,
        event=in_event,
        case=case,
        role=role,
        recorded_by_id=RECORDER,
        name=name or f"Fictional victim {number}",
        details={},
    )


def event(
    *,
    kind: str = EventKind.DETENTION,
    on: dt.date,
    level: int = Level.UNSOURCED,
    country: str = "RU",
    region: str = "RU-CE",
) -> Event:
    return Event.objects.create(
        data_key=create_data_key(),
        kind=kind,
        started_on=on,
        country=country,
        region=region,
        level=level,
        recorded_by_id=RECORDER,
        title="A fictional event",
        summary="",
        place="",
    )


def act(
    in_event: Event,
    *,
    victim: Person | None = None,
    act_type: str = ActType.ARREST,
    on: dt.date | None = None,
    level: int = Level.UNSOURCED,
) -> Act:
    return Act.objects.create(
        event=in_event,
        victim=victim or person(in_event),
        data_key_id=in_event.data_key_id,
        act_type=act_type,
        happened_on=on,
        level=level,
        recorded_by_id=RECORDER,
        place_of_detention="",
        notes="",
    )


def case_source(in_event: Event, case: Case) -> Source:
    """A case's account as a testimony source, cited by ``in_event``: sealed with the
    case's key, as the services seal it."""
    source = Source.objects.create(
        data_key_id=case.data_key_id,
        kind=SourceKind.VICTIM_TESTIMONY,
        case=case,
        group=IndependenceGroup.objects.create(),
        reliability=Reliability.B,
        credibility=Credibility.PROBABLY_TRUE,
        obtained_on=in_event.started_on,
        recorded_by_id=RECORDER,
        reference="A fictional reference",
        summary="",
    )
    Citation.objects.create(source=source, event=in_event, recorded_by_id=RECORDER)
    return source


def events(
    count: int,
    *,
    kind: str = EventKind.DETENTION,
    on: dt.date,
    level: int = Level.UNSOURCED,
    region: str = "RU-CE",
    act_type: str | None = ActType.ARREST,
    case: Case | None = None,
) -> list[Event]:
    """``count`` events, each with one act on a victim of its own (linked to ``case``
    if given) when ``act_type`` is set."""
    made = []
    for _ in range(count):
        one = event(kind=kind, on=on, level=level, region=region, country=region[:2])
        if act_type is not None:
            act(one, victim=person(one, case=case), act_type=act_type, level=level)
        made.append(one)
    return made


def person_list(name: str, *, size: int = 0, kind: str = ListKind.PARTNER) -> PersonList:
    made = PersonList.objects.create(
        data_key=create_data_key(), name=name, kind=kind, created_by_id=RECORDER
    )
    entries(made, size)
    return made


def entries(person_list: PersonList, count: int) -> list[ListedPerson]:
    return [
        ListedPerson.objects.create(
            person_list=person_list,
            data_key_id=person_list.data_key_id,
            name=f"Fictional entry {next(_numbers)}",
            birth_year="",
            phone="",
            handle="",
        )
        for _ in range(count)
    ]


def match(
    first: ListedPerson, second: ListedPerson, status: str = MatchStatus.CONFIRMED
) -> ProposedMatch:
    return ProposedMatch.objects.create(first=first, second=second, status=status)


def overlapping_lists(
    names: Sequence[str], histories: dict[tuple[int, ...], int]
) -> list[PersonList]:
    """Lists whose people have the given capture histories: ``{(1, 1, 0): 12}`` is
    twelve people on the first two lists and not the third, each one an entry per list
    joined by confirmed matches in a chain (first to second, second to third)."""
    lists = [person_list(name) for name in names]
    for pattern, count in histories.items():
        for _ in range(count):
            chain = [entries(lists[k], 1)[0] for k, on in enumerate(pattern) if on]
            for first, second in itertools.pairwise(chain):
                match(first, second)
    return lists


def table_of(histories: Iterable[tuple[tuple[int, ...], int]]) -> dict[tuple[int, ...], int]:
    return {pattern: count for pattern, count in histories if count}
