"""Lists of persons: creating and renaming a list, adding an entry by hand, removing one.

A list has a data key of its own, and every entry is sealed with it; what lets entries
be matched across lists is computed here, once, from the plaintext being saved: the
blind indexes of birth year, phone and handle (by the model's fields) and one digest per
name token (:func:`index_name_tokens`). The matcher reads nothing else.

The checks of one entry (:func:`check_entry`) are shared with the CSV import, which
reports them per row and column and never repeats the value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from waystation.accounts.models import Actor
from waystation.accounts.templatetags.staff_format import local_number
from waystation.audit import services as audit
from waystation.documentation.models import (
    EventKind,
    ListedNameToken,
    ListedPerson,
    ListKind,
    PersonList,
)
from waystation.vault import blind, datakeys, normalisers

RECORD_EVENTS = "documentation.record_events"
READ_EVENTS = "documentation.read_events"

LIST_NAME_LIMIT = 60
NAME_LIMIT = 300
PHONE_LIMIT = 64
HANDLE_LIMIT = 200
_COUNTRY = re.compile(r"[A-Z]{2}")
_PHONE = re.compile(r"\+?[0-9 ()./-]+")
_BIRTH_YEAR = re.compile(r"(19|20)[0-9]{2}")
# What a spreadsheet reads as a formula when the cell is opened ("=HYPERLINK(...)"), and
# markup: neither is ever part of a name or a handle, and either would travel with the
# list into whatever opens an export of it.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MARKUP = re.compile(r"[<>]")
# Control characters (a line break, a NUL byte), surrogates, private use, and format
# characters: zero-width spaces and joiners, which hide a formula behind an invisible
# first character ("\u200b=HYPERLINK(...)"), and the bidirectional overrides and
# isolates, which make two different names look alike on the review page.
_HIDDEN = ("Cc", "Cf", "Cs", "Co")
# A name has a few words. Matching compares each name's pairs of tokens, so the work
# grows with the square of a name's tokens: a "name" of a hundred words (or of emoji,
# each of which transliterates to a word) is refused rather than matched.
MAX_NAME_TOKENS = 8


def _hidden_characters(value: str) -> bool:
    return any(unicodedata.category(c) in _HIDDEN for c in value)


class ListError(Exception):
    """A lists action was refused; the message is for the person who tried."""


def require(user: Actor, permission: str = RECORD_EVENTS) -> None:
    if not user.is_active or not user.has_perm(permission):
        raise ListError(_("Your role does not allow this."))


def may_read_lists(user: Actor) -> bool:
    return bool(user.is_active and user.has_perm(READ_EVENTS))


def may_record_lists(user: Actor) -> bool:
    return bool(user.is_active and user.has_perm(RECORD_EVENTS))


def record(actor: Actor | None, action: str, object_type: str, object_id: str) -> None:
    audit.record(
        actor_id=None if actor is None else actor.pk,
        action=action,
        object_type=object_type,
        object_id=object_id,
    )


def list_for(list_id: str, *, lock: bool = False) -> PersonList:
    if not isinstance(list_id, str) or len(list_id) > 32:
        raise ListError(_("No such list."))
    queryset = PersonList.objects.select_for_update() if lock else PersonList.objects.all()
    found = queryset.filter(pk=list_id).first()
    if found is None:
        raise ListError(_("No such list."))
    return found


# --- one entry --------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryDetails:
    """What a list says of one person; all of it is sealed but ``country``."""

    name: str
    birth_year: str = ""
    phone: str = ""
    handle: str = ""
    country: str = ""

    def __repr__(self) -> str:  # never print a person into a log or a traceback
        return "<EntryDetails>"


COLUMNS = ("name", "birth_year", "phone", "handle", "country")


def column_label(column: str) -> str:
    return {
        "name": _("Name"),
        "birth_year": _("Birth year"),
        "phone": _("Phone"),
        "handle": _("Messenger handle"),
        "country": _("Country"),
    }.get(column, column)


# What is wrong, as a message id and its numbers: kept so (an import's errors are stored)
# and put into words in the reader's language when shown.
Problem = tuple[str, dict[str, int]]


def problem_text(problem: Problem) -> str:
    msgid, params = problem
    text = _(msgid)
    return text % {k: local_number(v) for k, v in params.items()} if params else text


def _one_line_problem(value: str, column: str, limit: int) -> Problem | None:
    if len(value) > limit:
        return gettext_noop("longer than %(limit)s characters"), {"limit": limit}
    if _hidden_characters(value):
        return (
            gettext_noop(
                "holds control or invisible characters (a line break, a zero-width space, "
                "a change of writing direction)"
            ),
            {},
        )
    if _MARKUP.search(value):
        return gettext_noop("holds < or >, which no name or identifier has"), {}
    if (
        column != "phone"
        and value.startswith(_FORMULA_START)
        and not (column == "handle" and value.startswith("@") and not value.startswith("@="))
    ):
        return gettext_noop("starts like a spreadsheet formula (=, +, - or @)"), {}
    return None


def check_entry(
    values: Mapping[str, str],
) -> tuple[EntryDetails | None, list[tuple[str, Problem]]]:
    """The entry, or what is wrong with it: (column, what is wrong) pairs, in words that
    never repeat the value."""
    problems: list[tuple[str, Problem]] = []
    clean: dict[str, str] = {}
    for column in COLUMNS:
        raw = values.get(column) or ""
        if not isinstance(raw, str):
            problems.append((column, (gettext_noop("is not text"), {})))
            continue
        value = unicodedata.normalize("NFC", raw).strip()
        limit = {"name": NAME_LIMIT, "phone": PHONE_LIMIT, "handle": HANDLE_LIMIT}.get(column, 4)
        problem = _one_line_problem(value, column, limit if column != "country" else 2)
        if problem is None and value:
            if column == "birth_year" and not _BIRTH_YEAR.fullmatch(value):
                problem = gettext_noop("is not a year between 1900 and 2099"), {}
            elif column == "birth_year" and int(value) > timezone.now().year:
                problem = gettext_noop("is in the future"), {}
            elif column == "phone" and (
                not _PHONE.fullmatch(value) or sum(c.isdigit() for c in value) < 5
            ):
                problem = (
                    gettext_noop(
                        "is not a phone number (digits, spaces, + - ( ) only, 5 digits or more)"
                    ),
                    {},
                )
            elif column == "name" and len(normalisers.name_tokens(value)) > MAX_NAME_TOKENS:
                problem = (
                    gettext_noop("has more than %(limit)s words"),
                    {"limit": MAX_NAME_TOKENS},
                )
            elif column == "handle" and any(c.isspace() for c in value):
                problem = gettext_noop("holds spaces, which no handle has"), {}
            elif column == "country":
                value = value.upper()
                if not _COUNTRY.fullmatch(value):
                    problem = gettext_noop("is not a two-letter country code, like DE"), {}
        if problem is not None:
            problems.append((column, problem))
        clean[column] = value
    if not problems and not clean["name"]:
        problems.append(("name", (gettext_noop("is empty: every entry needs a name"), {})))
    if problems:
        return None, problems
    return EntryDetails(**clean), []


def _refuse(problems: list[tuple[str, Problem]]) -> ListError:
    column, problem = problems[0]
    return ListError(
        _("%(column)s %(problem)s. Nothing was saved.")
        % {"column": column_label(column), "problem": problem_text(problem)}
    )


def new_entry(person_list: PersonList, details: EntryDetails) -> ListedPerson:
    """An unsaved entry: its blind indexes are computed by its fields when it is saved."""
    return ListedPerson(
        person_list=person_list,
        data_key_id=person_list.data_key_id,
        country=details.country,
        name=details.name,
        birth_year=details.birth_year,
        phone=details.phone,
        handle=details.handle,
    )


def name_tokens_of(entries: Iterable[ListedPerson]) -> list[ListedNameToken]:
    """One digest per distinct token of each entry's name (transliterated, so the same
    name in Cyrillic and in Latin letters gives the same digests). At most
    :data:`MAX_NAME_TOKENS` per entry, whatever reached here: the checks refuse longer
    names, and this bound keeps the matcher's pairs of tokens few even if one slipped by."""
    return [
        ListedNameToken(entry=entry, digest=digest)
        for entry in entries
        for digest in sorted(set(blind.blind_name_tokens(entry.name or "")))[:MAX_NAME_TOKENS]
    ]


