"""The public pages in a real browser, in every language they offer, as applicants at
risk have them: a small phone, JavaScript off, a screen reader or a keyboard.

For each language of ``settings_public.LANGUAGES``: ask for help with JavaScript off, keep
the codename, open the mailbox with it. On the way: the page's direction (right-to-left
for Arabic and Farsi, with the codename kept left-to-right and isolated), no sideways
scrolling at 320 and 360 px on the form, the receipt and the mailbox, and the
accessibility check of tests/a11y.js (labels, aria-describedby targets, contrast).

One public process and one browser serve the whole module; each test has its own
browser context (no cookies or history carried between them).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connections
from django.utils import translation
from playwright.sync_api import Browser, BrowserContext, Page

from tests.a11y import accessibility_problems
from tests.browser import chromium as open_chromium
from tests.factories import make_staff
from tests.processes import database_url, public_server
from waystation import settings_public
from waystation.accounts.roles import Role
from waystation.intake import screening
from waystation.intake.models import HelpRequest, MessageKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = [code for code, _name in settings_public.LANGUAGES]
RTL = {code for code in LANGUAGES if translation.get_language_info(code)["bidi"]}
# A screener's answer with a long unbroken line (a link, say), which must not widen the
# mailbox on a phone.
REPLY = "We read your request. " + "https://example.org/" + "a" * 120
PHONE_WIDTHS = (320, 360)


@dataclass
class Site:
    url: str
    browser: Browser


@dataclass
class Visit:
    """A browser context with JavaScript off, and every URL it asked for."""

    site: Site
    context: BrowserContext
    page: Page
    requested: list[tuple[str, str]] = field(default_factory=list)  # (resource type, url)


@pytest.fixture(scope="module")
def site(django_db_setup, tmp_path_factory) -> Iterator[Site]:
    data_dir: Path = tmp_path_factory.mktemp("public-browser")
    server = public_server(
        database=database_url(), media_root=data_dir / "media", data_dir=data_dir
    )
    with server as (url, _process), open_chromium() as browser:
        yield Site(url, browser)


@pytest.fixture
def intake_key(db):
    screening.ensure_intake_key(actor_id=None)
    yield
    # Playwright hands control back in a context of its own: close the connections opened
    # there, or PostgreSQL refuses to drop the test database afterwards.
    connections.close_all()


def visit(site: Site, **options) -> Visit:
    context = site.browser.new_context(
        java_script_enabled=False, viewport={"width": 360, "height": 740}, **options
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    seen = Visit(site, context, page)
    context.on("request", lambda r: seen.requested.append((r.resource_type, r.url)))
    return seen


def overflow_at(page: Page, widths=PHONE_WIDTHS) -> dict[int, int]:
    """Width → how far the page is wider than the window (0 when it fits)."""
    found = {}
    for width in widths:
        page.set_viewport_size({"width": width, "height": 740})
        found[width] = page.evaluate(
            "() => document.documentElement.scrollWidth - window.innerWidth"
        )
    page.set_viewport_size({"width": 360, "height": 740})
    return found


def assert_fits_and_passes(page: Page, what: str) -> None:
    assert overflow_at(page) == dict.fromkeys(PHONE_WIDTHS, 0), f"{what} scrolls sideways"
    assert accessibility_problems(page) == [], what


def follow(page: Page, selector: str) -> None:
    """Click a link or a submit button and wait for the page it leads to: with
    JavaScript off every click is a navigation, and ``click`` returns before it ends."""
    with page.expect_navigation():
        page.click(selector)


def computed(page: Page, selector: str, prop: str) -> str:
    return page.eval_on_selector(selector, f"e => getComputedStyle(e).{prop}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_ask_keep_the_codename_and_open_the_mailbox(site, intake_key, language):
    seen = visit(site)
    page = seen.page
    page.goto(f"{site.url}/{language}/")

    # The form: its language and direction, on a phone, for a screen reader.
    assert page.get_attribute("html", "lang") == language
    direction = "rtl" if language in RTL else "ltr"
    assert page.get_attribute("html", "dir") == direction
    assert computed(page, "main", "direction") == direction
    assert_fits_and_passes(page, f"the form in {language}")

    page.fill("#id_story", "They took my phone; I am at a friend's place.")
    page.check("#id_urgency_1")
    page.select_option("#id_country", "RU")
    follow(page, "main form button[type=submit]")

    # The receipt: the codename reads left to right, isolated from the text around it.
    codename = page.inner_text("p.codename").strip()
    assert len(codename.split()) == 7, page.inner_text("main")[:500]
    assert computed(page, "main", "direction") == direction
    assert computed(page, "p.codename", "direction") == "ltr"
    assert computed(page, "p.codename", "unicodeBidi") == "isolate"
    assert computed(page, "ol.codename-words", "direction") == "ltr"
    assert_fits_and_passes(page, f"the receipt in {language}")

    # A screener answers (staff side, in this process).
    screening.answer_request(
        user=make_staff(Role.SCREENER),
        request_id=HelpRequest.objects.get().id,
        kind=MessageKind.REPLY,
        text=REPLY,
    )

    # The mailbox: the codename is typed left to right, also on a right-to-left page.
    follow(page, "main a.button")
    assert page.url == f"{site.url}/{language}/mailbox/"
    assert computed(page, "#id_codename", "direction") == "ltr"
    assert_fits_and_passes(page, f"the mailbox door in {language}")
    page.fill("#id_codename", codename)
    follow(page, "main form button[type=submit]")
    assert page.locator("button.safe").count() == 1, page.inner_text("main")[:500]
    assert computed(page, "main", "direction") == direction
    assert REPLY in page.inner_text("li.from-us")
    assert computed(page, "p.help bdi", "unicodeBidi") == "isolate"
    assert computed(page, "li.from-us .meta bdi", "unicodeBidi") == "isolate"
    assert_fits_and_passes(page, f"the mailbox in {language}")

    # The pages asked for themselves and their stylesheet, from this server only: no
    # script, no font, no image, nothing from elsewhere; and no cookie.
    assert {kind for kind, _url in seen.requested} <= {"document", "stylesheet"}
    assert [u for _kind, u in seen.requested if not u.startswith(site.url + "/")] == []
    assert seen.context.cookies() == []
    seen.context.close()


@pytest.mark.parametrize("language", ["en", "fa"])
def test_the_other_pages_fit_and_pass_too(site, intake_key, language):
    seen = visit(site)
    page = seen.page
    for path in ("safety/", "nope/"):
        page.goto(f"{site.url}/{language}/{path}")
        assert_fits_and_passes(page, f"/{language}/{path}")
    page.goto(f"{site.url}/{language}/mailbox/")
    page.fill("#id_codename", "not my codename")
    follow(page, "main form button[type=submit]")
    assert page.locator("p.errors").count() == 1
    assert_fits_and_passes(page, f"a wrong codename in {language}")
    seen.context.close()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_errors_and_help_are_tied_to_their_fields(site, intake_key, language):
    seen = visit(site)
    page = seen.page
    page.goto(f"{site.url}/{language}/")
    follow(page, "main form button[type=submit]")  # nothing filled in
    assert page.locator("#id_story_error").count() == 1
    described = page.get_attribute("#id_story", "aria-describedby").split()
    assert described == ["id_story_helptext", "id_story_error"]
    assert page.get_attribute("#id_story", "aria-invalid") == "true"
    assert page.get_attribute("fieldset.choices", "aria-describedby") == "id_urgency_error"
    assert_fits_and_passes(page, f"the form with errors in {language}")
    seen.context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_quick_exit_is_on_the_side_the_script_starts(site, intake_key, language):
    seen = visit(site)
    page = seen.page
    page.goto(f"{site.url}/{language}/")
    box = page.locator("a.quick-exit").bounding_box()
    body = page.eval_on_selector(
        "body",
        "b => { const r = b.getBoundingClientRect(), s = getComputedStyle(b);"
        " return [r.left + parseFloat(s.paddingLeft), r.right - parseFloat(s.paddingRight)]; }",
    )
    if language in RTL:
        assert abs(box["x"] + box["width"] - body[1]) < 1, (box, body)
    else:
        assert abs(box["x"] - body[0]) < 1, (box, body)
    assert box["height"] >= 44  # a finger's width, even in a hurry
    seen.context.close()


def test_every_control_shows_keyboard_focus(site, intake_key):
    seen = visit(site)
    page = seen.page
    page.goto(f"{site.url}/en/")
    reached = set()
    for _ in range(40):
        page.keyboard.press("Tab")
        state = page.evaluate(
            "() => { const e = document.activeElement, s = getComputedStyle(e);"
            " return [e.tagName + '#' + e.id + '.' + e.className, s.outlineStyle,"
            " parseFloat(s.outlineWidth), s.boxShadow]; }"
        )
        name, style, width, shadow = state
        if name.startswith("BODY"):
            continue
        reached.add(name)
        assert (style != "none" and width >= 2) or shadow != "none", state
    # The keyboard reaches the quick exit, the story, the radios' group, the file picker
    # and the button that sends the form.
    assert any("quick-exit" in n for n in reached)
    assert "TEXTAREA#id_story." in reached
    assert "INPUT#id_attachments." in reached
    assert any(n.startswith("BUTTON") for n in reached)
    seen.context.close()


@pytest.mark.parametrize("language", ["en", "fa"])
def test_dark_colour_scheme_keeps_its_contrast(site, intake_key, language):
    seen = visit(site, color_scheme="dark")
    page = seen.page
    page.goto(f"{site.url}/{language}/")
    follow(page, "main form button[type=submit]")  # errors in red, on the dark page too
    assert accessibility_problems(page) == []
    seen.context.close()


def test_a_language_the_page_does_not_have_falls_back_to_english(site, intake_key):
    seen = visit(site, locale="de-DE", extra_http_headers={"Accept-Language": "de-DE,de;q=0.9"})
    page = seen.page
    page.goto(f"{site.url}/")
    assert page.url == f"{site.url}/en/"
    page.goto(f"{site.url}/de/mailbox/")
    assert page.url == f"{site.url}/en/mailbox/"
    assert page.get_attribute("html", "lang") == "en"
    # The language list comes first on the page, before the form, after the quick exit.
    order = page.evaluate(
        "() => [...document.querySelectorAll('a.quick-exit, nav.languages, main')]"
        ".map(e => e.className || e.tagName)"
    )
    assert order == ["quick-exit", "languages", "MAIN"]
    # Choosing a language is a link, and nothing remembers it.
    follow(page, "nav.languages a[hreflang=fa]")
    assert page.url == f"{site.url}/fa/mailbox/"
    page.goto(f"{site.url}/")
    assert page.url == f"{site.url}/en/"
    assert seen.context.cookies() == []
    seen.context.close()


def test_the_accessibility_check_finds_what_it_looks_for(site):
    context = site.browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_content(
        "<body style='background:#fff'>"
        "<input type=text id=a aria-describedby='a_help gone'><p id=a_help>help</p>"
        "<label for=b>B</label><select id=b></select>"
        "<label>C <textarea></textarea></label>"
        "<input type=text aria-label='D'><input type=hidden>"
        "<p style='color:#999'>pale</p><p style='color:#000;background:rgba(0,0,0,.9)'>dark</p>"
        "<p style='color:#767676'>just enough</p></body>"
    )
    problems = accessibility_problems(page)
    assert len(problems) == 4, problems
    assert problems[0].startswith("no label: input#a")
    assert 'missing id "gone"' in problems[1]
    assert "pale" in problems[2] and "dark" in problems[3]
    context.close()
