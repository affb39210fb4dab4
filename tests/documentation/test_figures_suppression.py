"""Property-based: on arbitrary records and under arbitrary filters (period of months,
kind, country, region), no documentation figure, chart or export reveals a cell about
fewer than k people, neither directly nor by subtracting the shown cells of a line from
its shown total (the rule of ``waystation.web.figures.suppression``, which the
relocation numbers use too). Victims are drawn from a few cases as well as strangers, so
one human with rows in several events counts once."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cases.conftest import new_case
from tests.documentation import seeding
from tests.factories import make_staff
from waystation.accounts.roles import Role
from waystation.cases.services import access
from waystation.documentation.forms.figures import month_end
from waystation.documentation.models import Act, ActType, Event, EventKind, Level, Person
from waystation.documentation.selectors.figures import Filters, shown_figures, tables
from waystation.documentation.services.exports import figures_json, table_csv
from waystation.web.figures.tables import Hidden, ShownTable, Table

pytestmark = pytest.mark.django_db

KINDS = [EventKind.DETENTION, EventKind.KILLING, EventKind.THREAT]
TYPES = [ActType.ARREST, ActType.BEATING, ActType.TORTURE]
REGIONS = ["RU-CE", "RU-DA", "GE-TB"]
CASES = 3

# Each act's victim: a stranger of its own (None), or the person of one of the cases.
victims = st.one_of(st.none(), st.integers(0, CASES - 1))
event_rows = st.tuples(
    st.sampled_from(KINDS),
    st.sampled_from(list(Level)),
    st.integers(1, 3),  # month
    st.sampled_from(REGIONS),
    st.lists(st.tuples(st.sampled_from(TYPES), victims), max_size=3),  # its acts
)


@st.composite
def filters(draw: st.DrawFn) -> Filters:
    first = draw(st.integers(1, 3))
    last = draw(st.integers(first, 3))
    region = draw(st.sampled_from(["", *REGIONS]))
    country = region[:2] if region else draw(st.sampled_from(["", "RU", "GE"]))
    return Filters(
        start=dt.date(2026, first, 1),
        end=month_end(dt.date(2026, last, 1)),
        kind=draw(st.sampled_from(["", *KINDS])),
        country=country,
        region=region,
    )


def lines(raw: Table) -> list[tuple[list[tuple[int, int]], tuple[int, int]]]:
    """Every group of cells a shown total adds up: each row's level columns and its
    "All", each column's rows and its total."""
    data = len(raw.rows)
    found = [([(r, c) for c in raw.summed], (r, raw.row_total)) for r in range(data + 1)]
    found += [([(r, c) for r in range(data)], (data, c)) for c in range(len(raw.columns))]
    return found


def assert_protected(raw: Table, shown: ShownTable, k: int) -> None:
    raw_rows = [*raw.rows, raw.total]
    shown_rows = [*shown.rows, shown.total]
    for raw_row, shown_row in zip(raw_rows, shown_rows, strict=True):
        for cell, seen in zip(raw_row.cells, shown_row.cells, strict=True):
            if 0 < (cell.people or 0) < k:
                assert seen.hidden is not Hidden.NO and seen.value is None
            if seen.hidden is not Hidden.NO:
                assert seen.value is None and seen.text in (f"< {k}", "hidden")
            else:
                assert seen.value == cell.value
    for members, (tr, tc) in lines(raw):
        if shown_rows[tr].cells[tc].hidden is not Hidden.NO:
            continue  # no total to subtract from
        gone = [(r, c) for r, c in members if shown_rows[r].cells[c].hidden is not Hidden.NO]
        if gone:
            # What subtraction gives is the sum of the hidden cells: never one alone, and
            # never a group of fewer than k people.
            assert len(gone) >= 2, (raw.name, members)
            assert sum(raw_rows[r].cells[c].people or 0 for r, c in gone) >= k


def assert_exports_show_only_the_page(
    shown: ShownTable, document: dict[str, object], chosen: Filters
) -> None:
    rows = list(csv.reader(io.StringIO(table_csv(shown, chosen))))
    page_rows = [*shown.rows, shown.total]
    assert [row[1:] for row in rows[1 : 1 + len(page_rows)]] == [
        [cell.text for cell in row.cells] for row in page_rows
    ]
    (exported,) = [t for t in document["tables"] if t["name"] == shown.name]  # type: ignore[union-attr,index]
    for row, page_row in zip([*exported["rows"], exported["total"]], page_rows, strict=True):
        for cell, seen in zip(row["cells"], page_row.cells, strict=True):
            assert cell["text"] == seen.text
            assert cell["value"] == seen.value
            assert (cell["hidden"] is None) == (seen.hidden is Hidden.NO)


@pytest.fixture
def reader():
    """A programme manager supervising the team of the cases: a reader of the record
    who may see every victim drawn here."""
    manager = make_staff(Role.PROGRAMME_MANAGER, "manager.suppression")
    team = access.create_team(actor_id=None, name="Suppression", supervisor_id=manager.pk)
    cases = [new_case(team, [], phone=f"+7 999 000 10 0{n}") for n in range(CASES)]
    return manager, cases


def in_filters(kind: str, month: int, region: str, chosen: Filters) -> bool:
    return (
        chosen.start.month <= month <= chosen.end.month
        and chosen.kind in ("", kind)
        and chosen.country in ("", region[:2])
        and chosen.region in ("", region)
    )


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=st.lists(event_rows, max_size=24), k=st.integers(2, 6), chosen=filters())
def test_no_documentation_figure_reveals_a_small_cell(reader, world, k, chosen):
    user, cases = reader
    Act.objects.all().delete()
    Person.objects.all().delete()
    Event.objects.all().delete()
    humans: set[object] = set()  # who the acts in the filters were done to
    for kind, level, month, region, acts in world:
        event = seeding.event(
            kind=kind, level=level, on=dt.date(2026, month, 5), region=region, country=region[:2]
        )
        for act_type, case in acts:
            victim = seeding.person(event, case=None if case is None else cases[case])
            seeding.act(event, victim=victim, act_type=act_type, level=level)
            if in_filters(kind, month, region, chosen):
                humans.add(victim.pk if case is None else case)
    raw, _ = tables(user=user, filters=chosen)
    figures = shown_figures(user=user, filters=chosen, k=k)
    document = json.loads(figures_json(figures, chosen))
    for raw_table, shown in zip(raw, figures.tables, strict=True):
        assert_protected(raw_table, shown, k)
        assert_exports_show_only_the_page(shown, document, chosen)
    # People are humans: a case's person in several events is one of them.
    assert raw[1].total.cells[-1].people == len(humans)
    # The sentences never say a hidden count as a number.
    by_kind = figures.table("events_by_kind")
    for sentence, row in zip(figures.sentences, by_kind.rows, strict=True):
        if row.cells[-1].hidden is not Hidden.NO:
            assert not any(ch.isdigit() for ch in sentence.replace(str(k), ""))
            continue
        assert row.cells[-1].text in sentence
        if row.cells[0].hidden is Hidden.NO:
            assert f"{row.cells[0].text} of them corroborated" in sentence
