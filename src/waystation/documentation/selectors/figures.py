"""The documentation figures: events and acts counted by kind, by month and by region,
with their corroboration levels, over a period and filters (docs/documentation.md
"Figures and exports").

Every table goes through ``waystation.web.figures.suppression`` (the rule the relocation
numbers use) before anything is shown or exported: the page, the chart, the CSV and the
JSON receive ``ShownTable`` only. A cell counts events or acts, and knows how many distinct
people stand behind it: their distinct victims. Each event records its own persons, so
one human in six events is six rows; a victim is therefore known by their case when
linked to one (six rows of one case are one person), else by their row. An event with
no victim recorded stands for one person of its own (every event is about someone).

Scoped to the viewer: an event counts only if nothing of it is hidden from them (no
person of it, and no source it cites, linked to a case outside their need to know), so
such an event is not even counted for them (its existence, in a small region, could
tell them of the case). Only operational columns
are read: kinds, types, dates, codes, levels, ids. No sealed field, no person.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from babel.dates import format_date
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext, ngettext

from waystation.accounts.models import Actor
from waystation.accounts.templatetags.staff_format import cldr_locale
from waystation.cases.selectors.visibility import visible_cases
from waystation.documentation.models import (
    Act,
    ActType,
    Citation,
    Event,
    EventKind,
    Level,
    Person,
    PersonRole,
)
from waystation.web.figures.suppression import min_cell, suppress
from waystation.web.figures.tables import (
    Cell,
    Column,
    Hidden,
    Kind,
    Row,
    ShownCell,
    ShownTable,
    Table,
)

READ = "documentation.read_events"

# From the strongest: the column a reader looks for first is "corroborated".
LEVELS = (
    Level.CORROBORATED,
    Level.CREDIBLE,
    Level.SEVERAL_WEAK_SOURCES,
    Level.SINGLE_SOURCE,
    Level.UNSOURCED,
    Level.DISPUTED,
)
TABLES = ("events_by_kind", "acts_by_type", "acts_by_month", "events_by_region")


class FiguresRefused(PermissionError):
    """The viewer's role does not show the documentation figures (the view answers 403)."""


class UnknownTable(LookupError):
    """No documentation table has that name (the view answers 404)."""


@dataclass(frozen=True)
class Filters:
    """What the figures cover: events that started in the period (acts: that happened
    in it, or whose event started in it when the act has no date of its own), of one
    kind, country or region if given. The period is whole months (``forms.figures``
    says why): a start on another day than the 1st, or an end on another than the
    last, is refused here too, so no caller can ask for a slice finer than a month."""

    start: dt.date  # the first day of a month
    end: dt.date  # the last day of a month, inclusive
    kind: str = ""
    country: str = ""
    region: str = ""

    def __post_init__(self) -> None:
        if self.start.day != 1 or (self.end + dt.timedelta(days=1)).day != 1:
            raise ValueError("a period of the figures is whole months")

    @property
    def first_month(self) -> str:
        return self.start.strftime("%Y-%m")

    @property
    def last_month(self) -> str:
        return self.end.strftime("%Y-%m")

    def params(self) -> list[tuple[str, str]]:
        """The filters as query parameters: for the export links and the estimate's form."""
        given = [("kind", self.kind), ("country", self.country), ("region", self.region)]
        return [
            ("start", self.first_month),
            ("end", self.last_month),
            *((name, value) for name, value in given if value),
        ]

    def audit_id(self) -> str:
        """The filters as an audit entry's object id: months, kind and codes, never a
        person ("2026-01:2026-03:torture:RU:RU-CE", a field left empty when not given)."""
        return ":".join((self.first_month, self.last_month, self.kind, self.country, self.region))

    def query(self) -> str:
        return urlencode(self.params())


def require_reader(user: Actor) -> None:
    if not user.is_active or not user.has_perm(READ):
        raise FiguresRefused(gettext("Your role does not show the documentation figures."))


def visible_events(user: Actor) -> QuerySet[Event]:
    """Events nothing of which is hidden from the viewer: none of its persons (victims
    and witnesses, with an act or without) linked to a case they may not see, and no
    source it cites taken from such a case. A person or source not linked to a case is
    the record's own, seen by every reader of it."""
    seen = visible_cases(user).values("pk")
    hidden_persons = Person.objects.filter(case__isnull=False).exclude(case__in=seen)
    hidden_citations = Citation.objects.filter(source__case__isnull=False).exclude(
        source__case__in=seen
    )
    return (
        Event.objects.exclude(pk__in=hidden_persons.values("event_id"))
        .exclude(pk__in=hidden_citations.values("event_id"))
        .exclude(pk__in=Act.objects.filter(victim__in=hidden_persons).values("event_id"))
    )


