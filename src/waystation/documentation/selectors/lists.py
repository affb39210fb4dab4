"""What the lists pages read: the lists with their counts, one list's entries (opened,
audited), an import's progress, and the matches waiting for review (opened, audited).

Lists are read by whoever reads the documentation record (``documentation.read_events``:
documentation officers and programme managers); the review of matches is for those who
record it. Nobody else learns anything, not even a list's name.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q

from waystation.accounts.models import Actor
from waystation.documentation.models import (
    ListedPerson,
    ListImport,
    MatchStatus,
    PersonList,
    ProposedMatch,
)
from waystation.documentation.services.imports import error_text
from waystation.documentation.services.lists import (
    ListError,
    list_for,
    may_read_lists,
    may_record_lists,
    record,
)
from waystation.documentation.services.matching import reason_words

ENTRIES_PER_PAGE = 50
MATCHES_PER_PAGE = 20


class ListNotFound(Exception):
    """No such list, entry, import or match, or none this user may see."""


def _reader(user: Actor) -> None:
    if not may_read_lists(user):
        raise PermissionDenied


def _recorder(user: Actor) -> None:
    if not may_record_lists(user):
        raise PermissionDenied


@dataclass(frozen=True)
class ListRow:
    person_list: PersonList
    entries: int
    matched: int  # entries in at least one confirmed match


def _matched_ids() -> Q:
    confirmed = ProposedMatch.objects.filter(status=MatchStatus.CONFIRMED)
    return Q(pk__in=confirmed.values("first")) | Q(pk__in=confirmed.values("second"))


def list_rows(*, user: Actor) -> list[ListRow]:
    _reader(user)
    lists = PersonList.objects.annotate(size=Count("entries")).order_by("name")
    matched = dict(
        ListedPerson.objects.filter(_matched_ids())
        .values("person_list")
        .annotate(n=Count("pk"))
        .values_list("person_list", "n")
    )
    return [ListRow(pl, pl.size, matched.get(pl.pk, 0)) for pl in lists]


@dataclass(frozen=True)
class OpenedEntry:
    id: str
    name: str
    birth_year: str
    phone: str
    handle: str
    country: str
    list_name: str

    def __repr__(self) -> str:
        return f"<OpenedEntry {self.id}>"


def _opened(entry: ListedPerson, list_name: str) -> OpenedEntry:
    return OpenedEntry(
        id=entry.id,
        name=entry.name or "",
        birth_year=entry.birth_year or "",
        phone=entry.phone or "",
        handle=entry.handle or "",
        country=entry.country,
        list_name=list_name,
    )


@dataclass(frozen=True)
class ListPage:
    person_list: PersonList
    entries: list[OpenedEntry]
    page: Page  # type: ignore[type-arg]  # of ListedPerson rows
    size: int
    matched: int
    imports: list[ListImport]


def _list(list_id: str) -> PersonList:
    try:
        return list_for(list_id)
    except ListError as exc:
        raise ListNotFound from exc


def list_page(*, user: Actor, list_id: str, page: str | int = 1) -> ListPage:
    """One page of a list's entries, opened: one ``person_list.read`` entry in the audit
    log per page read."""
    _reader(user)
    person_list = _list(list_id)
    entries = ListedPerson.objects.filter(person_list=person_list).order_by("added_at", "id")
    paginator = Paginator(entries, ENTRIES_PER_PAGE)
    shown = paginator.get_page(page)
    record(user, "person_list.read", "person_list", person_list.id)
    return ListPage(
        person_list=person_list,
        entries=[_opened(e, person_list.name) for e in shown.object_list],
        page=shown,
        size=paginator.count,
        matched=entries.filter(_matched_ids()).count(),
        imports=list(
            ListImport.objects.filter(person_list=person_list).order_by("-started_at")[:10]
        ),
    )


@dataclass(frozen=True)
class ShownError:
    row: int | None
    column: str
    text: str


@dataclass(frozen=True)
class ImportPage:
    list_import: ListImport
    errors: list[ShownError]


def list_import(*, user: Actor, list_id: str, import_id: str) -> ImportPage:
    """An import's state and errors, in the reader's language: no personal data, so no
    audit entry."""
    _reader(user)
    person_list = _list(list_id)
    found = ListImport.objects.filter(pk=import_id, person_list=person_list).first()
    if found is None:
        raise ListNotFound
    errors = [
        ShownError(
            row=e.get("row") if isinstance(e.get("row"), int) else None,
            column=str(e.get("column", "")),
            text=error_text(e),
        )
        for e in found.errors
        if isinstance(e, dict)
    ]
    return ImportPage(list_import=found, errors=errors)


@dataclass(frozen=True)
class MatchRow:
    match: ProposedMatch
    first: OpenedEntry
    second: OpenedEntry
    reasons: list[str]


@dataclass(frozen=True)
class ReviewPage:
    rows: list[MatchRow]
    page: Page  # type: ignore[type-arg]  # of ProposedMatch rows
    status: str
    waiting: int


def review_page(
    *, user: Actor, status: str = MatchStatus.PROPOSED, page: str | int = 1
) -> ReviewPage:
    """Matches of one status, the strongest first, both entries opened side by side: one
    ``list_match.read`` entry per match shown."""
    _recorder(user)
    if status not in MatchStatus.values:
        status = MatchStatus.PROPOSED
    matches = (
        ProposedMatch.objects.filter(status=status)
        .select_related("first__person_list", "second__person_list")
        .order_by("-score", "proposed_at", "id")
    )
    paginator = Paginator(matches, MATCHES_PER_PAGE)
    shown = paginator.get_page(page)
    rows = []
    for match in shown.object_list:
        record(user, "list_match.read", "proposed_match", match.id)
        rows.append(
            MatchRow(
                match=match,
                first=_opened(match.first, match.first.person_list.name),
                second=_opened(match.second, match.second.person_list.name),
                reasons=reason_words(match.reasons),
            )
        )
    return ReviewPage(
        rows=rows,
        page=shown,
        status=status,
        waiting=ProposedMatch.objects.filter(status=MatchStatus.PROPOSED).count(),
    )
