"""What the numbers pages ask for: the suppressed tables, and the two exports, each
export with its audit entry (ids and names only, never a figure)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from waystation.accounts.models import Actor
from waystation.relocation.reports import export, figures
from waystation.relocation.reports.period import Period
from waystation.relocation.services.common import VIEW_NUMBERS, record, require
from waystation.web.figures.suppression import suppress
from waystation.web.figures.tables import ShownTable

REFUSED = _("Your role does not show the organisation's figures.")


class UnknownTable(LookupError):
    """No table has that name (the view answers 404)."""


def shown_tables(*, user: Actor, period: Period) -> list[ShownTable]:
    """Every figure of the period, suppressed: the one door to figures for any output."""
    require(user, VIEW_NUMBERS, str(REFUSED))
    return [suppress(table) for table in figures.all_tables(period)]


def export_csv(*, user: Actor, name: str, period: Period) -> tuple[ShownTable, str]:
    require(user, VIEW_NUMBERS, str(REFUSED))
    table = figures.table(name, period)
    if table is None:
        raise UnknownTable(name)
    shown = suppress(table)
    text = export.to_csv(shown, period)
    record(user, "numbers.csv_exported", "report_table", shown.name)
    return shown, text


def export_pdf(*, user: Actor, period: Period) -> bytes:
    tables = shown_tables(user=user, period=period)
    document = export.to_pdf(tables, period, today=timezone.localdate())
    record(user, "numbers.pdf_exported", "report", "donor")
    return document
