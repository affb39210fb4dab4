"""Capture histories from the lists of persons, and the estimate of how many people no
list saw (docs/documentation.md "Figures and exports").

Entries of different lists are one person when a documentation officer confirmed that
they are (``ProposedMatch`` with status confirmed), however long the chain: A1 = B1 and
B1 = C1 make one person on A, B and C, even when A1 and C1 were never compared. Two
entries that name the same person of the record (``ListedPerson.person``) are one person
too. Proposed and rejected matches join nothing. A person's capture history is the set
of the chosen lists they are on; the table counts people per history.

Only ids and list memberships are read, never a sealed field: the table is counts.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import get_language, gettext

from waystation.accounts.models import Actor
from waystation.documentation import estimation
from waystation.documentation.models import ListedPerson, MatchStatus, PersonList, ProposedMatch
from waystation.documentation.selectors.figures import READ, FiguresRefused

MIN_LISTS = estimation.MIN_LISTS
MAX_LISTS = estimation.MAX_LISTS


class CaptureError(ValueError):
    """The lists asked for cannot make a table; the message says why."""


class _Persons:
    """Union-find over entry ids (path halving, union by size): each set is one person."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.parent = {entry: entry for entry in entries}
        self.size = dict.fromkeys(self.parent, 1)

    def find(self, entry: str) -> str:
        parent = self.parent
        while parent[entry] != entry:
            parent[entry] = parent[parent[entry]]
            entry = parent[entry]
        return entry

    def join(self, first: str, second: str) -> None:
        a, b = self.find(first), self.find(second)
        if a == b:
            return
        if self.size[a] < self.size[b]:
            a, b = b, a
        self.parent[b] = a
        self.size[a] += self.size[b]


def persons_by_entry() -> dict[str, str]:
    """Each entry's person (a representative entry id), from every confirmed match and
    every shared person of the record, across all lists: who is the same person does
    not depend on which lists an estimate uses."""
    entries = list(ListedPerson.objects.values_list("id", "person_id"))
    persons = _Persons(entry for entry, _ in entries)
    confirmed = ProposedMatch.objects.filter(status=MatchStatus.CONFIRMED).values_list(
        "first_id", "second_id"
    )
    for first, second in confirmed.iterator():
        persons.join(first, second)
    by_record: dict[str, str] = {}
    for entry, person in entries:
        if person is not None:
            persons.join(entry, by_record.setdefault(person, entry))
    return {entry: persons.find(entry) for entry, _ in entries}


def chosen_lists(*, user: Actor, list_ids: Sequence[str]) -> list[PersonList]:
    """The lists asked for, in the order of their names, or a ``CaptureError``."""
    if not user.is_active or not user.has_perm(READ):
        raise FiguresRefused(gettext("Your role does not show the documentation figures."))
    wanted = list(dict.fromkeys(list_ids))
    if not MIN_LISTS <= len(wanted) <= MAX_LISTS:
        raise CaptureError(
            gettext("Choose between %(least)s and %(most)s lists.")
            % {"least": MIN_LISTS, "most": MAX_LISTS}
        )
    lists = list(PersonList.objects.filter(id__in=wanted).order_by("name"))
    if len(lists) != len(wanted):
        raise CaptureError(gettext("One of the lists asked for does not exist."))
    return lists


def capture_table(*, user: Actor, list_ids: Sequence[str]) -> estimation.CaptureTable:
    """How many people are on exactly each combination of the chosen lists (one column
    per list, in the order of their names)."""
    lists = chosen_lists(user=user, list_ids=list_ids)
    column = {person_list.id: k for k, person_list in enumerate(lists)}
    person_of = persons_by_entry()
    histories: dict[str, set[int]] = {}
    on_lists = ListedPerson.objects.filter(person_list_id__in=column).values_list(
        "id", "person_list_id"
    )
    for entry, list_id in on_lists.iterator():
        histories.setdefault(person_of[entry], set()).add(column[list_id])
    counts = Counter(
        tuple(int(k in history) for k in range(len(lists))) for history in histories.values()
    )
    return estimation.CaptureTable(lists=tuple(p.name for p in lists), counts=dict(counts))


