# ruff: noqa: RUF001  # text in other scripts on purpose: these tests read the pages in them
"""Every public catalogue (ru, ar, fa, fr, es, tr, uk) is complete, keeps its msgids'
placeholders and is the one its pages speak; Arabic and Farsi render right to left; the
language is chosen by the address alone."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
from django.utils import translation

from tests.intake.test_public_pages import FORM, submit
from tests.processes import REPO, inspect_public_process
from waystation.intake import replies
from waystation.intake.models import MessageKind

SOURCE = Path(__file__).resolve().parents[2] / "src" / "waystation"
LOCALE = SOURCE / "locale"

pytestmark = pytest.mark.django_db


def po_entries(path: Path) -> list[tuple[str, list[str], bool]]:
    """(msgid, msgstrs, fuzzy) for each entry of a .po file."""
    entries = []
    for block in path.read_text().split("\n\n"):
        lines = block.splitlines()
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        current, parts = None, {}
        for line in lines:
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) (".*")$', line)
            if match:
                current = match.group(1)
                parts[current] = eval(match.group(2))
            elif line.startswith('"') and current:
                parts[current] += eval(line)
        if parts.get("msgid"):
            entries.append(
                (parts["msgid"], [v for k, v in parts.items() if k.startswith("msgstr")], fuzzy)
            )
    return entries


# Every public catalogue; the tests below check it is the same list as the public side's.
LANGUAGES = ["ru", "ar", "fa", "fr", "es", "tr", "uk"]
RIGHT_TO_LEFT = {"ar", "fa"}
# What a translation must carry over from its msgid: Python placeholders, brace
# placeholders and the markup the templates put inside a sentence.
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|</?strong>")


def po_header(path: Path) -> dict[str, str]:
    """The header entry of a .po file, field by field."""
    block = path.read_text().split("\n\n")[0]
    text = "".join(
        eval(line[len("msgstr ") :] if line.startswith("msgstr ") else line)
        for line in block.splitlines()
        if line.startswith(("msgstr ", '"'))
    )
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)


def catalogue(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def test_the_catalogues_are_the_public_languages():
    from waystation import settings_public

    codes = [code for code, _name in settings_public.LANGUAGES]
    assert codes[0] == "en"  # the source language: no catalogue of its own
    folders = sorted(p.name for p in LOCALE.iterdir() if (p / "LC_MESSAGES" / "django.po").exists())
    assert folders == sorted(codes[1:]) == sorted(LANGUAGES)
    # Each named in itself, as a person looks for it.
    assert dict(settings_public.LANGUAGES) == {
        "en": "English",
        "ru": "Русский",
        "ar": "العربية",
        "fa": "فارسی",
        "fr": "Français",
        "es": "Español",
        "tr": "Türkçe",
        "uk": "Українська",
    }


def test_the_language_links_name_each_language_in_itself(public_client, intake_key):
    html = public_client.get("/tr/").content.decode()
    for name in ("Français", "Español", "Українська", "العربية"):
        assert f">{name}</a>" in html
    assert "français" not in html  # Django's own name for it, lower case


def test_every_catalogue_holds_the_same_strings():
    english = {msgid for msgid, _, _ in po_entries(catalogue("ru"))}
    for language in LANGUAGES:
        assert {msgid for msgid, _, _ in po_entries(catalogue(language))} == english, language


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_public_string_is_translated(language):
    entries = po_entries(catalogue(language))
    assert len(entries) > 150
    untranslated = [msgid for msgid, msgstrs, fuzzy in entries if fuzzy or not all(msgstrs)]
    assert untranslated == []
    assert "#~" not in catalogue(language).read_text(), "a stale entry: run make messages"


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language):
    for msgid, msgstrs, _ in po_entries(catalogue(language)):
        wanted = sorted(PLACEHOLDER.findall(msgid))
        for msgstr in msgstrs:
            assert sorted(PLACEHOLDER.findall(msgstr)) == wanted, (language, msgid)


# A few numbers and the plural form each language's rule must give them.
PLURAL_FORMS = {
    "ru": {1: 0, 21: 0, 2: 1, 4: 1, 22: 1, 5: 2, 11: 2, 14: 2, 0: 2},
    "uk": {1: 0, 21: 0, 2: 1, 4: 1, 22: 1, 5: 2, 11: 2, 14: 2, 0: 2},
    "ar": {0: 0, 1: 1, 2: 2, 3: 3, 10: 3, 11: 4, 99: 4, 100: 5, 102: 5},
    "fa": {0: 0, 1: 0, 2: 1, 5: 1},
    "fr": {0: 0, 1: 0, 2: 1, 5: 1},
    "es": {1: 0, 0: 1, 2: 1, 5: 1},
    "tr": {1: 0, 0: 1, 2: 1, 5: 1},
}
FILES_IN = {
    "ru": {1: "1 файл", 3: "3 файла", 5: "5 файлов"},
    "uk": {1: "1 файл", 3: "3 файли", 5: "5 файлів", 21: "21 файл"},
    "ar": {2: "2 ملفان", 3: "3 ملفات", 11: "11 ملفًا"},
    "fa": {1: "1 فایل", 3: "3 فایل"},
    "fr": {0: "0 fichier", 1: "1 fichier", 3: "3 fichiers"},
    "es": {1: "1 archivo", 3: "3 archivos"},
    "tr": {1: "1 dosya", 3: "3 dosya"},
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_header_names_its_language_rule_and_review(language):
    import gettext

    header = po_header(catalogue(language))
    assert header["Language"] == language
    assert header["Language-Team"].split(" <")[0]
    assert header["X-Reviewed-By"], "say who reviewed it, or that nobody has yet"
    count, rule = re.fullmatch(r"nplurals=(\d); plural=(.+);", header["Plural-Forms"]).groups()
    plural = gettext.c2py(rule)
    assert {n: plural(n) for n in PLURAL_FORMS[language]} == PLURAL_FORMS[language]
    for msgid, msgstrs, _ in po_entries(catalogue(language)):
        if "%(counter)s" in msgid:
            assert len(msgstrs) == int(count), msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_plurals_are_chosen_by_the_languages_rule(language):
    from django.utils.translation import ngettext

    with translation.override(language):
        for n, text in FILES_IN[language].items():
            found = ngettext("%(counter)s file", "%(counter)s files", n) % {"counter": n}
            assert found == text


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="needs gettext's msgfmt")
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_files_match_their_po(language, tmp_path):
    folder = LOCALE / language / "LC_MESSAGES"
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", compiled, folder / "django.po"], check=True)
    assert compiled.read_bytes() == (folder / "django.mo").read_bytes(), "run msgfmt again"


def makefile_list(name: str) -> list[str]:
    """A list variable of the Makefile (``NAME := a b \\``), with the plain ``$(OTHER)``
    it names expanded: the tests read the catalogues' rules where ``make messages`` does."""
    text = (REPO / "Makefile").read_text().replace("\\\n", " ")
    match = re.search(rf"^{name} := (.*)$", text, re.MULTILINE)
    assert match is not None, name
    words = []
    for word in match.group(1).split():
        inner = re.fullmatch(r"\$\((\w+)\)", word)
        words.extend(makefile_list(inner.group(1)) if inner else [word])
    return words


