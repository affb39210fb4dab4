"""Charts drawn on the server from suppressed tables: inline SVG for the page, PNG for
the PDF. Only ``ShownTable`` comes in, so a chart cannot draw what suppression hid.

``matplotlib.figure.Figure`` is used directly, never pyplot: pyplot keeps global state
(current figure, backend) that gunicorn's threads would share; a bare Figure draws with
the Agg/SVG canvases that ``savefig`` picks for the format, without a display.

The SVG is rewritten for the page's CSP by ``waystation.web.figures.svg.clean_svg``.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from django.utils.translation import gettext

from waystation.web.figures.svg import clean_svg
from waystation.web.figures.tables import Hidden, Kind, ShownTable

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# matplotlib is imported where a chart is drawn, not here: the staff URLconf imports this
# module (the numbers page), and every worker, command and test server would otherwise
# load it on start, for pages and commands that never draw.

BAR = "#1f5f8b"
HATCHED = "#8a8a8a"
WEEKLY = {"requests", "occupancy"}
WHOLE = {Kind.COUNT, Kind.NIGHTS}


def is_empty(table: ShownTable) -> bool:
    """Nothing to draw: no row, or every cell of the chart column zero or without a value
    (a hidden cell is not empty: someone is behind it)."""
    column = table.chart_column
    return not any(
        row.cells[column].hidden is not Hidden.NO or row.cells[column].value for row in table.rows
    )


def _nothing(figure: Figure) -> Figure:
    # Not an axis from -0.04 to 0.04 that reads like data: a plain sentence.
    axes: Axes = figure.add_subplot()
    axes.set_axis_off()
    axes.text(
        0.5,
        0.5,
        gettext("Nothing in this period"),
        ha="center",
        va="center",
        fontsize=11,
        color=HATCHED,
        transform=axes.transAxes,
    )
    return figure


def draw(table: ShownTable) -> Figure:
    """A bar per row of the chart column. A hidden cell is a hollow marker on the zero
    line with its label ("< 5"): no bar, whose length would read as a value. Counts get
    whole-number ticks from zero; a chart with nothing to draw says so."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    column = table.chart_column
    labels = [row.label for row in table.rows]
    cells = [row.cells[column] for row in table.rows]
    shown = [float(c.value) for c in cells if c.value is not None]
    heights = [float(c.value) if c.value is not None else 0.0 for c in cells]
    weekly = table.name in WEEKLY
    figure = Figure(figsize=(7.5, 3.6 if weekly else 3.2), dpi=100, layout="constrained")
    if is_empty(table):
        return _nothing(figure)
    axes: Axes = figure.add_subplot()
    positions = list(range(len(cells)))
    bar = axes.bar if weekly else axes.barh
    bar(positions, heights, color=BAR)
    hidden = [(p, c) for p, c in zip(positions, cells, strict=True) if c.hidden is not Hidden.NO]
    if hidden:
        spots = [p for p, _ in hidden]
        zeros = [0.0] * len(spots)
        axes.plot(
            *((spots, zeros) if weekly else (zeros, spots)),
            linestyle="none",
            marker="o",
            markersize=5,
            markerfacecolor="white",
            markeredgecolor=HATCHED,
            clip_on=False,
            zorder=3,
            label="hidden",
        )
    for position, cell in hidden:
        if weekly:
            axes.annotate(
                cell.text,
                (position, 0),
                xytext=(0, 5),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=6,
                rotation=90,
            )
        else:
            axes.annotate(
                cell.text,
                (0, position),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )
    value_axis = axes.yaxis if weekly else axes.xaxis
    # Counts and nights are whole numbers: never a tick at 0.5 person.
    if table.kinds[column] in WHOLE:
        value_axis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    # From zero, and at least up to one, so that hidden markers sit on a real axis.
    top = max(shown, default=0.0)
    (axes.set_ylim if weekly else axes.set_xlim)(0, top * 1.08 if top > 0 else 1)
    if top == 0 and table.kinds[column] not in WHOLE:
        value_axis.set_ticks([])  # only hidden cells: no scale of 0.2 euro to read
    if weekly:
        step = max(1, len(labels) // 8)
        axes.set_xticks(positions[::step], labels[::step], rotation=30, ha="right", fontsize=7)
        axes.set_ylabel(table.headers[column], fontsize=8)
    else:
        axes.set_yticks(positions, labels, fontsize=8)
        axes.invert_yaxis()
        axes.set_xlabel(table.headers[column], fontsize=8)
    axes.tick_params(labelsize=7)
    axes.spines[["top", "right"]].set_visible(False)
    return figure


def png(table: ShownTable, dpi: int = 150) -> bytes:
    buffer = io.BytesIO()
    draw(table).savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def svg(table: ShownTable) -> str:
    """The chart as an inline ``<svg>`` element, without style elements or attributes."""
    import matplotlib

    buffer = io.BytesIO()
    # Text as <text>, not as glyph outlines: the page is half the size (a manager on
    # a phone), and a screen reader or a search in the page finds the labels. The browser
    # draws them in its own sans-serif; the PDF keeps matplotlib's embedded DejaVu.
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        draw(table).savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    # Our own output, parsed in the same call: no untrusted XML reaches the parser.
    root = ET.fromstring(buffer.getvalue())  # noqa: S314
    return clean_svg(
        root,
        prefix=f"chart-{table.name}",
        title=gettext("Chart: %(title)s") % {"title": table.title},
    )