def _events(user: Actor, filters: Filters) -> QuerySet[Event]:
    events = visible_events(user).filter(started_on__gte=filters.start, started_on__lte=filters.end)
    if filters.kind:
        events = events.filter(kind=filters.kind)
    if filters.country:
        events = events.filter(country=filters.country)
    if filters.region:
        events = events.filter(region=filters.region)
    return events


def _acts(user: Actor, filters: Filters) -> QuerySet[Act]:
    events = visible_events(user)
    if filters.kind:
        events = events.filter(kind=filters.kind)
    if filters.country:
        events = events.filter(country=filters.country)
    if filters.region:
        events = events.filter(region=filters.region)
    return (
        Act.objects.filter(event__in=events.values("pk"))
        .annotate(on=Coalesce(F("happened_on"), F("event__started_on")))
        .filter(on__gte=filters.start, on__lte=filters.end)
    )


# --- building the tables ------------------------------------------------------------------

Victim = tuple[str, str]  # ("case", its id) or ("person", its id): one human
# (the column it counts in, the event or act it is, the victims behind it)
Item = tuple[Hashable, str, frozenset[Victim]]


def victim(case_id: str | None, person_id: str) -> Victim:
    """Who a victim is, for counting people: their case when linked to one (each event
    has rows of its own for the same case's person), else their own row."""
    return ("case", case_id) if case_id else ("person", person_id)


def _cell(items: Iterable[Item]) -> Cell:
    listed = list(items)
    people: set[Victim] = set()
    for _, _, victims in listed:
        people |= victims
    return Cell(value=len({unit for _, unit, _ in listed}), people=len(people))


def _victims_of(events: QuerySet[Event]) -> dict[str, frozenset[Victim]]:
    """Each event's victims: its persons recorded as victims and the victims of its
    acts; an event with none stands for one person of its own."""
    found: dict[str, set[Victim]] = defaultdict(set)
    persons = Person.objects.filter(event__in=events.values("pk"), role=PersonRole.VICTIM)
    for event_id, case_id, person_id in persons.values_list("event_id", "case_id", "id"):
        found[event_id].add(victim(case_id, person_id))
    acts = Act.objects.filter(event__in=events.values("pk"))
    for event_id, case_id, person_id in acts.values_list(
        "event_id", "victim__case_id", "victim_id"
    ):
        found[event_id].add(victim(case_id, person_id))
    return defaultdict(frozenset, {event: frozenset(v) for event, v in found.items()})


def _event_rows(
    events: QuerySet[Event], *fields: str
) -> list[tuple[tuple[Hashable, ...], str, frozenset[Victim]]]:
    """(the ``fields``, the event, its victims) for each event."""
    victims = _victims_of(events)
    return [
        (tuple(values), event_id, victims[event_id] or frozenset({("event", event_id)}))
        for *values, event_id in events.values_list(*fields, "id")
    ]


def _two_way(
    *,
    name: str,
    title: str,
    label_header: str,
    total_label: str,
    columns: list[tuple[Hashable, str]],
    rows: list[tuple[str, list[Item]]],
    note: str = "",
) -> Table:
    """Rows by columns, with an "All" column and a total row: a two-way table whose
    lines protect each other under complementary suppression."""
    keys = [key for key, _ in columns]
    every: list[Item] = [item for _, items in rows for item in items]

    def line(label: str, items: list[Item]) -> Row:
        cells = [_cell(i for i in items if i[0] == key) for key in keys]
        return Row(label, (*cells, _cell(items)))

    return Table(
        name=name,
        title=title,
        label_header=label_header,
        columns=(
            *(Column(header, Kind.COUNT, additive=True) for _, header in columns),
            Column(gettext("All"), Kind.COUNT, additive=True),
        ),
        rows=tuple(line(label, items) for label, items in rows),
        total=line(total_label, every),
        row_total=len(columns),
        summed=tuple(range(len(columns))),
        note=note,
        chart_column=len(columns),
    )


