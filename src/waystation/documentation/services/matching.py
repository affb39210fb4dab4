"""Matching entries across lists by their keyed digests only, and deciding the matches.

**Proposing.** Two entries of different lists are proposed as one person when digests
agree (docs/documentation.md "Lists and matching"):

- the same phone number, or the same messenger handle;
- names sharing two tokens or more, or every token of the shorter name, with the same
  birth year;
- the same overlap of names without a birth year in common: a weaker reason.

Every comparison is a join on digests in SQL: nothing is decrypted, so the matcher runs
with the vault sealed, and the work grows with the pairs that agree, not with every
pair there is. A digest shared by more than :data:`MAX_GROUP` entries (a shelter's desk
phone typed for all its residents, a common name) tells nobody apart and is no reason.
Running it again adds only the pairs not proposed before; decisions are kept.

**Deciding.** Confirmed matches join entries into one person for the estimate
(``selectors.capture``). Matches chain: if A is B and B is C then A is C. A confirmation
that would make one person of two entries of one list is refused, since a list names
each person once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from waystation.accounts.models import Actor
from waystation.documentation.models import (
    ListedNameToken,
    ListedPerson,
    MatchStatus,
    PersonList,
    ProposedMatch,
)
from waystation.documentation.services.lists import MAX_NAME_TOKENS, ListError, record, require

PHONE = "phone"
HANDLE = "handle"
NAME_AND_BIRTH_YEAR = "name_birth_year"
NAME = "name"
# The weight of each reason in a proposal's score: a number or handle is one person's;
# a name with a birth year nearly so; a name alone is shared by many.
WEIGHTS = {PHONE: 4.0, HANDLE: 4.0, NAME_AND_BIRTH_YEAR: 3.0, NAME: 1.0}
REASON_WORDS = {
    PHONE: gettext_lazy("the same phone number"),
    HANDLE: gettext_lazy("the same messenger handle"),
    NAME_AND_BIRTH_YEAR: gettext_lazy("the same name and birth year"),
    NAME: gettext_lazy("the same name (the birth year differs or is missing)"),
}
MAX_GROUP = 40


def score_of(reasons: Iterable[str]) -> float:
    return sum(WEIGHTS[r] for r in set(reasons))


def reason_words(reasons: Iterable[str]) -> list[str]:
    return [str(REASON_WORDS[r]) for r in WEIGHTS if r in set(reasons)]


# --- proposing ----------------------------------------------------------------------------

_ENTRY = ListedPerson._meta.db_table
_TOKEN = ListedNameToken._meta.db_table


def _same_identifier(column: str) -> str:
    # Entries sharing one digest, in groups small enough to mean one person; a pair is
    # named in one order only (the smaller id first) so that it is proposed once.
    return f"""
        WITH usable AS (
            SELECT {column} AS digest FROM {_ENTRY}
            WHERE {column} IS NOT NULL
            GROUP BY {column} HAVING COUNT(*) BETWEEN 2 AND %s
        )
        SELECT a.id, b.id
        FROM usable u
        JOIN {_ENTRY} a ON a.{column} = u.digest
        JOIN {_ENTRY} b ON b.{column} = u.digest
            AND a.id < b.id AND a.person_list_id <> b.person_list_id
    """  # noqa: S608  (no values: names from the models; the limit is a parameter)


# Name overlaps. Two tokens in common is one *pair* of tokens in common: each entry's
# token pairs are its blocking keys, so the join meets only entries sharing two tokens
# (not everyone called Magomed). A one-token name meets the entries holding its token.
# The pairs of a name grow with the square of its tokens: only its first
# MAX_NAME_TOKENS tokens (by digest) make pairs, whatever the entries hold (the checks
# refuse longer names; this keeps the bound should one reach the table another way).
_TOKEN_PAIRS = f"""
    WITH counted AS (
        SELECT t.entry_id, t.digest, e.person_list_id AS list_id,
               e.birth_year_index AS year,
               ROW_NUMBER() OVER (PARTITION BY t.entry_id ORDER BY t.digest) AS place
        FROM {_TOKEN} t JOIN {_ENTRY} e ON e.id = t.entry_id
    ),
    pairs AS (
        SELECT a.entry_id, a.list_id, a.year, a.digest AS d1, b.digest AS d2
        FROM counted a JOIN counted b ON b.entry_id = a.entry_id AND a.digest < b.digest
        WHERE a.place <= {MAX_NAME_TOKENS} AND b.place <= {MAX_NAME_TOKENS}
    ),
    usable AS (
        SELECT d1, d2 FROM pairs GROUP BY d1, d2 HAVING COUNT(*) BETWEEN 2 AND %s
    ),
    kept AS (
        SELECT p.* FROM pairs p JOIN usable u ON u.d1 = p.d1 AND u.d2 = p.d2
    )
    SELECT DISTINCT a.entry_id, b.entry_id,
           CASE WHEN a.year = b.year THEN 1 ELSE 0 END
    FROM kept a JOIN kept b ON b.d1 = a.d1 AND b.d2 = a.d2
        AND a.entry_id < b.entry_id AND a.list_id <> b.list_id
