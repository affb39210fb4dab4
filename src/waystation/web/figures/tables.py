"""The shape every figure takes: a table of cells, each knowing how many distinct
people (cases) stand behind it. Figures build ``Table``; suppression turns it into
``ShownTable``, the only thing the page, the CSV and the PDF ever receive."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Kind(Enum):
    COUNT = "count"  # a number of people or requests
    MONEY = "money"  # minor units of the reporting currency
    DAYS = "days"
    NIGHTS = "nights"
    PERCENT = "percent"


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind
    # A total of this column (the table's total row) is the sum of its cells, so a
    # hidden cell could be worked out by subtraction: complementary suppression applies.
    additive: bool = False
    # Linked columns of one row describe the same people (a category's people and its
    # spend); they are shown or hidden together, so one cannot betray the other.
    linked: bool = False


@dataclass(frozen=True)
class Cell:
    value: int | float | None  # None: nothing to show (a median of no stays)
    people: int | None  # distinct people behind it; None: not about people (beds)


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    name: str  # a slug: the CSV's name and the audit entry's object id
    title: str
    label_header: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    total: Row | None = None
    # A column whose cell in each row is the sum of the ``summed`` columns of that row.
    row_total: int | None = None
    summed: tuple[int, ...] = ()
    note: str = ""
    chart_column: int = 0  # which column the chart draws


# A long table (a year of weeks is 53 rows) shows its last rows and folds the earlier ones
# away (a <details>, no JavaScript): a page a manager scrolls through, not 6,700 px.
RECENT_ROWS = 12
FOLD_AFTER = 16


class Hidden(Enum):
    NO = ""
    SMALL = "small"  # fewer than k people
    COMPLEMENTARY = "complementary"  # hidden so that a small cell cannot be subtracted out


@dataclass(frozen=True)
class ShownCell:
    """A cell as every output shows it. A hidden cell carries no value at all, so no
    renderer can leak what suppression removed."""

    value: int | float | None
    text: str
    hidden: Hidden = Hidden.NO


@dataclass(frozen=True)
class ShownRow:
    label: str
    cells: tuple[ShownCell, ...]


@dataclass(frozen=True)
class ShownTable:
    name: str
    title: str
    label_header: str
    headers: tuple[str, ...]
    kinds: tuple[Kind, ...]
    rows: tuple[ShownRow, ...]
    total: ShownRow | None
    k: int
    note: str
    chart_column: int

    @property
    def hidden_count(self) -> int:
        rows = (*self.rows, self.total) if self.total else self.rows
        return sum(1 for row in rows for cell in row.cells if cell.hidden is not Hidden.NO)

    @property
    def earlier_rows(self) -> tuple[ShownRow, ...]:
        """The rows folded away on the page (oldest first), if the table is long."""
        return self.rows[:-RECENT_ROWS] if len(self.rows) > FOLD_AFTER else ()

    @property
    def recent_rows(self) -> tuple[ShownRow, ...]:
        """The rows the page shows open: all of a short table, the last of a long one."""
        return self.rows[len(self.earlier_rows) :]