def public_pass(tmp_path: Path, settings) -> set[str]:
    """The msgids ``make messages``' applicants' pass finds: the whole package but
    ``STAFF_ONLY``, as the Makefile runs it (on a copy: the committed catalogue is not
    touched)."""
    from django.core.management import call_command

    work = tmp_path / "waystation"
    shutil.copytree(
        SOURCE, work, ignore=shutil.ignore_patterns("__pycache__", "locale", "locale_staff")
    )
    (work / "locale").mkdir()
    settings.LOCALE_PATHS = [work / "locale"]
    ignored = [p for d in makefile_list("STAFF_ONLY") for p in (d, f"{d}/*")]
    cwd = os.getcwd()
    os.chdir(work)
    try:
        call_command(
            "makemessages", locale=["ru"], verbosity=0, no_location=True, ignore_patterns=ignored
        )
    finally:
        os.chdir(cwd)
    return {m for m, _, _ in po_entries(work / "locale" / "ru" / "LC_MESSAGES" / "django.po")}


@pytest.mark.skipif(not shutil.which("xgettext"), reason="needs gettext's xgettext")
def test_the_catalog_holds_the_public_side_and_nothing_of_the_staff_side(tmp_path, settings):
    """Every string marked in the applicants' code and templates is in the Russian
    catalogue (so a new string cannot ship untranslated), and nothing else is: no string
    of the screeners' pages, which the public process must not carry (docs/design.md
    §2.3), not even an entry left over from before."""
    fresh = public_pass(tmp_path, settings)
    committed = {m for m, _, _ in po_entries(LOCALE / "ru" / "LC_MESSAGES" / "django.po")}
    assert fresh - committed == set()
    assert committed - fresh == set()
    # The screeners' own words, for a pass that would read their files after all; the
    # texts they send to applicants (``replies``) are the applicants'.
    assert not {"What this message is", "Needs an answer", "Send to the applicant"} & committed
    assert "I agree that my file goes to %(partner)s." in committed


