# ruff: noqa: RUF001  (Cyrillic on purpose: real requests mix scripts)
"""Synthetic, clearly fake data with the shapes and sizes of real casework.

Everything is drawn from one seeded generator, so every run measures the same inputs.
Names mix Cyrillic and Latin script because real requests do, and transliteration is
part of what the blind-index benchmark measures.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bench.harness import SEED

if TYPE_CHECKING:
    from waystation.cases.services.opening import ManualIntake

FIRST_NAMES = [
    "Магомед", "Ислам", "Руслан", "Ахмед", "Зелимхан", "Адам", "Иван", "Алексей",
    "Тимур", "Саид", "Мурад", "Артём", "Magomed", "Islam", "Ruslan", "Adam",
]  # fmt: skip
LAST_NAMES = [
    "Исмаилов", "Магомедов", "Алиев", "Петров", "Хасанов", "Умаров", "Кузнецов",
    "Абдуллаев", "Ismailov", "Magomedov", "Aliev", "Umarov",
]  # fmt: skip
CITIES = ["Грозный", "Гудермес", "Махачкала", "Москва", "Tbilisi", "Yerevan", "Berlin"]
KINDS = ["note", "check_in", "interview", "reference", "travel"]
PHRASES = (
    "он написал что его задержали на блокпосту и забрали телефон родственники ищут",
    "he was told to leave the city within days the contact in the safe house confirmed",
    "the bus leaves at night the documents are with a friend",
)
WORDS = [word for phrase in PHRASES for word in phrase.split()]


def rng(stream: int = 0) -> random.Random:
    return random.Random(SEED * 1000 + stream)  # bench data, not secrets


def full_name(r: random.Random) -> str:
    return f"{r.choice(FIRST_NAMES)} {r.choice(LAST_NAMES)}"


def phone(r: random.Random) -> str:
    """Phone numbers as people type them: with and without spaces, dashes, brackets."""
    n = r.randrange(10**9)
    style = r.randrange(4)
    if style == 0:
        return f"+7 9{n // 10**7:02d} {n // 10**4 % 1000:03d}-{n // 100 % 100:02d}-{n % 100:02d}"
    if style == 1:
        return f"+79{n:09d}"
    if style == 2:
        return f"+7 (9{n // 10**7:02d}) {n % 10**7:07d}"
    return f"+49 15{n % 10:d} {n // 10:08d}"


def email(r: random.Random) -> str:
    first = r.choice(["ivan", "islam", "adam", "ruslan", "magomed", "timur"])
    domain = r.choice(["Example.org", "mail.example", "почта.рф", "Proton.example"])
    return f" {first.title()}.{r.randrange(10_000)}@{domain} "


def handle(r: random.Random) -> str:
    base = f"{r.choice(['ivan', 'islam', 'adam', 'ruslan'])}_{r.randrange(10_000)}"
    return r.choice([f"@{base.title()}", f"https://t.me/{base}", base, f"t.me/{base}/"])


def text(r: random.Random, chars: int) -> str:
    words: list[str] = []
    length = 0
    while length < chars:
        word = r.choice(WORDS)
        words.append(word)
        length += len(word) + 1
    return " ".join(words)[:chars]


def contacts(r: random.Random) -> dict[str, object]:
    return {
        "signal": handle(r),
        "sister": phone(r),
        "city": r.choice(CITIES),
        "safe_to_call": r.random() < 0.5,
    }


@dataclass(frozen=True)
class NoteText:
    subject: str
    body: str
    place: str


def note_texts(count: int) -> list[NoteText]:
    """A pool of note contents; bulk rows cycle through it (the cost of sealing depends
    on length, not on how many distinct texts there are)."""
    r = rng(1)
    return [
        NoteText(
            subject=text(r, r.randrange(20, 60)),
            body=text(r, r.randrange(200, 800)),
            place=r.choice(CITIES),
        )
        for _ in range(count)
    ]


def manual_intakes(count: int) -> list[ManualIntake]:
    from waystation.cases.models import Channel, Urgency
    from waystation.cases.services.opening import ManualIntake

    r = rng(2)
    return [
        ManualIntake(
            full_name=full_name(r),
            phone=phone(r),
            narrative=text(r, r.randrange(500, 3000)),
            urgency=r.choice(list(Urgency)),
            channel=r.choice([Channel.PHONE, Channel.SIGNAL, Channel.EMAIL]),
            country=r.choice(["RU", "GE", "AM", "DE"]),
        )
        for _ in range(count)
    ]