def _level_columns() -> list[tuple[Hashable, str]]:
    return [(int(level), str(level.label)) for level in LEVELS]


def _by(
    rows: Iterable[tuple[Hashable, Hashable, str, frozenset[Victim]]],
) -> dict[Hashable, list[Item]]:
    grouped: dict[Hashable, list[Item]] = defaultdict(list)
    for row_key, column_key, unit, victims in rows:
        grouped[row_key].append((column_key, unit, victims))
    return grouped


def _act_rows(
    acts: Iterable[tuple[Hashable, Hashable, str, str | None, str]],
) -> list[tuple[Hashable, Hashable, str, frozenset[Victim]]]:
    return [
        (first, second, act_id, frozenset({victim(case_id, person_id)}))
        for first, second, act_id, case_id, person_id in acts
    ]


def _events_by_kind(events: QuerySet[Event]) -> tuple[Table, list[str]]:
    grouped = _by(
        (kind, level, event, victims)
        for (kind, level), event, victims in _event_rows(events, "kind", "level")
    )
    kinds = [kind.value for kind in EventKind if kind.value in grouped]
    return _two_way(
        name="events_by_kind",
        title=gettext("Events by kind and corroboration"),
        label_header=gettext("Kind of event"),
        total_label=gettext("All kinds"),
        columns=_level_columns(),
        rows=[(str(EventKind(kind).label), grouped[kind]) for kind in kinds],
        note=gettext("Each event counts once, at the level its sources give it."),
    ), kinds


def _acts_by_type(acts: QuerySet[Act]) -> Table:
    grouped = _by(
        _act_rows(acts.values_list("act_type", "level", "id", "victim__case_id", "victim_id"))
    )
    return _two_way(
        name="acts_by_type",
        title=gettext("Acts by type and corroboration"),
        label_header=gettext("Type of act"),
        total_label=gettext("All types"),
        columns=_level_columns(),
        rows=[(str(kind.label), grouped[kind.value]) for kind in ActType if kind in grouped],
        note=gettext("An act is what was done to one person in one event."),
    )


def months(start: dt.date, end: dt.date) -> list[dt.date]:
    """The first day of every month that touches the period."""
    first = start.replace(day=1)
    found = []
    while first <= end:
        found.append(first)
        first = (first + dt.timedelta(days=32)).replace(day=1)
    return found


def month_label(month: dt.date) -> str:
    return format_date(month, format="LLL y", locale=cldr_locale())


def _acts_by_month(acts: QuerySet[Act], filters: Filters) -> Table:
    grouped = _by(
        _act_rows(
            (on.replace(day=1), act_type, act_id, case_id, person_id)
            for on, act_type, act_id, case_id, person_id in acts.values_list(
                F("on"), "act_type", "id", "victim__case_id", "victim_id"
            )
        )
    )
    present = {act_type for items in grouped.values() for act_type, _, _ in items}
    return _two_way(
        name="acts_by_month",
        title=gettext("Acts per month, by type"),
        label_header=gettext("Month"),
        total_label=gettext("All months"),
        columns=[(kind.value, str(kind.label)) for kind in ActType if kind.value in present],
        rows=[
            (month_label(month), grouped.get(month, []))
            for month in months(filters.start, filters.end)
        ],
        note=gettext("An act without a date of its own counts in the month its event began."),
    )


def _events_by_region(events: QuerySet[Event]) -> Table:
    grouped = _by(
        (region or country, level, event, victims)
        for (country, region, level), event, victims in _event_rows(
            events, "country", "region", "level"
        )
    )
    return _two_way(
        name="events_by_region",
        title=gettext("Events by region and corroboration"),
        label_header=gettext("Region (ISO 3166 code)"),
        total_label=gettext("All regions"),
        columns=_level_columns(),
        rows=[(str(code), grouped[code]) for code in sorted(grouped, key=str)],
        note=gettext("A country's code stands alone where the region is not known."),
    )


def tables(*, user: Actor, filters: Filters) -> tuple[list[Table], list[str]]:
    """Every documentation table, before suppression: not fit to show (only
    ``shown_figures`` and the tests use it), and the kinds of the events-by-kind rows."""
    require_reader(user)
    events = _events(user, filters)
    acts = _acts(user, filters)
    by_kind, kinds = _events_by_kind(events)
    return [
        by_kind,
        _acts_by_type(acts),
        _acts_by_month(acts, filters),
        _events_by_region(events),
    ], kinds


