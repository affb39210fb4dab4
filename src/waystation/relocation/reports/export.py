"""The same suppressed tables as CSV and as the donor report (PDF)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext

from waystation.relocation.reports import charts
from waystation.relocation.reports.period import Period
from waystation.web import invisible
from waystation.web.figures.spreadsheet import safe_cell
from waystation.web.figures.suppression import legend
from waystation.web.figures.tables import ShownRow, ShownTable


def dejavu_fonts() -> Path:
    """matplotlib's bundled DejaVu, which has Cyrillic: a font on the disk of every
    installation, nothing downloaded. matplotlib and fpdf are imported where a PDF is
    made, not on import: the staff URLconf imports this module (the numbers page), and
    every process would otherwise load both on start."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


PDF_CHARTS = ("requests", "spend")


def _lines(table: ShownTable) -> list[ShownRow]:
    return [*table.rows, *([table.total] if table.total else [])]


def to_csv(table: ShownTable, period: Period) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(table.label_header), *(safe_cell(h) for h in table.headers)])
    for row in _lines(table):
        writer.writerow([safe_cell(row.label), *(safe_cell(c.text) for c in row.cells)])
    writer.writerow([])
    about = gettext("%(title)s, %(start)s to %(end)s") % {
        "title": table.title,
        "start": period.start,
        "end": period.end,
    }
    writer.writerow([safe_cell(f"# {about}")])
    writer.writerow([safe_cell(f"# {legend(table.k)}")])
    return out.getvalue()


def organisation() -> str:
    return str(getattr(settings, "WAYSTATION_ORGANISATION_NAME", "") or "")


def to_pdf(tables: list[ShownTable], period: Period, *, today: dt.date) -> bytes:
    """The donor report: aggregate figures only, every table already suppressed."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos
    from fpdf.fonts import FontFace

    font = dejavu_fonts()
    pdf = FPDF(format="A4")
    pdf.set_creator("Waystation")
    pdf.set_creation_date(dt.datetime.combine(today, dt.time.min, tzinfo=dt.UTC))
    pdf.add_font("DejaVu", "", str(font / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(font / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    name = organisation()
    pdf.multi_cell(
        0,
        9,
        gettext("%(organisation)s: figures for donors") % {"organisation": name}
        if name
        else gettext("Figures for donors"),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_font("DejaVu", "", 10)
    k = tables[0].k if tables else 0
    about = [
        gettext("Period: %(start)s to %(end)s (included).")
        % {"start": period.start.isoformat(), "end": period.end.isoformat()},
        # A programme's name is typed by staff: its invisible characters are shown.
        gettext("Programme: %(programme)s.")
        % {"programme": invisible.neutralise(period.programme.name)}
        if period.programme
        else gettext("All programmes."),
        gettext("Money in %(currency)s, approved payments only.")
        % {"currency": settings.WAYSTATION_REPORTING_CURRENCY},
        gettext("Small cells suppressed with k = %(k)s. %(legend)s")
        % {"k": k, "legend": legend(k)},
        gettext("Produced on %(day)s.") % {"day": today.isoformat()},
    ]
    for line in about:
        pdf.multi_cell(0, 5.5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for table in tables:
        pdf.ln(4)
        pdf.set_font("DejaVu", "B", 12)
        pdf.multi_cell(0, 7, table.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if table.name in PDF_CHARTS:
            pdf.image(io.BytesIO(charts.png(table)), w=pdf.epw)
        pdf.set_font("DejaVu", "", 8)
        with pdf.table(
            headings_style=FontFace(emphasis="BOLD"),
            line_height=4.5,
            text_align="LEFT",
            padding=1,
        ) as grid:
            heading = grid.row()
            for text in (table.label_header, *table.headers):
                heading.cell(text)
            for row in _lines(table):
                printed = grid.row()
                printed.cell(row.label)
                for cell in row.cells:
                    printed.cell(cell.text)
        if table.note:
            pdf.set_font("DejaVu", "", 8)
            pdf.multi_cell(0, 4.5, table.note, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