@dataclass(frozen=True)
class ShownEstimate:
    """What the page shows of an estimate: the number with its interval, or the reason
    there is none (``reason`` set, ``result`` None)."""

    lists: tuple[str, ...]
    observed: int
    result: estimation.Estimate | None
    reason: str = ""
    # How many people are on each list, with its name: shown only when every one is
    # at least k (else empty).
    sizes: tuple[tuple[str, int], ...] = ()


def small_overlap(table: estimation.CaptureTable, k: int) -> bool:
    """Whether a cell of the table, or how many people two lists share, is about 1 to
    k-1 people. The people seen (the table's sum) and the estimate (from the same cells)
    would give such a cell back: with 33 and 28 on two lists, 58 seen is 3 on both."""
    if any(0 < n < k for n in table.counts.values()):
        return True
    pairs = itertools.combinations(range(len(table.lists)), 2)
    return any(0 < table.overlap(pair) < k for pair in pairs)


def list_sizes(table: estimation.CaptureTable, k: int) -> tuple[tuple[str, int], ...]:
    """Each list's people, if every list has at least k (a list of fewer is a small
    cell; one shown beside the others would be too)."""
    sizes = tuple(
        (name, sum(n for pattern, n in table.counts.items() if pattern[i]))
        for i, name in enumerate(table.lists)
    )
    return sizes if all(size >= k for _, size in sizes) else ()


# The estimate depends on the table alone, and the table on the confirmed matches: keyed
# by the table (and the language its warnings are in), a result is never stale. A few
# tables per worker are plenty (officers look at a handful of combinations), and a fit
# may take a second.
_CACHE: dict[tuple[str, tuple[str, ...], tuple[tuple[tuple[int, ...], int], ...]], object] = {}
_CACHE_SIZE = 32


def forget_estimates() -> None:
    """Empty this worker's cache of estimates (for timing a first fit)."""
    _CACHE.clear()


def _estimate(table: estimation.CaptureTable) -> estimation.Estimate | str:
    key = (get_language() or "", table.lists, tuple(sorted(table.counts.items())))
    if key in _CACHE:
        cached = _CACHE.pop(key)
        _CACHE[key] = cached  # most recently used last
        assert isinstance(cached, estimation.Estimate | str)
        return cached
    try:
        found: estimation.Estimate | str = estimation.estimate(table)
    except estimation.NotEstimable as error:
        found = str(error)
    _CACHE[key] = found
    while len(_CACHE) > _CACHE_SIZE:
        del _CACHE[next(iter(_CACHE))]
    return found


def population_estimate(*, user: Actor, list_ids: Sequence[str], k: int) -> ShownEstimate:
    """The estimate of everyone, seen or not, from the chosen lists; or the reason there
    is none. Fewer than ``k`` people seen is a small cell like any other: no estimate is
    shown from it; nor from a table with a small cell or a small overlap of two lists
    (``small_overlap``), where not even the people seen are shown."""
    table = capture_table(user=user, list_ids=list_ids)
    if 0 < table.observed < k:
        return ShownEstimate(
            lists=table.lists,
            observed=0,
            result=None,
            reason=gettext(
                "Fewer than %(k)s people are on these lists: too few to show any figure "
                "of them, and far too few for an estimate."
            )
            % {"k": k},
        )
    if table.observed == 0:
        return ShownEstimate(
            lists=table.lists,
            observed=0,
            result=None,
            reason=gettext("Nobody is on these lists yet."),
        )
    sizes = list_sizes(table, k)
    if small_overlap(table, k):
        return ShownEstimate(
            lists=table.lists,
            observed=0,
            result=None,
            sizes=sizes,
            reason=gettext(
                "an overlap is too small to publish: fewer than %(k)s people are on one "
                "combination of these lists, or on two of them. The people seen and the "
                "estimate would give that number back, so neither is shown."
            )
            % {"k": k},
        )
    found = _estimate(table)
    if isinstance(found, str):
        return ShownEstimate(
            lists=table.lists, observed=table.observed, result=None, reason=found, sizes=sizes
        )
    return ShownEstimate(lists=table.lists, observed=table.observed, result=found, sizes=sizes)
