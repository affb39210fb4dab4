# ruff: noqa: RUF001  # Russian text on purpose: these tests read Russian pages
"""English and Russian are complete; Arabic and Farsi render right to left; the language
is chosen by the address alone."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.intake.test_public_pages import FORM, submit
from waystation.intake import screening
from waystation.intake.models import MessageKind

LOCALE = Path(__file__).resolve().parents[2] / "src" / "waystation" / "locale"

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


@pytest.mark.skipif(not shutil.which("xgettext"), reason="needs gettext's xgettext")
def test_the_catalog_holds_every_string_of_the_public_side(tmp_path, settings):
    """Every string marked in the intake's code and templates is in the Russian catalog
    (so a new string cannot ship untranslated)."""
    from django.core.management import call_command

    source = Path(__file__).resolve().parents[2] / "src" / "waystation"
    work = tmp_path / "waystation"
    shutil.copytree(
        source / "intake", work / "intake", ignore=shutil.ignore_patterns("__pycache__")
    )
    # The screeners' templates belong to the staff catalogue (docs/translating.md).
    shutil.copytree(
        source / "templates" / "intake",
        work / "templates" / "intake",
        ignore=lambda folder, names: ["staff"] if Path(folder).name == "intake" else [],
    )
    (work / "locale").mkdir()
    settings.LOCALE_PATHS = [work / "locale"]
    import os

    cwd = os.getcwd()
    os.chdir(work)
    try:
        call_command("makemessages", locale=["ru"], verbosity=0, no_location=True)
    finally:
        os.chdir(cwd)
    fresh = {m for m, _, _ in po_entries(work / "locale" / "ru" / "LC_MESSAGES" / "django.po")}
    committed = {m for m, _, _ in po_entries(LOCALE / "ru" / "LC_MESSAGES" / "django.po")}
    assert fresh - committed == set()


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
    assert screening.template_text(MessageKind.DECLINE, "ru").startswith("Здравствуйте!")
    assert screening.template_text(MessageKind.DECLINE, "en").startswith("Hello,")
    # A language we have no catalog for falls back to English.
    assert screening.template_text(MessageKind.MORE_INFO, "ky").startswith("Hello,")
