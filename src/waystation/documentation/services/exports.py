"""The documentation figures as files: one table as CSV, every table as JSON. The same
suppressed tables as the page (``selectors.figures.shown_figures``), so a download shows
nothing the page hides, and never a person. Each download, and each showing of the page,
writes one audit entry: which export (and of which table), and the filters it was asked
for (months, kind, country and region codes: ``Filters.audit_id``), never a figure. Many
near-identical filters in a row are what an attempt to difference figures looks like."""

from __future__ import annotations

import csv
import io
import json

from django.db import transaction
from django.utils import timezone

from waystation.accounts.models import Actor
from waystation.audit import services as audit
from waystation.documentation.selectors.figures import Figures, Filters, shown_figures
from waystation.web.figures.spreadsheet import safe_cell
from waystation.web.figures.suppression import legend
from waystation.web.figures.tables import ShownRow, ShownTable


def _lines(table: ShownTable) -> list[ShownRow]:
    return [*table.rows, *([table.total] if table.total else [])]


def table_csv(table: ShownTable, filters: Filters) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(table.label_header), *(safe_cell(h) for h in table.headers)])
    for row in _lines(table):
        writer.writerow([safe_cell(row.label), *(safe_cell(c.text) for c in row.cells)])
    writer.writerow([])
    writer.writerow([safe_cell(f"# {table.title}: {filters.query()}")])
    writer.writerow([safe_cell(f"# {legend(table.k)}")])
    return out.getvalue()


def figures_json(figures: Figures, filters: Filters) -> str:
    """Every table, each cell with its text as shown and its value (``null`` when hidden,
    with why: ``small`` or ``complementary``)."""

    def cells(row: ShownRow) -> list[dict[str, object]]:
        return [
            {"text": cell.text, "value": cell.value, "hidden": cell.hidden.value or None}
            for cell in row.cells
        ]

    document = {
        "filters": {
            "start": filters.first_month,
            "end": filters.last_month,
            "kind": filters.kind or None,
            "country": filters.country or None,
            "region": filters.region or None,
        },
        "k": figures.k,
        "legend": legend(figures.k),
        "produced_at": timezone.now().isoformat(timespec="seconds"),
        "sentences": list(figures.sentences),
        "tables": [
            {
                "name": table.name,
                "title": table.title,
                "note": table.note,
                "label_header": table.label_header,
                "headers": list(table.headers),
                "rows": [{"label": row.label, "cells": cells(row)} for row in table.rows],
                "total": (
                    {"label": table.total.label, "cells": cells(table.total)}
                    if table.total
                    else None
                ),
            }
            for table in figures.tables
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


@transaction.atomic
def show_figures(*, user: Actor, filters: Filters) -> Figures:
    """The page's figures, with the filters asked for in the audit log."""
    figures = shown_figures(user=user, filters=filters)
    audit.record(
        actor_id=user.pk,
        action="documentation.figures_viewed",
        object_type="figures",
        object_id=filters.audit_id(),
    )
    return figures


@transaction.atomic
def export_table_csv(*, user: Actor, name: str, filters: Filters) -> tuple[ShownTable, str]:
    """One table as CSV (``UnknownTable`` for a name that is none)."""
    table = shown_figures(user=user, filters=filters).table(name)
    text = table_csv(table, filters)
    audit.record(
        actor_id=user.pk,
        action="documentation.figures_csv_exported",
        object_type=f"figures.{table.name}",
        object_id=filters.audit_id(),
    )
    return table, text


@transaction.atomic
def export_figures_json(*, user: Actor, filters: Filters) -> str:
    figures = shown_figures(user=user, filters=filters)
    text = figures_json(figures, filters)
    audit.record(
        actor_id=user.pk,
        action="documentation.figures_json_exported",
        object_type="figures",
        object_id=filters.audit_id(),
    )
    return text
