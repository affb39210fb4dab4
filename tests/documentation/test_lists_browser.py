# ruff: noqa: RUF001  # Russian text on purpose: a list in Cyrillic
"""Lists and matching in a real browser with JavaScript off, through a live server: a
documentation officer creates two lists, imports a CSV file into one (the progress page
shows it done) and a refused one (the report names rows, never values), types an entry
into the other, looks for matches and confirms one. Every page passes the accessibility
check and loads nothing from elsewhere."""

from __future__ import annotations

import pytest

from tests.a11y import accessibility_problems
from tests.browser import chromium
from tests.cases.test_browser_flow import sign_in
from tests.factories import make_staff
from waystation.accounts.roles import Role
from waystation.documentation.models import ListedPerson, MatchStatus, ProposedMatch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser():
    with chromium() as browser:
        yield browser


def _checked(page, what: str) -> None:
    assert accessibility_problems(page) == [], what


def _new_list(page, name: str, kind: str) -> None:
    page.get_by_label("Name of the list").fill(name)
    page.locator("#list-kind").select_option(label=kind)
    page.get_by_role("button", name="Create the list").click()
    assert "List created." in page.content()


def test_an_officer_imports_types_and_confirms_a_match(browser, live_server, tmp_path):
    officer = make_staff(Role.DOCUMENTATION, "egor.b")
    page, requested = sign_in(browser, live_server, officer)
    page.goto(f"{live_server.url}/documentation/lists/")
    _checked(page, "the lists page")

    _new_list(page, "Hotline", "Our hotline")
    good = tmp_path / "hotline.csv"
    good.write_bytes(
        "\ufeffname;birth_year;phone\nРуслан Умаров;1990;+7 912 000 00 01\n"
        "Adam Dudayev;1985;\n".encode()
    )
    page.locator("#import-file").set_input_files(str(good))
    page.get_by_role("button", name="Import", exact=True).click()
    assert "All 2 rows were imported." in page.content()
    assert page.locator("progress").get_attribute("value") == "2"
    _checked(page, "a finished import")

    page.get_by_role("link", name="Hotline").click()
    bad = tmp_path / "bad.csv"
    bad.write_text("name,phone\nKheda Secretova,=HYPERLINK()\n", encoding="utf-8")
    page.locator("#import-file").set_input_files(str(bad))
    page.get_by_role("button", name="Import", exact=True).click()
    assert "Nothing was imported" in page.content()
    assert "Secretova" not in page.content() and "HYPERLINK" not in page.content()
    _checked(page, "a refused import")

    page.get_by_role("link", name="Hotline").click()
    page.get_by_role("link", name="All lists").click()
    _new_list(page, "Partner A", "Partner organisation")
    page.locator("#entry-name").fill("Ruslan Umarov")
    page.locator("#entry-birth_year").fill("1990")
    page.get_by_role("button", name="Add the entry").click()
    assert "Entry added." in page.content()
    _checked(page, "a list")

    page.get_by_role("link", name="All lists").click()
    page.get_by_role("link", name="Review proposed matches").click()
    page.get_by_role("button", name="Look for new matches").click()
    assert "the same name and birth year" in page.content()
    _checked(page, "the review of matches")
    page.get_by_role("button", name="Confirm: the same person").click()
    assert "Confirmed: the two entries are one person." in page.content()

    match = ProposedMatch.objects.get()
    assert match.status == MatchStatus.CONFIRMED
    assert ListedPerson.objects.count() == 3
    assert all(url.startswith(live_server.url) for url in requested), requested
