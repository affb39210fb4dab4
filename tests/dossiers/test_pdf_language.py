"""The dossier PDF's words: each has its French in ``locale_staff/fr`` with the same
placeholders, the French catalogue holds nothing else, and its ``.mo`` is compiled from
its ``.po``."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.intake.test_languages import po_entries
from waystation.dossiers.pdf_texts import WORDS, word

FRENCH = Path(__file__).resolve().parents[2] / "src/waystation/locale_staff/fr/LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def test_every_word_has_its_french_and_nothing_else_is_there():
    entries = {m: strs for m, strs, fuzzy in po_entries(FRENCH / "django.po") if m and not fuzzy}
    assert set(entries) == set(WORDS.values())
    for english, (french,) in entries.items():
        # "page %(page)s" reads the same in both languages
        assert french and (french != english or english == "page %(page)s"), english
        assert set(PLACEHOLDER.findall(french)) == set(PLACEHOLDER.findall(english)), english


def test_the_words_are_french_under_french_and_english_under_english():
    assert word("index", "fr") == "Sommaire"
    assert word("index", "en") == "Index"
    assert word("page", "fr", page=2, pages=9) == "Page 2 sur 9"


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="needs gettext's msgfmt")
def test_the_committed_french_mo_matches_its_po(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", compiled, FRENCH / "django.po"], check=True)
    assert compiled.read_bytes() == (FRENCH / "django.mo").read_bytes(), "make messages"
