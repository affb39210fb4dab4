"""The public pages' markup and stylesheet, in every public language, without a browser:
direction, bidi isolation, labels and aria-describedby targets, the fallback for a
language the pages do not have (no cookie), and what the first page weighs.
The same in a real browser: tests/intake/test_browser_public.py."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.template import Context, Template
from django.utils import translation

from waystation import settings_public

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _name in settings_public.LANGUAGES]
FIRST_PAGE_BUDGET = 60 * 1024  # bytes: the HTML and everything it loads


class Page(HTMLParser):
    """The few things these tests read from a page: the root's attributes, every form
    control, every label, every id, and the stylesheets and other things it loads."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root: dict[str, str] = {}
        self.ids: set[str] = set()
        self.controls: list[dict[str, str]] = []
        self.label_for: set[str] = set()
        self.open_labels = 0
        self.loads: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.root = a
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "label":
            self.open_labels += 1
            if "for" in a:
                self.label_for.add(a["for"])
        if tag in {"input", "select", "textarea"} and a.get("type") != "hidden":
            self.controls.append({**a, "_wrapped": "1" if self.open_labels else ""})
        if tag == "link" and a.get("rel") in {"stylesheet", "icon", "preload"}:
            self.loads.append(a.get("href", ""))
        if tag in {"script", "img", "iframe", "source", "video", "audio", "embed", "object"}:
            self.loads.append(a.get("src", a.get("data", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.open_labels -= 1

    def problems(self) -> list[str]:
        found = []
        for control in self.controls:
            labelled = (
                control.get("id") in self.label_for
                or control["_wrapped"]
                or control.get("aria-label")
                or control.get("aria-labelledby")
            )
            if not labelled:
                found.append(f"no label: {control}")
            for id_ in control.get("aria-describedby", "").split():
                if id_ not in self.ids:
                    found.append(f"aria-describedby names a missing id {id_!r}")
        return found


def page(response) -> Page:
    assert response.status_code in {200, 400, 403}, response.status_code
    return Page(response.content.decode())


# --- the stylesheet --------------------------------------------------------------------


def stylesheet() -> str:
    path = finders.find("waystation/public.css")
    assert path
    with open(path, encoding="utf-8") as css:
        return re.sub(r"/\*.*?\*/", "", css.read(), flags=re.S)  # comments may say "left"


def test_the_public_stylesheet_uses_logical_properties_only():
    css = stylesheet()
    assert re.findall(r"[\w-]*\b(?:left|right)\b[\w-]*", css) == []
    assert "float" not in css
    # A four-value box shorthand names the left and right sides; so does any value that
    # differs between them. Two or three values are the same on both sides.
    for prop, value in re.findall(
        r"\b(margin|padding|inset|border-width|border-style|border-color|border-radius)"
        r"\s*:\s*([^;}]+)",
        css,
    ):
        assert len(value.split()) <= 3, f"{prop}: {value}"


def test_the_public_stylesheet_loads_nothing():
    css = stylesheet()
    # No web font, no image, no other stylesheet: system fonts only.
    assert "url(" not in css
    assert "@import" not in css
    assert "@font-face" not in css
    assert "system-ui" in css


# --- direction and isolation ----------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_sets_lang_and_dir(public_client, intake_key, language):
    root = page(public_client.get(f"/{language}/")).root
    bidi = translation.get_language_info(language)["bidi"]
    assert root == {"lang": language, "dir": "rtl" if bidi else "ltr"}


def test_the_isolate_filter_wraps_escaped_text_and_keeps_the_msgid():
    rendered = Template(
        "{% load i18n public_text %}"
        "{% blocktranslate with date=value|isolate %}From us, {{ date }}{% endblocktranslate %}"
        " {{ code|isolate:'ltr' }}"
    ).render(Context({"value": "<b>7 Dec</b>", "code": "apple tree"}))
    assert rendered == (
        'From us, <bdi>&lt;b&gt;7 Dec&lt;/b&gt;</bdi> <bdi dir="ltr">apple tree</bdi>'
    )


# --- labels and descriptions ------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_control_has_a_label_and_existing_descriptions(public_client, intake_key, language):
    empty_form = page(public_client.get(f"/{language}/"))
    assert empty_form.problems() == []
    # The story field's help text is described by its id.
    story = next(c for c in empty_form.controls if c.get("id") == "id_story")
    assert story["aria-describedby"] == "id_story_helptext"

    with_errors = page(public_client.post(f"/{language}/", {"story": ""}))
    assert with_errors.problems() == []
    story = next(c for c in with_errors.controls if c.get("id") == "id_story")
    assert story["aria-describedby"] == "id_story_helptext id_story_error"

    door = page(public_client.get(f"/{language}/mailbox/"))
    assert door.problems() == []
    codename = next(c for c in door.controls if c.get("id") == "id_codename")
    assert (codename["dir"], codename["aria-describedby"]) == ("ltr", "codename-hint")

    wrong = page(public_client.post(f"/{language}/mailbox/", {"codename": "not a codename"}))
    assert wrong.problems() == []


# --- a language the pages do not have ---------------------------------------------------


@pytest.mark.parametrize(
    ("path", "to"),
    [("/de/", "/en/"), ("/de/mailbox/", "/en/mailbox/"), ("/pt-br/safety/", "/en/safety/")],
)
def test_a_language_we_do_not_have_goes_to_english_without_a_cookie(
    public_client, intake_key, path, to
):
    response = public_client.get(path)
    assert (response.status_code, response["Location"]) == (302, to)
    assert not response.cookies
    assert "Set-Cookie" not in response
    english = public_client.get(to)
    assert english.status_code == 200
    html = english.content.decode()
    # The language list is at the top: before the page's own content.
    assert html.index('class="languages"') < html.index("<main")
    for code in LANGUAGES:
        assert f'hreflang="{code}"' in html


@pytest.mark.parametrize(
    ("path", "to"),
    [
        ("/de//evil.example", "/en//evil.example"),
        ("/de/%2F%2Fevil.example", "/en///evil.example"),
        ("/de/\\evil.example", "/en/%5Cevil.example"),
        ("/de/%5C%5Cevil.example", "/en/%5C%5Cevil.example"),
        ("/de/%0D%0ASet-Cookie:%20x=1", "/en/%0D%0ASet-Cookie:%20x%3D1"),
        ("/de/https://evil.example", "/en/https://evil.example"),
        # Decoded once by the server, quoted once again: still the same path.
        ("/de/%3F//evil.example", "/en/%3F//evil.example"),
        ("/de/%23//evil.example", "/en/%23//evil.example"),
        ("/de/%252F%252Fevil.example", "/en/%252F%252Fevil.example"),
        ("/de/%E2%80%AE", "/en/%E2%80%AE"),
    ],
)
def test_the_redirect_to_english_stays_on_this_site_and_keeps_the_path(public_client, path, to):
    response = public_client.get(path)
    assert (response.status_code, response["Location"]) == (302, to)
    assert not response.cookies and "Set-Cookie" not in response


@pytest.mark.parametrize(
    ("path", "to"),
    [
        ("/EN/", "/en/"),
        ("/RU/mailbox/", "/ru/mailbox/"),
        ("/Fa/safety/", "/fa/safety/"),
        ("/DE/mailbox/", "/en/mailbox/"),
        ("/de/mailbox/?lang=x&a=%2F", "/en/mailbox/?lang=x&a=%2F"),
        ("/RU/?q=%D0%B4", "/ru/?q=%D0%B4"),
    ],
)
def test_a_prefix_in_another_case_goes_to_its_language_with_the_query(
    public_client, intake_key, path, to
):
    response = public_client.get(path)
    assert (response.status_code, response["Location"]) == (302, to)
    assert not response.cookies
    assert public_client.get(to).status_code == 200


def test_a_browser_asking_for_a_language_we_do_not_have_gets_english(public_client):
    response = public_client.get("/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert (response.status_code, response["Location"]) == (302, "/en/")
    assert not response.cookies


def test_other_unknown_addresses_are_not_redirected(public_client, intake_key):
    assert public_client.get("/nope/").status_code == 404
    # A first segment that merely starts like a language ("no" is Norwegian) is a page
    # that does not exist, answered as every other: /health must look the same.
    for path in ("/no-such-path", "/health", "/de-de-de/", "/es-/"):
        assert public_client.get(path).status_code == 404, path
    assert public_client.get("/leave/").status_code == 303
    # A form sent to a language we do not have is not silently re-sent elsewhere.
    assert public_client.post("/de/", {"story": "x"}).status_code == 404


@pytest.mark.parametrize("language", LANGUAGES)
def test_choosing_a_language_sets_no_cookie(public_client, intake_key, language):
    response = public_client.get(f"/{language}/")
    assert response.status_code == 200
    assert not response.cookies
    assert "Set-Cookie" not in response
    assert response["Content-Language"] == language


# --- weight -------------------------------------------------------------------------------


def first_page_bytes(client, language: str) -> int:
    response = client.get(f"/{language}/")
    total = len(response.content)
    loads = Page(response.content.decode()).loads
    assert loads, "the page loads no stylesheet?"
    for url in loads:
        if url.startswith("data:"):
            continue
        asset = client.get(url)
        assert asset.status_code == 200, url
        body = b"".join(asset.streaming_content) if asset.streaming else asset.content
        total += len(body)
    return total


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_first_page_weighs_less_than_60_kb(public_client, intake_key, language):
    assert first_page_bytes(public_client, language) < FIRST_PAGE_BUDGET
