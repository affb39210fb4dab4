"""The numbers page, its CSV downloads and the donor report, through the test client."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from tests.relocation.test_numbers_data import close, make_case, pay, programme
from waystation.audit.models import AuditEntry
from waystation.cases.models import Outcome
from waystation.relocation.reports.export import safe_cell

PAGE = "/relocation/numbers/"
CSV = "/relocation/numbers/csv/{}/"
PDF = "/relocation/numbers/report.pdf"
TABLES = ["requests", "queue", "stage_times", "outcomes", "spend", "per_person", "occupancy"]


@pytest.fixture
def three_relocated(team):
    """Three people relocated this month, fewer than k = 5, with 4,000.00 spent on them."""
    today = timezone.localdate()
    main = programme("Main")
    for _ in range(3):
        case = make_case(team, opened=today - dt.timedelta(days=40))
        close(case, today - dt.timedelta(days=1))
        pay(case, main, minor=400_000, on=today - dt.timedelta(days=2), category="medical")
    return main


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


# --- who may see them ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["screener", "caseworker", "logistics", "documentation", "admin"])
@pytest.mark.parametrize("url", [PAGE, CSV.format("spend"), PDF])
def test_only_programme_managers_see_the_numbers(staff, client_for, role, url):
    response = client_for(getattr(staff, role)).get(url)
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action__startswith="numbers.").exists()


def test_signed_out_visitors_are_sent_to_sign_in(db):
    response = Client().get(PAGE)
    assert response.status_code == 302
    assert "login" in response["Location"] or "accounts" in response["Location"]


def test_the_pages_refuse_a_post(staff, client_for):
    assert client_for(staff.manager).post(PAGE).status_code == 405


# --- the page --------------------------------------------------------------------------------


def test_the_page_shows_every_figure_with_chart_table_and_csv_link(staff, client_for):
    response = client_for(staff.manager).get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    for name in TABLES:
        assert f'id="{name}"' in page
        assert f'href="{CSV.format(name)}?' in page
    assert page.count("<svg ") == len(TABLES)
    assert page.count('role="img"') == len(TABLES)
    assert page.count("<title id=") == len(TABLES)
    assert 'href="/relocation/numbers/report.pdf?' in page


def test_the_page_has_no_inline_style_or_script_and_loads_nothing_from_elsewhere(
    staff, team, client_for, three_relocated
):
    response = client_for(staff.manager).get(PAGE)
    page = response.content.decode()
    assert "style=" not in page
    assert "<style" not in page
    assert "<script" not in page
    assert re.search(r"\son[a-z]+=", page) is None
    for url in re.findall(r'(?:src|href)="([^"]*)"', page):
        assert url.startswith(("/", "#", "?")), url
    assert "default-src 'none'" in response["Content-Security-Policy"]
    # each chart has its own ids, so no clip path of one is drawn on another
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))


def test_the_default_period_is_the_last_twelve_months(staff, client_for):
    today = timezone.localdate()
    page = client_for(staff.manager).get(PAGE).content.decode()
    start = today - dt.timedelta(days=364)
    assert f"From {start.isoformat()} to {today.isoformat()}" in page


def test_a_small_group_is_suppressed_on_the_page(staff, client_for, three_relocated):
    page = client_for(staff.manager).get(PAGE).content.decode()
    outcomes = page[page.index('id="outcomes"') : page.index('id="spend"')]
    assert "&lt; 5" in outcomes
    assert "4,000.00" not in page and "12,000.00" not in page
    assert ">3<" not in outcomes


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=2026-13-45&end=2026-02-01", "Enter a valid date"),
        ("start=yesterday&end=today", "Enter a valid date"),
        ("start=<script>alert(1)</script>&end=2026-01-01", "Enter a valid date"),
        ("start=2026-03-01&end=2026-01-01", "end of the period comes before its start"),
        ("start=2001-01-01&end=2026-01-01", "limited to five years"),
        ("start=1900-01-01&end=1901-01-01", "not covered"),
        ("start=2026-01-01&end=9999-12-31", "more than a year from today"),
        ("start=99999-01-01&end=2026-01-01", "Enter a valid date"),
        ("start=2026-01-01", "This field is required"),
        ("start=2026-01-01&end=2026-02-01&programme=%3Cb%3Ex", "Select a valid choice"),
        ("start=2026-01-01&end=2026-02-01&programme=" + "x" * 5000, "Select a valid choice"),
        ("start=" + "1" * 10000 + "&end=2026-01-01", "Enter a valid date"),
    ],
)
@pytest.mark.parametrize("url", [PAGE, CSV.format("spend"), PDF])
def test_a_bad_period_gets_a_clear_message_and_nothing_else(staff, client_for, query, message, url):
    response = client_for(staff.manager).get(f"{url}?{query}")
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "<script>alert" not in page
    assert "<svg" not in page
    assert not AuditEntry.objects.filter(action__startswith="numbers.").exists()


def test_a_period_of_exactly_five_years_is_accepted(staff, client_for):
    response = client_for(staff.manager).get(f"{PAGE}?start=2021-01-01&end=2025-12-31")
    assert response.status_code == 200


def test_a_programme_filters_the_money_figures(staff, client_for, three_relocated):
    other = programme("Другая программа")
    query = f"start=2022-01-01&end={timezone.localdate()}&programme={other.pk}"
    client = client_for(staff.manager)
    assert "money of Другая программа" in client.get(f"{PAGE}?{query}").content.decode()
    rows = list(
        csv.reader(io.StringIO(client.get(f"{CSV.format('spend')}?{query}").content.decode()))
    )
    assert rows[-4] == ["Total", "0", "0.00"]


# --- CSV -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TABLES)
def test_each_table_downloads_as_csv_and_the_export_is_audited(staff, client_for, name):
    response = client_for(staff.manager).get(CSV.format(name))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith(f'attachment; filename="waystation-{name}-')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows) >= 2
    entry = AuditEntry.objects.get(action="numbers.csv_exported")
    assert entry.object_id == name
    assert entry.actor_id == staff.manager.pk


def test_the_csv_shows_the_suppressed_table(staff, client_for, three_relocated):
    text = client_for(staff.manager).get(CSV.format("per_person")).content.decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["Relocated", "< 5", "< 5", "< 5"]
    assert "4,000.00" not in text and "12,000.00" not in text


@pytest.mark.parametrize("name", ["nope", "spend-x", "..", "%3Cscript%3E"])
def test_an_unknown_table_is_not_found(staff, client_for, name):
    assert client_for(staff.manager).get(CSV.format(name)).status_code == 404
    assert not AuditEntry.objects.filter(action="numbers.csv_exported").exists()


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("12", "12"),
        ("< 5", "< 5"),
    ],
)
def test_csv_cells_cannot_start_a_formula(text, written):
    assert safe_cell(text) == written


# --- the donor report ------------------------------------------------------------------------


def test_the_donor_report_is_a_pdf_of_suppressed_figures_and_is_audited(
    staff, client_for, three_relocated
):
    response = client_for(staff.manager).get(PDF)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    today = timezone.localdate()
    assert f"{today - dt.timedelta(days=364)} to {today}" in text
    assert "k = 5" in text
    for table in ["Requests per week", "Spend by category", "Safe-house occupancy per week"]:
        assert table in text
    assert "< 5" in text
    assert "4,000.00" not in text and "12,000.00" not in text
    assert b"Fictional" not in response.content
    entry = AuditEntry.objects.get(action="numbers.pdf_exported")
    assert (entry.object_type, entry.object_id) == ("report", "donor")


def test_the_donor_report_prints_non_latin_names(staff, client_for, settings):
    settings.WAYSTATION_ORGANISATION_NAME = "Сеть «Путь»"
    chosen = programme("Программа")
    url = f"{PDF}?start=2026-01-01&end=2026-06-30&programme={chosen.pk}"
    text = pdf_text(client_for(staff.manager).get(url).content)
    assert "Сеть «Путь»" in text
    assert "Программа" in text


def test_an_export_names_no_person_in_the_audit_log(staff, client_for, three_relocated):
    client = client_for(staff.manager)
    client.get(CSV.format("spend"))
    client.get(PDF)
    for entry in AuditEntry.objects.filter(action__startswith="numbers."):
        assert entry.object_id in {"spend", "donor"}


def test_outcome_labels_are_the_models(three_relocated):
    assert Outcome.RELOCATED.label == "Relocated abroad"


def test_charts_stay_plain_svg_after_a_qr_code_was_drawn(staff, client_for):
    """qrcode registers an "svg" prefix for the SVG namespace in the process; the charts
    must still come out as <svg>, which is what HTML draws."""
    import qrcode
    import qrcode.image.svg

    qrcode.make("otpauth://totp/x", image_factory=qrcode.image.svg.SvgPathImage).to_string()
    page = client_for(staff.manager).get(PAGE).content.decode()
    assert page.count("<svg ") == len(TABLES)
    assert "<svg:" not in page and "<ns0:" not in page


def test_chart_labels_are_text_a_screen_reader_can_read(staff, client_for):
    page = client_for(staff.manager).get(PAGE).content.decode()
    charts = re.findall(r"<svg .*?</svg>", page, flags=re.S)
    assert len(charts) == len(TABLES)
    for chart in charts:
        assert "<text" in chart and "font-size=" in chart
        assert "style=" not in chart
