"""The figures page's chart, drawn on the server from a suppressed table: acts per month,
stacked by type. Only ``ShownTable`` comes in, so the chart cannot draw what suppression
hid. As the relocation numbers' charts do: a bare ``matplotlib.figure.Figure`` (never
pyplot's global state), an SVG rewritten for the page's CSP
(``waystation.web.figures.svg.clean_svg``), and a hidden cell drawn as a hollow marker
on the zero line with its label ("< 5"), never as a bar whose length would read as a
value."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from django.utils.translation import gettext

from waystation.web.figures.svg import clean_svg
from waystation.web.figures.tables import Hidden, ShownTable

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# matplotlib is imported where the chart is drawn: the staff URLconf imports this module
# (the figures page), and every process would otherwise load it on start.

HATCHED = "#8a8a8a"
# Twelve colours apart enough to tell twelve types of act apart (Paul Tol's muted and
# bright schemes), one per column of the table, in its order.
COLOURS = (
    "#332288", "#88ccee", "#44aa99", "#117733", "#999933", "#ddcc77",
    "#cc6677", "#882255", "#aa4499", "#4477aa", "#ee6677", "#bbbbbb",
)  # fmt: skip


def draw(table: ShownTable) -> Figure:
    """A bar per month, stacked by type from the shown cells; the "All" column (the
    last) is not drawn, the stack is. A month with a hidden cell gets a marker and its
    label on the zero line."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    types = len(table.headers) - 1
    # A fixed layout, not "constrained": the solver costs a quarter of a second on a
    # year of twelve stacked types, and this chart's shape never changes.
    figure = Figure(figsize=(7.5, 3.6), dpi=100)
    figure.subplots_adjust(left=0.08, right=0.74, bottom=0.2, top=0.96)
    drawn = any(
        cell.value or cell.hidden is not Hidden.NO for row in table.rows for cell in row.cells
    )
    if not drawn or types == 0:
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
    axes = figure.add_subplot()
    positions = list(range(len(table.rows)))
    bottoms = [0.0] * len(table.rows)
    for column in range(types):
        heights = [float(row.cells[column].value or 0) for row in table.rows]
        axes.bar(
            positions,
            heights,
            bottom=bottoms,
            color=COLOURS[column % len(COLOURS)],
            label=table.headers[column],
        )
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    hidden = []
    for position, row in zip(positions, table.rows, strict=True):
        gone = [cell for cell in row.cells[:types] if cell.hidden is not Hidden.NO]
        if gone:
            small = [cell for cell in gone if cell.hidden is Hidden.SMALL]
            hidden.append((position, (small or gone)[0].text))
    if hidden:
        axes.plot(
            [p for p, _ in hidden],
            [0.0] * len(hidden),
            linestyle="none",
            marker="o",
            markersize=5,
            markerfacecolor="white",
            markeredgecolor=HATCHED,
            clip_on=False,
            zorder=3,
        )
        for position, text in hidden:
            axes.annotate(
                text,
                (position, 0),
                xytext=(0, 5),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=6,
                rotation=90,
            )
    axes.yaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    top = max(bottoms, default=0.0)
    axes.set_ylim(0, top * 1.08 if top > 0 else 1)
    step = max(1, len(positions) // 12)
    labels = [row.label for row in table.rows]
    axes.set_xticks(positions[::step], labels[::step], rotation=30, ha="right", fontsize=7)
    axes.set_ylabel(gettext("Acts"), fontsize=8)
    axes.tick_params(labelsize=7)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(fontsize=6, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return figure


def svg(table: ShownTable) -> str:
    """The chart as an inline ``<svg>`` element, without style elements or attributes."""
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        draw(table).savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    # Our own output, parsed in the same call: no untrusted XML reaches the parser.
    root = ET.fromstring(buffer.getvalue())  # noqa: S314
    return clean_svg(
        root,
        prefix=f"chart-{table.name}",
        title=gettext("Chart: %(title)s") % {"title": table.title},
    )