# --- what is shown ------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    tables: tuple[ShownTable, ...]
    sentences: tuple[str, ...]  # "at least 106 detentions, 48 of them corroborated"
    k: int

    def table(self, name: str) -> ShownTable:
        for table in self.tables:
            if table.name == name:
                return table
        raise UnknownTable(name)


def _at_least(kind: str) -> Callable[[int], str]:
    """The "at least N …" phrase of one kind of event, its noun agreeing with N."""
    phrases: dict[str, Callable[[int], str]] = {
        EventKind.DETENTION: lambda n: ngettext(
            "at least %(count)s detention", "at least %(count)s detentions", n
        ),
        EventKind.ABDUCTION: lambda n: ngettext(
            "at least %(count)s abduction", "at least %(count)s abductions", n
        ),
        EventKind.TORTURE: lambda n: ngettext(
            "at least %(count)s event of torture", "at least %(count)s events of torture", n
        ),
        EventKind.KILLING: lambda n: ngettext(
            "at least %(count)s killing", "at least %(count)s killings", n
        ),
        EventKind.DISAPPEARANCE: lambda n: ngettext(
            "at least %(count)s disappearance", "at least %(count)s disappearances", n
        ),
        EventKind.THREAT: lambda n: ngettext(
            "at least %(count)s threat", "at least %(count)s threats", n
        ),
        EventKind.EXTORTION: lambda n: ngettext(
            "at least %(count)s extortion", "at least %(count)s extortions", n
        ),
        EventKind.FORCED_OUTING: lambda n: ngettext(
            "at least %(count)s forced outing", "at least %(count)s forced outings", n
        ),
        EventKind.FAMILY_VIOLENCE: lambda n: ngettext(
            "at least %(count)s event of violence by family",
            "at least %(count)s events of violence by family",
            n,
        ),
        EventKind.ONLINE_ENTRAPMENT: lambda n: ngettext(
            "at least %(count)s entrapment online", "at least %(count)s entrapments online", n
        ),
    }
    return phrases[kind]


def _corroborated(cell: ShownCell, k: int) -> str:
    if cell.hidden is Hidden.SMALL:
        return gettext("the corroborated ones are about fewer than %(k)s people, not shown") % {
            "k": k
        }
    if cell.hidden is Hidden.COMPLEMENTARY:
        return gettext("how many of them are corroborated is hidden")
    n = int(cell.value or 0)
    return ngettext("%(count)s of them corroborated", "%(count)s of them corroborated", n) % {
        "count": cell.text
    }


def event_sentence(
    kind: str, label: str, all_cell: ShownCell, corroborated: ShownCell, k: int
) -> str:
    """One kind's sentence: "At least 106 detentions, 48 of them corroborated." A hidden
    count is said as hidden, never as a number."""
    if all_cell.hidden is Hidden.SMALL:
        return gettext("%(kind)s: events about fewer than %(k)s people, not shown.") % {
            "kind": label,
            "k": k,
        }
    if all_cell.hidden is Hidden.COMPLEMENTARY:
        return gettext(
            "%(kind)s: hidden, so that a small figure cannot be worked out from the others."
        ) % {"kind": label}
    phrase = _at_least(kind)(int(all_cell.value or 0)) % {"count": all_cell.text}
    sentence = gettext("%(phrase)s, %(corroborated)s.") % {
        "phrase": phrase,
        "corroborated": _corroborated(corroborated, k),
    }
    return sentence[0].upper() + sentence[1:]


def _sentences(table: ShownTable, kinds: list[str], k: int) -> list[str]:
    corroborated_at = 0  # LEVELS starts with CORROBORATED
    return [
        event_sentence(kind, row.label, row.cells[-1], row.cells[corroborated_at], k)
        for kind, row in zip(kinds, table.rows, strict=True)
    ]


def shown_figures(*, user: Actor, filters: Filters, k: int | None = None) -> Figures:
    """Every documentation figure of the filters, suppressed: the one door to them for
    the page, the chart and the exports."""
    k = min_cell() if k is None else k
    raw, kinds = tables(user=user, filters=filters)
    shown = tuple(suppress(table, k=k) for table in raw)
    return Figures(tables=shown, sentences=tuple(_sentences(shown[0], kinds, k)), k=k)
