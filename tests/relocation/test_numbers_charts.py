"""Charts that small numbers cannot mislead (issue 15): read from the figure that
``charts.draw`` builds, not from pixels. Counts get whole-number ticks from zero; a
hidden cell is a marker on the zero line, never a bar; an empty chart says "Nothing in
this period" instead of drawing a -0.04 to 0.04 axis; a year of weeks folds on the page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template.loader import render_to_string
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from waystation.relocation.reports import charts, export
from waystation.relocation.reports.period import Period
from waystation.web.figures.suppression import suppress
from waystation.web.figures.tables import (
    RECENT_ROWS,
    Cell,
    Column,
    Hidden,
    Kind,
    Row,
    ShownTable,
    Table,
)

COUNT = Column("Cases", Kind.COUNT, additive=True)
PERIOD = Period(start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))


def table(*counts: int, name: str = "outcomes", k: int = 5) -> ShownTable:
    return suppress(
        Table(
            name=name,
            title="Outcomes",
            label_header="Outcome",
            columns=(COUNT,),
            rows=tuple(Row(f"row {i}", (Cell(n, n),)) for i, n in enumerate(counts)),
        ),
        k=k,
    )


def value_ticks(shown: ShownTable) -> list[float]:
    (axes,) = charts.draw(shown).axes
    ticks = axes.get_yticks() if shown.name in charts.WEEKLY else axes.get_xticks()
    low, high = axes.get_ylim() if shown.name in charts.WEEKLY else axes.get_xlim()
    return [t for t in ticks if low <= t <= high]


def bars(shown: ShownTable) -> list[Rectangle]:
    (axes,) = charts.draw(shown).axes
    return [p for p in axes.patches if isinstance(p, Rectangle)]


@pytest.mark.parametrize("name", ["outcomes", "requests"])
@pytest.mark.parametrize(
    ("counts", "k"), [((2, 3), 2), ((0, 2), 2), ((3,), 2), ((6, 7), 5), ((0, 0, 5), 5)]
)
def test_a_count_axis_has_whole_number_ticks_from_zero(name, counts, k):
    ticks = value_ticks(table(*counts, name=name, k=k))
    assert ticks and ticks[0] == 0
    assert all(float(t).is_integer() for t in ticks), ticks


def test_a_hidden_cell_is_a_marker_not_a_bar():
    shown = table(6, 2, 7)  # "2" is fewer than k = 5 people
    assert shown.rows[1].cells[0].hidden is Hidden.SMALL
    (axes,) = charts.draw(shown).axes

    heights = sorted(round(p.get_width(), 6) for p in bars(shown))
    assert heights == [0.0, 6.0, 7.0]  # the hidden row's bar is empty
    assert not any(p.get_hatch() for p in axes.patches)
    (marker,) = [line for line in axes.get_lines() if line.get_label() == "hidden"]
    assert isinstance(marker, Line2D) and marker.get_marker() == "o"
    assert list(marker.get_xdata()) == [0.0] and list(marker.get_ydata()) == [1]
    assert "< 5" in [text.get_text() for text in axes.texts]


def test_only_hidden_cells_still_draw_on_a_whole_number_axis():
    shown = suppress(
        Table(
            name="outcomes",
            title="Outcomes",
            label_header="Outcome",
            columns=(COUNT,),
            rows=(Row("relocated", (Cell(3, 3),)), Row("other", (Cell(2, 2),))),
        ),
        k=5,
    )
    assert all(row.cells[0].value is None for row in shown.rows)

    ticks = value_ticks(shown)

    assert ticks[0] == 0 and all(float(t).is_integer() for t in ticks)
    assert all(p.get_width() == 0 for p in bars(shown))


@pytest.mark.parametrize("counts", [(), (0, 0, 0)])
@pytest.mark.parametrize("name", ["outcomes", "requests"])
def test_an_empty_chart_says_nothing_in_this_period(name, counts):
    figure = charts.draw(table(*counts, name=name))

    (axes,) = figure.axes
    assert not axes.axison
    assert [text.get_text() for text in axes.texts] == ["Nothing in this period"]
    assert "Nothing in this period" in charts.svg(table(*counts, name=name))


def _page(shown: ShownTable) -> str:
    return render_to_string(
        "relocation/numbers/page.html",
        {
            "form": None,
            "period": PERIOD,
            "query": PERIOD.query(),
            "charted": [(shown, "")],
            "k": 5,
            "legend": export.legend(5),
        },
    )


def test_a_year_of_weeks_shows_the_last_weeks_and_folds_the_rest():
    shown = table(*range(10, 63), name="requests")  # 53 weeks
    html = _page(shown)

    assert '<details class="earlier-rows">' in html
    assert f"{53 - RECENT_ROWS} earlier rows" in html
    folded = html[html.index("<details") : html.index("</details>")]
    assert "row 0<" in folded and f"row {52 - RECENT_ROWS}<" in folded
    assert f"row {53 - RECENT_ROWS}<" not in folded
    after = html[html.index("</details>") :]
    assert after.count('<tr><th scope="row">') == RECENT_ROWS
    assert "row 52<" in after


def test_a_short_table_is_not_folded():
    assert "<details" not in _page(table(6, 7, 8))


def test_only_hidden_money_draws_no_scale_to_misread():
    money = Column("Approved (EUR)", Kind.MONEY, linked=True)
    shown = suppress(
        Table(
            name="per_person",
            title="Spend per person",
            label_header="Cases",
            columns=(Column("People", Kind.COUNT, linked=True), money),
            rows=(Row("Relocated", (Cell(2, 2), Cell(40_000, 2))),),
            chart_column=1,
        ),
        k=5,
    )
    (axes,) = charts.draw(shown).axes

    assert list(axes.get_xticks()) == []
    assert "< 5" in [text.get_text() for text in axes.texts]