"""  # noqa: S608  (no values: names from the models)
_SINGLE_TOKENS = f"""
    WITH counted AS (
        SELECT t.entry_id, t.digest, e.person_list_id AS list_id,
               e.birth_year_index AS year,
               COUNT(*) OVER (PARTITION BY t.entry_id) AS tokens
        FROM {_TOKEN} t JOIN {_ENTRY} e ON e.id = t.entry_id
    ),
    usable AS (
        SELECT digest FROM counted GROUP BY digest HAVING COUNT(*) BETWEEN 2 AND %s
    ),
    kept AS (
        SELECT c.* FROM counted c JOIN usable u ON u.digest = c.digest
    )
    SELECT a.entry_id, b.entry_id, CASE WHEN a.year = b.year THEN 1 ELSE 0 END
    FROM kept a JOIN kept b ON b.digest = a.digest
        AND a.entry_id <> b.entry_id AND a.list_id <> b.list_id
    WHERE a.tokens = 1
"""  # noqa: S608  (no values: names from the models)


def candidate_pairs() -> dict[tuple[str, str], set[str]]:
    """Every pair of entries of different lists whose digests agree, with the reasons:
    ``{(first id, second id): {reason, ...}}``, the smaller id first."""
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    with connection.cursor() as cursor:
        for column, reason in (("phone_index", PHONE), ("handle_index", HANDLE)):
            cursor.execute(_same_identifier(column), [MAX_GROUP])
            for a, b in cursor.fetchall():
                # Ordered here, not by SQL: a database's collation need not be Python's.
                found[(a, b) if a < b else (b, a)].add(reason)
        for query in (_TOKEN_PAIRS, _SINGLE_TOKENS):
            cursor.execute(query, [MAX_GROUP])
            for a, b, same_year in cursor.fetchall():
                pair = (a, b) if a < b else (b, a)
                found[pair].add(NAME_AND_BIRTH_YEAR if same_year else NAME)
    for reasons in found.values():
        if NAME_AND_BIRTH_YEAR in reasons:
            reasons.discard(NAME)
    return dict(found)


@dataclass
class ProposalReport:
    proposed: int = 0  # pairs new this run
    updated: int = 0  # pairs waiting for review whose reasons changed
    candidates: int = 0  # pairs that agree, new or not


def propose_matches(*, user: Actor | None) -> ProposalReport:
    """Propose every pair not proposed before. ``user`` None: the bench or a command."""
    if user is not None:
        require(user)
    with transaction.atomic():
        # One run at a time: two would both find a pair new.
        list(PersonList.objects.select_for_update().order_by("pk").values_list("pk"))
        candidates = candidate_pairs()
        existing = {
            (m.first_id, m.second_id): m
            for m in ProposedMatch.objects.only("id", "first", "second", "status", "reasons")
        }
        report = ProposalReport(candidates=len(candidates))
        new = []
        changed = []
        for (first, second), reasons in candidates.items():
            ordered = sorted(reasons, key=list(WEIGHTS).index)
            match = existing.get((first, second))
            if match is None:
                new.append(
                    ProposedMatch(
                        first_id=first, second_id=second, reasons=ordered, score=score_of(ordered)
                    )
                )
            elif match.status == MatchStatus.PROPOSED and match.reasons != ordered:
                match.reasons, match.score = ordered, score_of(ordered)
                changed.append(match)
        ProposedMatch.objects.bulk_create(new, batch_size=2_000)
        ProposedMatch.objects.bulk_update(changed, ["reasons", "score"], batch_size=2_000)
        report.proposed, report.updated = len(new), len(changed)
        record(user, "list_match.proposed", "", "")
    return report


# --- clusters -----------------------------------------------------------------------------


def confirmed_edges() -> list[tuple[str, str]]:
    return list(
        ProposedMatch.objects.filter(status=MatchStatus.CONFIRMED).values_list("first", "second")
    )


def clusters(edges: Iterable[tuple[str, str]]) -> list[frozenset[str]]:
    """The persons that confirmed matches make: sets of entries joined by a chain of
    matches (union-find). Entries in no match are not listed."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, set[str]] = defaultdict(set)
    for x in list(parent):
        groups[root(x)].add(x)
    return [frozenset(g) for g in groups.values()]


