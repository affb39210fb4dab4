"""Applicant codenames: diceware passphrases from the EFF long word list.

A codename is the applicant's only key to their mailbox, so its strength is stated here
and tested (tests/intake/test_codenames.py):

- word list: the EFF long list (7,776 words), shipped by the maintained ``diceware``
  package, chosen for words that are easy to remember, type and tell apart. The four
  words with a hyphen (drop-down, felt-tip, t-shirt, yo-yo) are left out, so that people
  may type hyphens between words: 7,772 words remain;
- words: 7, each drawn independently with ``secrets`` (the OS CSPRNG);
- entropy: 7 * log2(7772) ≈ 90.5 bits, above the 88 bits the issue requires.

Only values derived from a codename are stored (see ``waystation.vault.boxes``).
"""

from __future__ import annotations

import math
import re
import secrets
from functools import cache
from importlib import resources

WORD_LIST_PACKAGE = "diceware"
WORD_LIST_FILE = "wordlist_en_eff.txt"
WORD_LIST_FILE_SIZE = 7776
WORD_LIST_SIZE = 7772  # without the four hyphenated words
WORDS = 7
MIN_ENTROPY_BITS = 88
ENTROPY_BITS = WORDS * math.log2(WORD_LIST_SIZE)

# What people type between words: spaces, hyphens, dots, commas, line breaks.
_SEPARATORS = re.compile(r"[\s\-_.,;:/+]+")
# Longer input is not a codename; cut it before any work so that timing stays flat.
MAX_INPUT_CHARS = 200


@cache
def word_list() -> tuple[str, ...]:
    text = resources.files(WORD_LIST_PACKAGE).joinpath("wordlists", WORD_LIST_FILE).read_text()
    entries = [line.split()[-1] for line in text.splitlines() if line.strip()]
    words = tuple(w for w in entries if w.isalpha() and w.isascii() and w.islower())
    if len(entries) != WORD_LIST_FILE_SIZE or len(set(words)) != WORD_LIST_SIZE:
        raise RuntimeError("the EFF word list is not the expected 7,776 distinct words")
    return words


@cache
def _word_set() -> frozenset[str]:
    return frozenset(word_list())


def generate() -> str:
    words = word_list()
    return " ".join(secrets.choice(words) for _ in range(WORDS))


def normalise(typed: str) -> str:
    """The canonical form of what someone typed: lower case, single spaces. Never
    fails, so that malformed input costs the same work as a real codename."""
    words = _SEPARATORS.split(typed[:MAX_INPUT_CHARS].strip().lower())
    return " ".join(w for w in words if w)


def is_well_formed(normalised: str) -> bool:
    words = normalised.split(" ")
    return len(words) == WORDS and all(w in _word_set() for w in words)