# Run in the public process: which of the intake's modules its server loads.
INSPECT = """
import json, sys
from django.urls import get_resolver
from waystation.intake.public_wsgi import application
get_resolver().url_patterns
print(json.dumps(sorted(m for m in sys.modules if m.startswith("waystation."))))
"""


def test_the_public_process_loads_none_of_the_screeners_modules(tmp_path):
    """What the Makefile calls the intake's staff files (their strings go to the staff
    catalogue) is code the public server never loads."""
    loaded = set(inspect_public_process(INSPECT, tmp_path))
    staff = {
        "waystation." + path.removesuffix(".py").replace("/", ".")
        for path in makefile_list("INTAKE_STAFF")
        if path.endswith(".py")
    }
    assert staff and {"waystation.intake.views", "waystation.intake.screening"} <= staff
    assert "waystation.intake.public_views" in loaded  # the check sees the process's code
    assert loaded & staff == set()
    # And the other way round: a module of the intake with words to translate that the
    # public server does not load is a staff file, to list in INTAKE_STAFF (else its
    # words would go to the applicants' catalogue); ``replies`` is the one exception,
    # the staff side's words for applicants.
    marked = {
        "waystation.intake." + path.stem
        for path in (SOURCE / "intake").glob("*.py")
        if "gettext" in path.read_text()
    }
    assert marked - loaded - {"waystation.intake.replies"} <= staff
    assert not any(m.startswith(("waystation.accounts", "waystation.cases")) for m in loaded)


def test_the_russian_form_is_in_russian(public_client, intake_key):
    html = public_client.get("/ru/").content.decode()
    for text in (
        "Попросите нас о помощи",
        "Быстро уйти с сайта",
        "Отправить просьбу",
        "Россия",
        "Мне угрожает опасность прямо сейчас",
    ):
        assert text in html
    assert "Ask us for help" not in html


def test_russian_form_errors_are_in_russian(public_client, intake_key):
    html = public_client.post("/ru/", {"language": "ru"}).content.decode()
    assert "Обязательное поле." in html


def test_the_russian_confirmation_and_mailbox(public_client, intake_key):
    from tests.intake.test_public_pages import codename_from

    html = submit(public_client, FORM, language="ru").content.decode()
    assert "Мы получили вашу просьбу" in html
    codename = codename_from(html)
    html = public_client.post("/ru/mailbox/", {"codename": codename}).content.decode()
    assert "Ваш почтовый ящик" in html and "Я в безопасности" in html


def test_countries_are_sorted_in_the_visitors_language(public_client, intake_key):
    html = public_client.get("/ru/").content.decode()
    names = re.findall(r'<option value="[A-Z]{2}"[^>]*>([^<]+)</option>', html)
    assert names[:-1] == sorted(names[:-1], key=str.casefold)
    assert names[-1] == "Другая страна"


