"""Small-cell suppression: the one place where figures become something to show.

With k = ``settings.WAYSTATION_REPORT_MIN_CELL``:

- *Primary*: a cell about 1 to k-1 people is hidden and shown as "< k", and so is every
  linked cell of its row (the money spent on those people, their median days).
- A zero is shown: it names nobody, and hiding every zero would hide most of a small
  organisation's tables without protecting anyone.
- *Complementary*: wherever a table shows a total of some cells (a column's total row,
  or a row's "all" column), the hidden cells of that line must be at least two and hold
  at least k people together, or subtraction would give one of them back (or a group of
  fewer than k). Otherwise the next-smallest shown cell with people in it is hidden too
  ("hidden"); if none is left, the total itself is hidden. This repeats until nothing
  changes, so rows and columns of a two-way table protect each other.

People behind different cells of a line may overlap (one person paid under two budget
categories), so "at least k together" counts people per cell; it errs towards showing
less only when cells do not overlap. Renderers get a ``ShownTable`` whose hidden cells
have no value at all.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from babel.numbers import format_decimal
from django.conf import settings
from django.utils.translation import gettext, ngettext

from waystation.accounts.templatetags.staff_format import cldr_locale
from waystation.web.figures.tables import (
    Cell,
    Hidden,
    Kind,
    ShownCell,
    ShownRow,
    ShownTable,
    Table,
)

Position = tuple[int, int]  # (row, column); the total row comes after the data rows


def min_cell() -> int:
    return int(settings.WAYSTATION_REPORT_MIN_CELL)


def suppress(table: Table, k: int | None = None) -> ShownTable:
    """The table as it may be shown, with every cell about fewer than k people hidden and
    no hidden cell recoverable from a shown total."""
    k = min_cell() if k is None else k
    if k < 2:
        raise ValueError("suppression needs k of at least 2")
    rows = [*table.rows, *([table.total] if table.total else [])]
    grid: list[tuple[Cell, ...]] = [row.cells for row in rows]
    for cells in grid:
        if len(cells) != len(table.columns):
            raise ValueError(f"table {table.name}: a row does not match its columns")

    def people(at: Position) -> int:
        return grid[at[0]][at[1]].people or 0

    hidden: dict[Position, Hidden] = {}
    for r, cells in enumerate(grid):
        for c, cell in enumerate(cells):
            if cell.people is not None and 0 < cell.people < k:
                hidden[(r, c)] = Hidden.SMALL

    lines = _lines(table, len(table.rows))
    linked = [c for c, column in enumerate(table.columns) if column.linked]
    changed = True
    while changed:
        changed = False
        for r in range(len(grid)):
            if any((r, c) in hidden for c in linked):
                for c in linked:
                    if (r, c) not in hidden:
                        hidden[(r, c)] = Hidden.COMPLEMENTARY
                        changed = True
        for members, total in lines:
            if total in hidden:
                continue
            gone = [at for at in members if at in hidden]
            if not gone or (len(gone) >= 2 and sum(people(at) for at in gone) >= k):
                continue
            candidates = [at for at in members if at not in hidden and people(at) > 0]
            if candidates:
                hidden[min(candidates, key=lambda at: (people(at), at))] = Hidden.COMPLEMENTARY
            else:
                hidden[total] = Hidden.COMPLEMENTARY
            changed = True

    shown = [
        ShownRow(
            label=row.label,
            cells=tuple(
                _shown(cell, table.columns[c].kind, hidden.get((r, c), Hidden.NO), k)
                for c, cell in enumerate(row.cells)
            ),
        )
        for r, row in enumerate(rows)
    ]
    return ShownTable(
        name=table.name,
        title=table.title,
        label_header=table.label_header,
        headers=tuple(column.header for column in table.columns),
        kinds=tuple(column.kind for column in table.columns),
        rows=tuple(shown[: len(table.rows)]),
        total=shown[-1] if table.total else None,
        k=k,
        note=table.note,
        chart_column=table.chart_column,
    )


def _lines(table: Table, data_rows: int) -> list[tuple[list[Position], Position]]:
    """Every group of cells that a shown total adds up."""
    lines: list[tuple[list[Position], Position]] = []
    if table.total is not None:
        for c, column in enumerate(table.columns):
            if column.additive:
                lines.append(([(r, c) for r in range(data_rows)], (data_rows, c)))
    if table.row_total is not None:
        for r in range(data_rows + (1 if table.total else 0)):
            lines.append(([(r, c) for c in table.summed], (r, table.row_total)))
    return lines


def _shown(cell: Cell, kind: Kind, hidden: Hidden, k: int) -> ShownCell:
    if hidden is Hidden.SMALL:
        return ShownCell(value=None, text=f"< {k}", hidden=hidden)
    if hidden is Hidden.COMPLEMENTARY:
        return ShownCell(value=None, text=gettext("hidden"), hidden=hidden)
    return ShownCell(value=cell.value, text=format_value(kind, cell.value))


def format_value(kind: Kind, value: int | float | None) -> str:
    """A figure in the reader's language (CLDR, as ``local_number``): 1,234,567.89 in
    English, 1 234 567,89 in Russian."""
    if value is None:
        return "—"
    locale = cldr_locale()
    if kind is Kind.MONEY:
        # Integer minor units to a decimal without floats (two decimals), exactly.
        return format_decimal(Decimal(int(value)).scaleb(-2), format="#,##0.00", locale=locale)
    if kind is Kind.DAYS:
        return format_decimal(_rounded(value, "0.1"), format="#,##0.0", locale=locale)
    if kind is Kind.PERCENT:
        number = format_decimal(_rounded(value, "1"), format="0", locale=locale)
        return gettext("%(number)s %%") % {"number": number}
    return format_decimal(int(value), format="#,##0", locale=locale)


def _rounded(value: float, step: str) -> Decimal:
    # As ``f"{value:.1f}"`` rounds: the float's exact value, half to even.
    return Decimal(value).quantize(Decimal(step), rounding=ROUND_HALF_EVEN)


def legend(k: int) -> str:
    return ngettext(
        "“< %(k)s”: fewer than %(k)s person, hidden. “%(hidden)s”: hidden as well, so that "
        "a small cell cannot be worked out from a total. A zero is shown: it names nobody.",
        "“< %(k)s”: fewer than %(k)s people, hidden. “%(hidden)s”: hidden as well, so that "
        "a small cell cannot be worked out from a total. A zero is shown: it names nobody.",
        k,
    ) % {"k": k, "hidden": gettext("hidden")}