def _cluster_of(entry_id: str) -> set[str]:
    """The entries joined to this one by confirmed matches, followed one step at a time
    (a person's cluster is a handful of entries, one per list at most)."""
    seen = {entry_id}
    frontier = {entry_id}
    while frontier:
        rows = (
            ProposedMatch.objects.filter(status=MatchStatus.CONFIRMED)
            .filter(first__in=frontier)
            .values_list("second", flat=True)
            .union(
                ProposedMatch.objects.filter(
                    status=MatchStatus.CONFIRMED, second__in=frontier
                ).values_list("first", flat=True)
            )
        )
        frontier = set(rows) - seen
        seen |= frontier
    return seen


def _match_for(match_id: str) -> ProposedMatch:
    if not isinstance(match_id, str) or len(match_id) > 32:
        raise ListError(_("No such match."))
    match = ProposedMatch.objects.select_for_update().filter(pk=match_id).first()
    if match is None:
        raise ListError(_("No such match."))
    return match


def _lock_decisions() -> None:
    # Two confirmations at once could each be possible and together join two entries
    # of one list; every decision takes the lists' rows (a few) in one order first.
    list(PersonList.objects.select_for_update().order_by("pk").values_list("pk"))


@transaction.atomic
def confirm_match(*, user: Actor, match_id: str) -> ProposedMatch:
    require(user)
    _lock_decisions()
    match = _match_for(match_id)
    if match.status == MatchStatus.CONFIRMED:
        return match
    joined = _cluster_of(match.first_id) | _cluster_of(match.second_id)
    lists = list(
        ListedPerson.objects.filter(pk__in=joined).values_list("person_list_id", flat=True)
    )
    if len(lists) != len(set(lists)):
        raise ListError(
            _(
                "Not confirmed: with the matches confirmed already, this would make one "
                "person of two entries of the same list, and a list names each person "
                "once. Undo the confirmation that is wrong first."
            )
        )
    match.status = MatchStatus.CONFIRMED
    match.decided_at, match.decided_by_id = timezone.now(), user.pk
    match.save(update_fields=["status", "decided_at", "decided_by_id"])
    record(user, "list_match.confirmed", "proposed_match", match.id)
    return match


@transaction.atomic
def reject_match(*, user: Actor, match_id: str) -> ProposedMatch:
    require(user)
    _lock_decisions()
    match = _match_for(match_id)
    match.status = MatchStatus.REJECTED
    match.decided_at, match.decided_by_id = timezone.now(), user.pk
    match.save(update_fields=["status", "decided_at", "decided_by_id"])
    record(user, "list_match.rejected", "proposed_match", match.id)
    return match


@transaction.atomic
def undo_decision(*, user: Actor, match_id: str) -> ProposedMatch:
    """Back to waiting for review. The audit log keeps who decided what before."""
    require(user)
    _lock_decisions()
    match = _match_for(match_id)
    if match.status == MatchStatus.PROPOSED:
        raise ListError(_("This match has not been decided."))
    match.status = MatchStatus.PROPOSED
    match.decided_at = match.decided_by_id = None
    match.save(update_fields=["status", "decided_at", "decided_by_id"])
    record(user, "list_match.reopened", "proposed_match", match.id)
    return match
