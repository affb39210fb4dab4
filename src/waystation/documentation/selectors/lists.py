"""What the lists pages read: the lists with their counts, one list's entries (opened,
audited), an import's progress, and the matches waiting for review (opened, audited).

Lists are read by whoever reads the documentation record (``documentation.read_events``:
documentation officers and programme managers), but an entry's sealed values (name,
birth year, phone, handle) are opened only for those who record it
(``documentation.record_events``, documentation officers), each opening audited: a
programme manager needs the sizes of the lists for the figures, not who is on them, and
sees counts only. The review of matches is for those who record. Nobody else learns
anything, not even a list's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from waystation.accounts.models import Actor
from waystation.documentation.models import (
    ImportState,
    ListedPerson,
    ListImport,
    MatchStatus,
    PersonList,
    ProposedMatch,
)
from waystation.documentation.services.imports import STOPPED_ERROR, error_text, was_stopped
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
class ImportRow:
    id: str
    started_at: datetime
    state: str  # refused, for an import that was stopped (``was_stopped``)
    state_label: str


def _import_row(found: ListImport, now: datetime) -> ImportRow:
    state = ImportState.REFUSED if was_stopped(found, now) else ImportState(found.state)
    return ImportRow(found.id, found.started_at, state, str(state.label))


@dataclass(frozen=True)
class ListPage:
    person_list: PersonList
    entries: list[OpenedEntry]  # empty unless opened
    page: Page | None  # type: ignore[type-arg]  # of ListedPerson rows; None unless opened
    opened: bool  # whether the entries were opened (and the opening audited)
    size: int
    matched: int
    imports: list[ImportRow]


def _list(list_id: str) -> PersonList:
    try:
        return list_for(list_id)
    except ListError as exc:
        raise ListNotFound from exc


def list_page(*, user: Actor, list_id: str, page: str | int = 1) -> ListPage:
    """A list's counts and, for those who record, one page of its entries opened: one
    ``person_list.read`` entry in the audit log per page opened. A reader who does not
    record gets the counts and the imports, and nothing is decrypted for them."""
    _reader(user)
    person_list = _list(list_id)
    entries = ListedPerson.objects.filter(person_list=person_list).order_by("added_at", "id")
    opened: list[OpenedEntry] = []
    shown = None
    now = timezone.now()
    if may_record_lists(user):
        shown = Paginator(entries, ENTRIES_PER_PAGE).get_page(page)
        record(user, "person_list.read", "person_list", person_list.id)
        opened = [_opened(e, person_list.name) for e in shown.object_list]
    return ListPage(
        person_list=person_list,
        entries=opened,
        page=shown,
        opened=shown is not None,
        size=entries.count(),
        matched=entries.filter(_matched_ids()).count(),
        imports=[
            _import_row(found, now)
            for found in ListImport.objects.filter(person_list=person_list).order_by("-started_at")[
                :10
            ]
        ],
    )


@dataclass(frozen=True)
class ShownError:
    row: int | None
    column: str
    text: str


@dataclass(frozen=True)
class ImportPage:
    list_import: ListImport
    state: str  # refused, for an import that was stopped
    state_label: str
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
    row = _import_row(found, timezone.now())
    if was_stopped(found):
        errors = [ShownError(row=None, column="", text=_(STOPPED_ERROR))]
    return ImportPage(
        list_import=found, state=row.state, state_label=row.state_label, errors=errors
    )


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
