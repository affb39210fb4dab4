# ruff: noqa: RUF001  # Russian text on purpose: these tests read Russian pages
"""The staff side in Russian: the member's language, dates and numbers in it, a complete
staff catalogue apart from the applicants' one, and every translated staff page free of
English (docs/translating.md)."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.numbers import get_currency_name
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from tests.accounts.conftest import entries
from tests.factories import make_staff, signed_in_client
from tests.intake.test_languages import makefile_list, po_entries
from waystation.accounts.roles import Role
from waystation.accounts.templatetags.staff_format import (
    local_date,
    local_datetime,
    local_money,
    local_number,
)
from waystation.ids import RANDOM_ID_LENGTH
from waystation.partners.services import partners as partner_services
from waystation.partners.services.partners import PartnerDetails
from waystation.relocation.currencies import active_currencies

SOURCE = Path(__file__).resolve().parents[2] / "src" / "waystation"
STAFF_LOCALE = SOURCE / "locale_staff"
STAFF_PO = STAFF_LOCALE / "ru" / "LC_MESSAGES" / "django.po"

pytestmark = pytest.mark.django_db

# URL names whose pages are not translated yet (their templates and views belong to the
# next round, see the Makefile's STAFF_NOT_YET). Empty it as they are done.
NOT_YET = {
    "api:docs",  # Swagger UI: a third party's page, in English by design
    "api:schema",
}
NOT_YET_PREFIXES = ("api:v1",)
# Routes whose ids this walk has no fixture for; each has a walk of its own with a world
# to fill them (tests/cases, tests/relocation, tests/intake, tests/documentation
# ..._in_russian.py).
WALKED_ELSEWHERE = ("partners:", "api:", "intake:", "cases:", "relocation:", "documentation:")
# Never translated: product, protocol and language names, and the two-letter example of
# a country code. Text in <code> is not read at all: it is data or a command.
ALLOWED = {
    "Waystation", "API", "English", "QR", "Aegis", "FreeOTP", "Google", "Authenticator",
    "FAS", "age", "UTC", "SHA", "Signal", "WhatsApp", "Telegram", "DE",
    "FIDO", "WebAuthn", "USB", "NFC", "JavaScript",  # security keys
    "docs", "operations", "md", "Backups",  # the backup line's pointer to the docs
    "ISO", "B",  # ISO 3166 codes; the Admiralty grade B2 (documentation figures)
}  # fmt: skip
# File formats; currency codes, and the Latin letters in CLDR's Russian currency names
# (франк КФА BEAC): data on the money pages, as country codes are.
# ISO and its country and subdivision codes, in the examples of the record's forms.
ALLOWED |= {"ISO", "RU", "CE", "GE"}
ALLOWED |= {"CSV", "PDF", "JSON", "JPEG", "PNG", "WebP"} | {
    word
    for code in active_currencies()
    for word in re.findall(r"[A-Za-z]+", f"{code} {get_currency_name(code, locale='ru')}")
}
# Elements of a page not yet translated. base.html's header is done; keep the door for
# the next shared template.
NOT_YET_ELEMENTS: set[tuple[str, str, str]] = set()


class _VisibleText(HTMLParser):
    """The text a person sees or hears: text outside script and style, and the
    attributes shown or read aloud."""

    ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden: list[str] = []  # the open elements whose text is not read

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        skipped = tag in ("script", "style", "code") or any(
            tag == name and found.get(attribute) == value
            for name, attribute, value in NOT_YET_ELEMENTS
        )
        if (self._hidden and tag == self._hidden[-1]) or skipped:
            self._hidden.append(tag)
        if self._hidden:
            return
        for name in self.ATTRIBUTES:
            if found.get(name):
                self.parts.append(str(found[name]))
        if tag == "input" and found.get("type") in ("submit", "button") and found.get("value"):
            self.parts.append(str(found["value"]))

    def handle_endtag(self, tag: str) -> None:
        if self._hidden and tag == self._hidden[-1]:
            self._hidden.pop()

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def english_words(html: str, fixture_words: set[str]) -> set[str]:
    parser = _VisibleText()
    parser.feed(html)
    # Hashes and ids (hex or base32 runs with digits, as the audit head's) are data, and
    # so is a row's random id (waystation.ids), which now and then has no digit at all.
    text = re.sub(r"\b(?=\w*\d)\w{8,}\b", " ", " ".join(parser.parts))
    text = re.sub(rf"\b[a-z2-7]{{{RANDOM_ID_LENGTH}}}\b", " ", text)
    words = set(re.findall(r"[A-Za-z]+", text))
    return {w for w in words if w not in ALLOWED | fixture_words}


def _patterns(resolver: URLResolver, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found: list[tuple[str, URLPattern]] = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            space = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            found.extend(_patterns(entry, space))
        elif entry.name:
            found.append((f"{prefix}{entry.name}", entry))
    return found


def staff_url_names() -> list[tuple[str, URLPattern]]:
    return sorted(_patterns(get_resolver()), key=lambda item: item[0])


def _skipped(name: str) -> bool:
    return name in NOT_YET or name.startswith(NOT_YET_PREFIXES)


@pytest.fixture
def world(db):
    """One member per role, and a partner: what the id routes need."""
    members = {role: make_staff(role, username=f"m{i}") for i, role in enumerate(Role)}
    manager = members[Role.PROGRAMME_MANAGER]
    partner = partner_services.add_partner(
        user=manager,
        details=PartnerDetails(
            name="Harbour Shelter", country="DE", kinds=["shelter"], contacts="Desk 3"
        ),
    )
    return members, partner


def _kwargs_for(pattern: URLPattern, members, partner) -> dict[str, object] | None:
    names = set(pattern.pattern.regex.groupindex)
    kwargs: dict[str, object] = {}
    for name in names:
        if name == "pk":
            kwargs[name] = members[Role.CASEWORKER].pk
        elif name == "partner_id":
            kwargs[name] = partner.id
        else:
            return None  # an id of something the walk has no fixture for
    return kwargs


def test_every_translated_staff_page_is_russian_for_every_role(world):
    members, partner = world
    fixture_words = {"Harbour", "Shelter", "Desk"} | {
        w for member in members.values() for w in re.findall(r"[A-Za-z]+", member.username)
    }
    # The partner's random id is data: now and then it has no digit and reads as a word.
    fixture_words |= set(re.findall(r"[A-Za-z]+", str(partner.id)))
    walked, unwalked, failures = set(), set(), {}
    for role, member in members.items():
        client = signed_in_client(member, reauthenticated=True)
        member.language = "ru"
        member.save(update_fields=["language"])
        for name, pattern in staff_url_names():
            if _skipped(name):
                continue
            kwargs = _kwargs_for(pattern, members, partner)
            if kwargs is None:
                unwalked.add(name)
                continue
            try:
                url = reverse(name, kwargs=kwargs)
            except NoReverseMatch:  # a name shared by two includes (api tokens)
                unwalked.add(name)
                continue
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            walked.add(name)
            found = english_words(response.content.decode(), fixture_words)
            if found:
                failures[f"{role.value} {name}"] = sorted(found)
    assert failures == {}
    # The walk reached the pages it is for (a broken walk must not pass by seeing nothing).
    assert {
        "accounts:security",
        "accounts:staff_list",
        "accounts:staff_detail",
        "accounts:password_change",
        "partners:list",
        "partners:detail",
        "partners:identity",
        "api_tokens:list",
        "api_tokens:new",
        "home",
    } <= walked
    assert unwalked <= {
        "accounts:staff_set_role",  # POST-only routes and referral ids: no GET page
        "api_tokens:revoke",
        "api_partner_tokens:revoke",
        "api_partner_tokens:list",
        "api_partner_tokens:new",
        "api_tokens:list",
        "api_tokens:new",
        "documentation:figures_csv",  # a table's name; tests/documentation walks its CSV
    } | {n for n, _ in staff_url_names() if n.startswith(WALKED_ELSEWHERE)}


def test_the_check_reads_text_and_attributes_and_skips_code_and_scripts():
    html = (
        '<p>Привет, Waystation</p><img alt="Photo"><button title="Close">Да</button>'
        '<input type="submit" value="Send"><script>var hidden</script><code>wst_abc</code>'
        '<nav aria-label="Account"><a href="/">Cases</a></nav><p>Partner Harbour</p>'
    )
    html += "<p>3fa9c0bcb1be… Token</p>"
    html += "<p>Дело xjhagpjbwjcupbls</p>"  # a random id without a digit: data too
    assert english_words(html, {"Harbour"}) == {
        "Photo", "Close", "Send", "Account", "Cases", "Partner", "Token",
    }  # fmt: skip


def test_the_sign_in_page_is_russian_for_a_russian_browser():
    html = Client(HTTP_ACCEPT_LANGUAGE="ru").get(reverse("accounts:login")).content.decode()
    assert "Войти" in html and "Продолжить" in html
    assert english_words(html, set()) == set()


def test_the_browser_language_is_the_default_and_the_members_choice_wins(db):
    member = make_staff(Role.CASEWORKER)
    client = signed_in_client(member)
    page = client.get(reverse("accounts:security"), HTTP_ACCEPT_LANGUAGE="ru")
    assert page["Content-Language"] == "ru" and "Моя учётная запись" in page.content.decode()
    # The page says which language it is in, for screen readers and the browser.
    assert '<html lang="ru">' in page.content.decode()
    # Each language is offered in its own name, so one who reads no Russian finds theirs.
    assert 'lang="en">English</button>' in page.content.decode()
    response = client.post(
        reverse("accounts:language"), {"language": "en", "next": "/accounts/me/"}
    )
    assert response.status_code == 302 and response.url == "/accounts/me/"
    member.refresh_from_db()
    assert member.language == "en"
    page = client.get(reverse("accounts:security"), HTTP_ACCEPT_LANGUAGE="ru")
    assert page["Content-Language"] == "en" and "My account" in page.content.decode()
    assert '<html lang="en">' in page.content.decode()
    assert 'lang="ru">Русский</button>' in page.content.decode()
    assert [e.object_id for e in entries("accounts.language_changed")] == [str(member.pk)]


def test_a_language_not_offered_changes_nothing(db):
    member = make_staff(Role.CASEWORKER)
    client = signed_in_client(member)
    client.post(reverse("accounts:language"), {"language": "fa"})
    member.refresh_from_db()
    assert member.language == ""
    assert entries("accounts.language_changed") == []


def test_the_sign_in_pages_switcher_works_before_signing_in():
    client = Client()
    client.get(reverse("accounts:login"))
    client.post(reverse("accounts:language"), {"language": "ru", "next": "/accounts/login/"})
    assert "Войти" in client.get(reverse("accounts:login")).content.decode()


def test_dates_numbers_and_money_in_the_members_language():
    moment = datetime(2026, 12, 7, 18, 16, tzinfo=UTC)
    with translation.override("en"):
        assert local_date(moment) == "7 Dec 2026"
        assert local_datetime(moment) == "7 Dec 2026, 18:16"
        assert local_number(Decimal("12345.5")) == "12,345.5"
        assert local_money(Decimal("1234.5"), "EUR") == "€1,234.50"
    with translation.override("ru"):
        assert local_date(moment) == "7 дек. 2026\u202fг."
        assert local_datetime(moment) == "7 дек. 2026\u202fг., 18:16"
        assert local_number(Decimal("12345.5")) == "12\xa0345,5"
        assert local_money(Decimal("1234.5"), "EUR") == "1\xa0234,50\xa0€"
    assert local_datetime(None) == ""


def test_the_staff_catalogue_is_complete_and_apart_from_the_applicants():
    entries_ = po_entries(STAFF_PO)
    assert len(entries_) > 300
    assert [m for m, strs, fuzzy in entries_ if fuzzy or not all(strs)] == []
    for msgid, msgstrs, _ in entries_:
        wanted = set(re.findall(r"%\(\w+\)[sd]", msgid))
        for msgstr in msgstrs:
            assert set(re.findall(r"%\(\w+\)[sd]", msgstr)) == wanted, msgid
    public = {m for m, _, _ in po_entries(SOURCE / "locale" / "ru" / "LC_MESSAGES" / "django.po")}
    assert "Sign out everywhere" not in public and "Partner organisations" not in public


def test_the_public_process_reads_the_applicants_catalogue_only():
    from waystation import settings_public

    assert settings_public.LOCALE_PATHS == [SOURCE / "locale"]


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="needs gettext's msgfmt")
def test_the_committed_staff_mo_matches_its_po(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", compiled, STAFF_PO], check=True)
    assert compiled.read_bytes() == STAFF_PO.with_suffix(".mo").read_bytes(), "make messages"


# The translated staff apps and templates (the Makefile's staff pass, less STAFF_NOT_YET).
TRANSLATED = [
    "accounts", "api", "audit", "backups", "demo", "home", "partners", "status", "vault",
    "web", "templates/accounts", "templates/api", "templates/registration",
    "templates/partners", "templates/status", "templates/vault", "templates/waystation",
    "templates/base.html", "cases", "templates/cases", "relocation", "templates/relocation",
    "documentation", "templates/documentation", *makefile_list("INTAKE_STAFF"),
]  # fmt: skip


@pytest.mark.skipif(not shutil.which("xgettext"), reason="needs gettext's xgettext")
def test_makemessages_finds_nothing_the_staff_catalogue_lacks(tmp_path, settings, monkeypatch):
    from django.core.management import call_command

    work = tmp_path / "waystation"
    for part in TRANSLATED:
        source, target = SOURCE / part, work / part
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
    (work / "locale_staff").mkdir()
    settings.LOCALE_PATHS = [work / "locale_staff"]
    monkeypatch.chdir(work)
    call_command("makemessages", locale=["ru"], verbosity=0, no_location=True)
    fresh = {
        m for m, _, _ in po_entries(work / "locale_staff" / "ru" / "LC_MESSAGES" / "django.po")
    }
    committed = {m for m, _, _ in po_entries(STAFF_PO)}
    assert fresh - committed == set()
