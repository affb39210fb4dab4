# ruff: noqa: RUF001  # Russian text on purpose: these tests read Russian pages
"""English and Russian are complete; Arabic and Farsi render right to left; the language
is chosen by the address alone."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.intake.test_public_pages import FORM, submit
from tests.processes import REPO, public_env
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


def test_every_public_string_is_translated_into_russian():
    entries = po_entries(LOCALE / "ru" / "LC_MESSAGES" / "django.po")
    assert len(entries) > 100
    untranslated = [msgid for msgid, msgstrs, fuzzy in entries if fuzzy or not all(msgstrs)]
    assert untranslated == []


def test_placeholders_survive_translation():
    for msgid, msgstrs, _ in po_entries(LOCALE / "ru" / "LC_MESSAGES" / "django.po"):
        wanted = set(re.findall(r"%\(\w+\)s", msgid))
        for msgstr in msgstrs:
            assert set(re.findall(r"%\(\w+\)s", msgstr)) == wanted, msgid


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="needs gettext's msgfmt")
@pytest.mark.parametrize("language", ["ru", "ar", "fa"])
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
    env = public_env(
        database=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        media_root=tmp_path / "media",
        data_dir=tmp_path,
        DJANGO_SETTINGS_MODULE="waystation.settings_public",
    )
    out = subprocess.run(
        [sys.executable, "-c", INSPECT], env=env, capture_output=True, check=True, cwd=REPO
    )
    loaded = set(json.loads(out.stdout))
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