# --- the actions ------------------------------------------------------------------------


def _clean_list_name(name: str) -> str:
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name:
        raise ListError(_("The list needs a name: an organisation's or a kind's."))
    if len(name) > LIST_NAME_LIMIT:
        raise ListError(
            _("A list's name is limited to %(limit)s characters.")
            % {"limit": local_number(LIST_NAME_LIMIT)}
        )
    if _hidden_characters(name) or _MARKUP.search(name):
        raise ListError(
            _("A list's name is one line of visible text, without < or > or invisible characters.")
        )
    if name.startswith(_FORMULA_START):
        # It is a column of the estimate's exports: never a spreadsheet formula there.
        raise ListError(_("A list's name may not start like a formula (=, +, - or @)."))
    return name


@transaction.atomic
def create_list(
    *, user: Actor, name: str, kind: str, event_kind: str = "", country: str = ""
) -> PersonList:
    require(user)
    name = _clean_list_name(name)
    if kind not in ListKind.values:
        raise ListError(_("Choose the kind of list from the choices."))
    if event_kind and event_kind not in EventKind.values:
        raise ListError(_("Choose the kind of event from the choices."))
    country = (country or "").strip().upper()
    if country and not _COUNTRY.fullmatch(country):
        raise ListError(_("The country is a two-letter code, like DE."))
    if PersonList.objects.filter(name=name).exists():
        raise ListError(_("There is a list of that name already."))
    person_list = PersonList.objects.create(
        data_key_id=datakeys.create_data_key().id,
        name=name,
        kind=kind,
        event_kind=event_kind,
        country=country,
        created_by_id=user.pk,
    )
    record(user, "person_list.created", "person_list", person_list.id)
    return person_list


