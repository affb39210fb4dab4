"""Property-based: on arbitrary records, no documentation figure, chart or export
reveals a cell about fewer than k people, neither directly nor by subtracting the shown
cells of a line from its shown total (the rule of ``waystation.web.figures.suppression``,
which the relocation numbers use too)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.documentation import seeding
from tests.factories import make_staff
from waystation.accounts.roles import Role
from waystation.documentation.models import ActType, Event, EventKind, Level, Person
from waystation.documentation.selectors.figures import Filters, shown_figures, tables
from waystation.documentation.services.exports import figures_json, table_csv
from waystation.web.figures.tables import Hidden, ShownTable, Table

pytestmark = pytest.mark.django_db

FILTERS = Filters(start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
KINDS = [EventKind.DETENTION, EventKind.KILLING, EventKind.THREAT]
TYPES = [ActType.ARREST, ActType.BEATING, ActType.TORTURE]
REGIONS = ["RU-CE", "RU-DA", "RU-IN"]

event_rows = st.tuples(
    st.sampled_from(KINDS),
    st.sampled_from(list(Level)),
    st.integers(1, 3),  # month
    st.sampled_from(REGIONS),
    st.lists(st.sampled_from(TYPES), max_size=3),  # its acts, one victim each
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


def assert_exports_show_only_the_page(shown: ShownTable, document: dict[str, object]) -> None:
    rows = list(csv.reader(io.StringIO(table_csv(shown, FILTERS))))
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
def officer():
    return make_staff(Role.DOCUMENTATION, "officer.suppression")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=st.lists(event_rows, max_size=24), k=st.integers(2, 6))
def test_no_documentation_figure_reveals_a_small_cell(officer, world, k):
    Event.objects.all().delete()
    Person.objects.all().delete()
    for kind, level, month, region, acts in world:
        event = seeding.event(kind=kind, level=level, on=dt.date(2026, month, 5), region=region)
        for act_type in acts:
            seeding.act(event, act_type=act_type, level=level)
    raw, _ = tables(user=officer, filters=FILTERS)
    figures = shown_figures(user=officer, filters=FILTERS, k=k)
    document = json.loads(figures_json(figures, FILTERS))
    for raw_table, shown in zip(raw, figures.tables, strict=True):
        assert_protected(raw_table, shown, k)
        assert_exports_show_only_the_page(shown, document)
    # The sentences never say a hidden count as a number.
    by_kind = figures.table("events_by_kind")
    for sentence, row in zip(figures.sentences, by_kind.rows, strict=True):
        if row.cells[-1].hidden is not Hidden.NO:
            assert not any(ch.isdigit() for ch in sentence.replace(str(k), ""))
            continue
        assert row.cells[-1].text in sentence
        if row.cells[0].hidden is Hidden.NO:
            assert f"{row.cells[0].text} of them corroborated" in sentence
