"""Small-cell suppression: the rule at its boundaries, complementary suppression, and
(property-based) that no output — page, CSV, PDF — shows what it hid."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.template.loader import render_to_string
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from waystation.relocation.reports import charts, export
from waystation.relocation.reports.period import Period
from waystation.web.figures.suppression import format_value, suppress
from waystation.web.figures.tables import (
    Cell,
    Column,
    Hidden,
    Kind,
    Row,
    ShownTable,
    Table,
)

PERIOD = Period(start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
COUNT = Column("Cases", Kind.COUNT, additive=True)


def one_column(*counts: int, total: bool = True) -> Table:
    return Table(
        name="outcomes",
        title="Outcomes",
        label_header="Outcome",
        columns=(COUNT,),
        rows=tuple(Row(f"r{i}", (Cell(n, n),)) for i, n in enumerate(counts)),
        total=Row("Total", (Cell(sum(counts), sum(counts)),)) if total else None,
    )


def texts(table: ShownTable) -> list[str]:
    return [row.cells[0].text for row in table.rows]


# --- the rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "shown"), [(0, "0"), (1, "< 5"), (4, "< 5"), (5, "5"), (6, "6")])
def test_a_cell_of_fewer_than_k_people_is_shown_as_less_than_k(n, shown):
    assert texts(suppress(one_column(n, total=False), k=5)) == [shown]


def test_a_hidden_cell_carries_no_value():
    cell = suppress(one_column(3, total=False), k=5).rows[0].cells[0]
    assert cell.value is None
    assert cell.hidden is Hidden.SMALL


def test_zero_is_shown_because_it_names_nobody():
    shown = suppress(one_column(0, 0, 9), k=5)
    assert texts(shown) == ["0", "0", "9"]
    assert shown.total is not None and shown.total.cells[0].text == "9"


def test_k_comes_from_the_setting(settings):
    settings.WAYSTATION_REPORT_MIN_CELL = 10
    assert texts(suppress(one_column(9, 10, total=False))) == ["< 10", "10"]


def test_one_hidden_cell_under_a_total_takes_the_next_smallest_with_it():
    shown = suppress(one_column(3, 20, 7, 9), k=5)
    assert texts(shown) == ["< 5", "20", "hidden", "9"]
    assert shown.total is not None and shown.total.cells[0].text == "39"


def test_hidden_cells_must_hold_k_people_together():
    # 1 + 2 would give a group of three people back by subtraction.
    shown = suppress(one_column(1, 2, 30, 8), k=5)
    assert texts(shown) == ["< 5", "< 5", "30", "hidden"]


def test_complementary_suppression_skips_zeros():
    assert texts(suppress(one_column(2, 0, 6, 0, 8), k=5)) == ["< 5", "0", "hidden", "0", "8"]


def test_the_total_is_hidden_when_nothing_else_can_be():
    shown = suppress(one_column(3, 0), k=5)
    assert texts(shown) == ["< 5", "0"]
    assert shown.total is not None and shown.total.cells[0].hidden is Hidden.SMALL
    shown = suppress(one_column(3, 9), k=5)
    # 3 + 9 = 12: the total is shown only if 3 cannot be worked out from it.
    assert texts(shown) == ["< 5", "hidden"]
    assert shown.total is not None and shown.total.cells[0].text == "12"


def test_without_a_total_no_complementary_cell_is_hidden():
    assert texts(suppress(one_column(3, 20, 7, total=False), k=5)) == ["< 5", "20", "7"]


def test_linked_cells_of_a_row_hide_together():
    columns = (
        Column("People", Kind.COUNT, linked=True),
        Column("Spent", Kind.MONEY, additive=True, linked=True),
    )
    table = Table(
        name="spend",
        title="Spend",
        label_header="Category",
        columns=columns,
        rows=(
            Row("a", (Cell(2, 2), Cell(50_000, 2))),
            Row("b", (Cell(6, 6), Cell(1_000, 6))),
            Row("c", (Cell(9, 9), Cell(70_000, 9))),
        ),
        total=Row("Total", (Cell(17, 17), Cell(121_000, 17))),
    )
    shown = suppress(table, k=5)
    assert [[c.text for c in row.cells] for row in shown.rows] == [
        ["< 5", "< 5"],
        ["hidden", "hidden"],
        ["9", "700.00"],
    ]


def test_a_two_way_table_protects_rows_and_columns():
    columns = tuple(Column(h, Kind.COUNT, additive=True) for h in ("web", "hand", "all"))
    cells = [(2, 8), (9, 7), (6, 6)]
    rows = tuple(
        Row(f"w{i}", (Cell(a, a), Cell(b, b), Cell(a + b, a + b))) for i, (a, b) in enumerate(cells)
    )
    total = Row("Total", (Cell(17, 17), Cell(21, 21), Cell(38, 38)))
    table = Table("requests", "R", "Week", columns, rows, total, row_total=2, summed=(0, 1))
    shown = suppress(table, k=5)
    assert_no_recoverable_cell(table, shown)


def test_money_is_formatted_from_integer_minor_units():
    assert format_value(Kind.MONEY, 123_456_789) == "1,234,567.89"
    assert format_value(Kind.MONEY, 5) == "0.05"
    assert format_value(Kind.COUNT, None) == "—"


# --- properties ------------------------------------------------------------------------------


def positions(table: Table) -> list[tuple[int, int, Cell]]:
    rows = [*table.rows, *([table.total] if table.total else [])]
    return [(r, c, cell) for r, row in enumerate(rows) for c, cell in enumerate(row.cells)]


def shown_cell(shown: ShownTable, r: int, c: int) -> str:
    rows = [*shown.rows, *([shown.total] if shown.total else [])]
    return rows[r].cells[c].text


def assert_no_recoverable_cell(table: Table, shown: ShownTable) -> None:
    k = shown.k
    rows = [*shown.rows, *([shown.total] if shown.total else [])]
    raw = [*table.rows, *([table.total] if table.total else [])]
    for r, c, cell in positions(table):
        if cell.people is not None and 0 < cell.people < k:
            assert rows[r].cells[c].hidden is not Hidden.NO
            assert rows[r].cells[c].value is None
    lines = []
    if table.total is not None:
        for c, column in enumerate(table.columns):
            if column.additive:
                lines.append(([(r, c) for r in range(len(table.rows))], (len(table.rows), c)))
    if table.row_total is not None:
        for r in range(len(raw)):
            lines.append(([(r, c) for c in table.summed], (r, table.row_total)))
    for members, (tr, tc) in lines:
        if rows[tr].cells[tc].hidden is not Hidden.NO:
            continue
        gone = [(r, c) for r, c in members if rows[r].cells[c].hidden is not Hidden.NO]
        # total minus the shown cells is the sum of the hidden ones: never one cell, never
        # a group of fewer than k people
        assert len(gone) != 1
        if gone:
            assert sum(raw[r].cells[c].people or 0 for r, c in gone) >= k


@st.composite
def tables(draw: st.DrawFn) -> Table:
    n = draw(st.integers(1, 8))
    people = draw(st.lists(st.integers(0, 12), min_size=n, max_size=n))
    # Money far from any other number on the page, so that a leak would be seen.
    # Distinct, and narrow enough that no sum of two equals one of them.
    money = draw(st.lists(st.integers(10**9, 15 * 10**8), min_size=n, max_size=n, unique=True))
    two_way = draw(st.booleans())
    if two_way:
        other = draw(st.lists(st.integers(0, 12), min_size=n, max_size=n))
        columns = tuple(Column(h, Kind.COUNT, additive=True) for h in ("Web", "Hand", "All"))
        rows = tuple(
            Row(f"row{i}x", (Cell(a, a), Cell(b, b), Cell(a + b, a + b)))
            for i, (a, b) in enumerate(zip(people, other, strict=True))
        )
        ta, tb = sum(people), sum(other)
        total = Row("Total", (Cell(ta, ta), Cell(tb, tb), Cell(ta + tb, ta + tb)))
        return Table(
            "requests", "Requests", "Week", columns, rows, total, row_total=2, summed=(0, 1)
        )
    columns = (
        Column("People", Kind.COUNT, linked=True, additive=True),
        Column("Spent", Kind.MONEY, additive=True, linked=True),
    )
    rows = tuple(
        Row(f"row{i}x", (Cell(p, p), Cell(m if p else 0, p)))
        for i, (p, m) in enumerate(zip(people, money, strict=True))
    )
    everyone = sum(people)
    spent = sum(m if p else 0 for p, m in zip(people, money, strict=True))
    total = Row("Total", (Cell(everyone, everyone), Cell(spent, everyone)))
    return Table("spend", "Spend", "Category", columns, rows, total, chart_column=1)


def appears(number: str, text: str) -> bool:
    return re.search(rf"(?<![\d,.]){re.escape(number)}(?![\d,.])", text) is not None


def hidden_money(table: Table, shown: ShownTable) -> list[str]:
    return [
        format_value(table.columns[c].kind, cell.value)
        for r, c, cell in positions(table)
        if table.columns[c].kind is Kind.MONEY
        and shown_cell(shown, r, c) in {"hidden", f"< {shown.k}"}
    ]


QUICK = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@QUICK
@given(table=tables(), k=st.integers(2, 11))
def test_no_suppressed_cell_is_shown_or_recoverable(table, k):
    assert_no_recoverable_cell(table, suppress(table, k=k))


@QUICK
@given(table=tables(), k=st.integers(2, 11))
def test_the_csv_shows_only_the_suppressed_table(table, k):
    shown = suppress(table, k=k)
    lines = list(csv.reader(io.StringIO(export.to_csv(shown, PERIOD))))
    body = lines[1 : 1 + len(shown.rows) + 1]
    for r, c, cell in positions(table):
        text = body[r][c + 1]
        assert text == shown_cell(shown, r, c)
        if cell.people is not None and 0 < cell.people < k:
            assert text == f"< {k}"
    written = export.to_csv(shown, PERIOD)
    for money in hidden_money(table, shown):
        assert not appears(money, written)


@pytest.mark.django_db
@QUICK
@given(table=tables(), k=st.integers(2, 11))
def test_the_page_shows_only_the_suppressed_table(table, k):
    shown = suppress(table, k=k)
    html = render_to_string(
        "relocation/numbers/page.html",
        {
            "form": None,
            "period": PERIOD,
            "query": PERIOD.query(),
            "charted": [(shown, charts.svg(shown))],
            "k": k,
            "legend": export.legend(k),
        },
    )
    cells = re.findall(r'<td class="num[^"]*">([^<]*)</td>', html)
    expected = [shown_cell(shown, r, c) for r, c, _ in positions(table)]
    assert cells == [t.replace("<", "&lt;") for t in expected]
    for r, c, cell in positions(table):
        if cell.people is not None and 0 < cell.people < k:
            assert shown_cell(shown, r, c) == f"< {k}"
    for money in hidden_money(table, shown):
        assert not appears(money, html)


@settings(max_examples=10, deadline=None)
@given(table=tables(), k=st.integers(2, 11))
def test_the_pdf_shows_only_the_suppressed_table(table, k):
    shown = suppress(table, k=k)
    document = export.to_pdf([shown], PERIOD, today=dt.date(2026, 11, 25))
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)
    words = text.split()
    rows = [*shown.rows, *([shown.total] if shown.total else [])]
    for row in shown.rows:
        # each row label is followed by exactly its shown cells
        start = words.index(row.label)
        after = " ".join(words[start + 1 : start + 1 + sum(len(c.text.split()) for c in row.cells)])
        assert after == " ".join(c.text for c in row.cells)
    assert len(rows) >= 1
    assert f"k = {k}" in text
    for money in hidden_money(table, shown):
        assert not appears(money, text)