@pytest.mark.parametrize("language", ["ar", "fa"])
def test_rtl_pages_mirror_and_keep_the_codename_left_to_right(public_client, intake_key, language):
    html = submit(
        public_client, {**FORM, "form_token": language}, language=language
    ).content.decode()
    assert 'dir="rtl"' in html
    assert '<p class="codename" lang="en" dir="ltr">' in html


def test_no_language_cookie_is_set_or_needed(public_client, intake_key):
    response = public_client.get("/fa/")
    assert not response.cookies
    assert response["Content-Language"] == "fa"
    # The same client, a different address: a different language. Nothing remembered.
    assert public_client.get("/ru/")["Content-Language"] == "ru"


def test_decline_templates_are_in_the_applicants_language():
    assert replies.template_text(MessageKind.DECLINE, "ru").startswith("Здравствуйте!")
    assert replies.template_text(MessageKind.DECLINE, "en").startswith("Hello,")
    # A language we have no catalog for falls back to English.
    assert replies.template_text(MessageKind.MORE_INFO, "ky").startswith("Hello,")


def visible_text(html: str) -> str:
    """What a visitor reads: the text between the tags and the labels read aloud, without
    the codename (English words by design)."""
    html = re.sub(r'<p class="codename"[^>]*>[^<]*</p>', " ", html)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    labels = re.findall(r'(?:aria-label|title|placeholder|alt)="([^"]*)"', html)
    text = " ".join([re.sub(r"<[^>]+>", " ", html), *labels])
    return " ".join(unescape(text).split())


def english_left(language: str, text: str) -> list[str]:
    """The English of our catalogue that shows through on a page in ``language``: each
    msgid's words between its placeholders, where the translation does not use them too
    (a country's name, a product's)."""
    left = []
    for msgid, msgstrs, _ in po_entries(catalogue(language)):
        words = re.sub(r"<[^>]+>", " ", msgid)
        for part in PLACEHOLDER.split(words):
            part = " ".join(part.split()).strip(" .,:;()")
            if len(part) < 2 or any(part in msgstr for msgstr in msgstrs):
                continue
            if re.search(rf"(?<!\w){re.escape(part)}(?!\w)", text):
                left.append(part)
    return left


def assert_in_language(response, language: str) -> None:
    html = response.content.decode()
    assert response["Content-Language"] == language
    direction = "rtl" if language in RIGHT_TO_LEFT else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in html
    text = visible_text(html)
    assert english_left(language, text) == []
    assert "This field is required." not in text  # Django's own words, in its catalogue


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_public_page_is_in_its_language(public_client, intake_key, language):
    from tests.intake.test_public_pages import codename_from

    for path in ("", "safety/", "mailbox/", "no-such-page/"):
        assert_in_language(public_client.get(f"/{language}/{path}"), language)
    # The form's errors, the confirmation, a wrong codename and the mailbox.
    assert_in_language(public_client.post(f"/{language}/", {"language": language}), language)
    received = submit(public_client, {**FORM, "form_token": f"tok-{language}"}, language=language)
    assert_in_language(received, language)
    codename = codename_from(received.content.decode())
    wrong = public_client.post(f"/{language}/mailbox/", {"codename": "not my words"})
    assert_in_language(wrong, language)
    mailbox = public_client.post(f"/{language}/mailbox/", {"codename": codename})
    assert_in_language(mailbox, language)


def test_the_english_check_sees_english(public_client, intake_key):
    """The check above finds English when it is there (so a passing run means something)."""
    html = public_client.get("/en/").content.decode()
    assert "Ask us for help" in english_left("fr", visible_text(html))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", [MessageKind.REPLY, MessageKind.MORE_INFO, MessageKind.DECLINE])
def test_screeners_start_replies_in_every_public_language(language, kind):
    """The staff side writes in the applicant's language from the applicants' catalogue,
    whichever languages the staff pages themselves speak."""
    english = replies.template_text(kind, "en")
    translated = dict((m, s[0]) for m, s, _ in po_entries(catalogue(language)))[english]
    assert replies.template_text(kind, language) == translated != english
