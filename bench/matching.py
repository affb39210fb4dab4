"""Matching persons across six lists by their keyed digests, at 100,000 entries.

A fictional population (fixed seed; invented names from syllables, so names repeat the
way common names do) is spread over six lists: most people on one list, some on two,
three or four (the planted overlaps). Each list gives what such lists give: the name
always, a birth year, a phone or a handle often, not always. The entries are sealed and
indexed as the services do it (``services.lists.new_entry`` and ``name_tokens_of``), in
one ``bulk_create`` per list, and that insert is the baseline: the ratio says what the
whole matcher (``services.matching.propose_matches``) costs against writing the entries
once. Precision and recall are against the planted truth: a proposal is right when its
two entries are one fictional person.
"""

from __future__ import annotations

import random
import time

from bench.harness import SEED, Context, Row, benchmark, progress

LISTS = 6
# How many lists a person is on, and how often (before the cut to the entries wanted).
APPEARANCES = ((1, 0.62), (2, 0.24), (3, 0.10), (4, 0.04))
SYLLABLES = (
    "ba", "da", "ka", "la", "ma", "na", "ra", "sa", "ta", "za", "vi", "li", "mi", "ri", "si", "ti",
    "zo", "lo", "mo", "ro", "go", "an", "ar", "el", "en", "ur", "ov", "in", "al", "is", "ek",
)  # fmt: skip


def _name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def population(entries: int) -> list[tuple[int, int, dict[str, str]]]:
    """``(person, list, values)`` per entry, ``entries`` of them."""
    rng = random.Random(SEED)
    # Few enough that names repeat, as Magomed and Umarov do: two people of one name
    # (and now and then one birth year) are the matcher's false friends.
    first_names = sorted({_name(rng, 2) for _ in range(120)})
    family_names = sorted({_name(rng, 3) for _ in range(3_000)})
    weights = [w for _, w in APPEARANCES]
    rows: list[tuple[int, int, dict[str, str]]] = []
    person = 0
    while len(rows) < entries:
        person += 1
        name = f"{rng.choice(first_names)} {rng.choice(family_names)}"
        year = str(rng.randint(1960, 2005))
        phone = f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
        handle = f"@{name.split()[1].lower()}{rng.randint(1, 999)}"
        (times,) = rng.choices([n for n, _ in APPEARANCES], weights)
        for list_number in rng.sample(range(LISTS), times):
            # As lists write names: now with a patronymic, now the family name alone.
            written = name
            if rng.random() < 0.1:
                written = f"{name} {rng.choice(first_names)}ovich"
            elif rng.random() < 0.05:
                written = name.split()[1]
            values = {
                "name": written,
                "birth_year": year if rng.random() < 0.8 else "",
                "phone": phone if rng.random() < 0.5 else "",
                "handle": handle if rng.random() < 0.3 else "",
                "country": "RU",
            }
            rows.append((person, list_number, values))
            if len(rows) == entries:
                break
    return rows


@benchmark("listmatch", title="matching persons across lists", order=62, per_backend=True)
def list_matching(ctx: Context) -> list[Row]:
    from django.db import transaction

    from waystation.documentation.models import (
        ListedNameToken,
        ListedPerson,
        PersonList,
        ProposedMatch,
    )
    from waystation.documentation.services import lists, matching
    from waystation.documentation.services.lists import EntryDetails
    from waystation.vault import datakeys

    entries = ctx.sizes.records
    rows = population(entries)
    people = len({person for person, _, _ in rows})
    progress(f"listmatch: {entries:,} entries of {people:,} fictional people over {LISTS} lists")
    person_lists = []
    for n in range(LISTS):
        person_list = PersonList.objects.create(
            data_key_id=datakeys.create_data_key().id,
            name=f"Bench list {n + 1}",
            kind="other",
            created_by_id=0,
        )
        person_lists.append(person_list)

    person_of: dict[str, int] = {}
    started = time.perf_counter()
    for n, person_list in enumerate(person_lists):
        mine = [(p, v) for p, k, v in rows if k == n]
        built = [lists.new_entry(person_list, EntryDetails(**v)) for _, v in mine]
        with transaction.atomic():
            ListedPerson.objects.bulk_create(built, batch_size=2_000)
            ListedNameToken.objects.bulk_create(lists.name_tokens_of(built), batch_size=10_000)
        person_of.update({entry.id: p for entry, (p, _) in zip(built, mine, strict=True)})
    insert_seconds = time.perf_counter() - started
    progress(f"listmatch: inserted in {insert_seconds:.1f} s")

    started = time.perf_counter()
    report = matching.propose_matches(user=None)
    match_seconds = time.perf_counter() - started
    again_started = time.perf_counter()
    again = matching.propose_matches(user=None)
    again_seconds = time.perf_counter() - again_started
    assert again.proposed == 0, "a second run proposed pairs again"
    progress(
        f"listmatch: {report.proposed:,} pairs proposed in {match_seconds:.1f} s, "
        f"second run {again_seconds:.1f} s"
    )

    entries_of: dict[int, int] = {}
    for person in person_of.values():
        entries_of[person] = entries_of.get(person, 0) + 1
    true_pairs = sum(n * (n - 1) // 2 for n in entries_of.values())
    proposals = list(ProposedMatch.objects.values_list("first", "second", "score"))
    strong = [(a, b) for a, b, score in proposals if score >= matching.WEIGHTS["name_birth_year"]]
    right = sum(1 for a, b, _ in proposals if person_of[a] == person_of[b])
    right_strong = sum(1 for a, b in strong if person_of[a] == person_of[b])
    what = f"{entries:,} entries, {LISTS} lists"
    return [
        Row(f"insert entries, sealed and indexed ({what})", ctx.backend, "s", insert_seconds),
        Row(
            f"propose matches by digests ({what}, {report.proposed:,} pairs)",
            ctx.backend,
            "s",
            match_seconds,
            baseline=insert_seconds,
        ),
        Row(
            f"propose matches again, nothing new ({what})",
            ctx.backend,
            "s",
            again_seconds,
            baseline=insert_seconds,
        ),
        Row(
            f"match precision, all reasons ({true_pairs:,} planted pairs)",
            ctx.backend,
            "share",
            right / len(proposals) if proposals else 0.0,
        ),
        Row("match recall, all reasons", ctx.backend, "share", right / true_pairs),
        Row(
            "match precision, score >= 3 (name and year, phone, handle)",
            ctx.backend,
            "share",
            right_strong / len(strong) if strong else 0.0,
        ),
        Row("match recall, score >= 3", ctx.backend, "share", right_strong / true_pairs),
    ]