@transaction.atomic
def rename_list(*, user: Actor, list_id: str, name: str) -> PersonList:
    require(user)
    person_list = list_for(list_id, lock=True)
    name = _clean_list_name(name)
    if PersonList.objects.filter(name=name).exclude(pk=person_list.pk).exists():
        raise ListError(_("There is a list of that name already."))
    person_list.name = name
    person_list.save(update_fields=["name"])
    record(user, "person_list.renamed", "person_list", person_list.id)
    return person_list


@transaction.atomic
def add_entry(*, user: Actor, list_id: str, values: Mapping[str, str]) -> ListedPerson:
    require(user)
    person_list = list_for(list_id, lock=True)
    details, problems = check_entry(values)
    if details is None:
        raise _refuse(problems)
    entry = new_entry(person_list, details)
    entry.save()
    ListedNameToken.objects.bulk_create(name_tokens_of([entry]))
    record(user, "list_entry.added", "listed_person", entry.id)
    return entry


@transaction.atomic
def remove_entry(*, user: Actor, list_id: str, entry_id: str) -> None:
    """The entry goes with its digests and every match that names it (decided or not)."""
    require(user)
    person_list = list_for(list_id, lock=True)
    entry = ListedPerson.objects.filter(pk=entry_id, person_list=person_list).first()
    if entry is None:
        raise ListError(_("No such entry on this list."))
    entry.delete()
    record(user, "list_entry.removed", "listed_person", entry_id)
