"""Importing a CSV file into a list: every row checked first, then all saved or none.

The file has a header naming its columns (any of ``name``, ``birth_year``, ``phone``,
``handle``, ``country``; ``name`` is needed), is UTF-8 with or without a byte order
mark, comma- or semicolon-separated, at most :data:`MAX_IMPORT_BYTES` and
:data:`MAX_IMPORT_ROWS` rows. The import goes through the states of
:class:`~waystation.documentation.models.ImportState`:

- **checking**: each row through the same checks as an entry typed by hand; the count
  of rows checked is written every :data:`PROGRESS_EVERY` rows, each time in a short
  commit of its own, so the progress page (another request) can show it;
- **saving**: every entry and its digests, in one transaction with the import's
  ``done``;
- **refused**, if any row failed: nothing is saved, and the errors name the row (as a
  spreadsheet numbers it, the header being row 1), the column and what is wrong. They
  never hold the value: the values are personal data, and the error list is not sealed.

One import runs into a list at a time: a second is refused while one is checking or
saving (the list's row is locked while this is decided). A file whose every row is on
the list already (the same file imported again) is refused, by the rows' blind indexes.
An import still checking or saving :data:`STOPPED_AFTER` after it started was stopped
(its worker killed): it is shown and treated as refused, and nothing of it was saved,
since saving is one transaction.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from waystation.accounts.models import Actor
from waystation.documentation.models import ImportState, ListedNameToken, ListedPerson, ListImport
from waystation.documentation.services.lists import (
    COLUMNS,
    MAX_NAME_TOKENS,
    EntryDetails,
    ListError,
    check_entry,
    list_for,
    name_tokens_of,
    new_entry,
    problem_text,
    record,
    require,
)
from waystation.vault import blind

logger = logging.getLogger(__name__)

MAX_IMPORT_BYTES = 1024 * 1024
MAX_IMPORT_ROWS = 10_000
MAX_LISTED_ERRORS = 200
PROGRESS_EVERY = 500
# Larger than any field the checks accept (a name is 300 characters), small enough that a
# file of one endless field is refused at once, as a file-level error.
_FIELD_LIMIT = 4_096

# Checking 10,000 rows and saving them takes seconds; an import still running this long
# after it started is one whose worker was stopped.
STOPPED_AFTER = timedelta(minutes=10)
RUNNING = (ImportState.CHECKING, ImportState.SAVING)

FileError = dict[str, object]


def was_stopped(list_import: ListImport, now: datetime | None = None) -> bool:
    """Whether an import still checking or saving has run past :data:`STOPPED_AFTER`:
    its worker was stopped, and since saving is one transaction nothing was saved."""
    return (
        list_import.state in RUNNING
        and list_import.started_at < (now or timezone.now()) - STOPPED_AFTER
    )


STOPPED_ERROR = gettext_noop("The import stopped before it finished; nothing was imported.")


def _error(
    row: int | None, column: str, msgid: str, params: dict[str, int] | None = None
) -> FileError:
    """Stored as a message id and its numbers, put into words when shown
    (:func:`error_text`), so that the report reads in each reader's language."""
    return {"row": row, "column": column, "error": msgid, "params": params or {}}


def error_text(error: FileError) -> str:
    params = error.get("params")
    return problem_text((str(error.get("error", "")), params if isinstance(params, dict) else {}))


class _Refused(Exception):
    def __init__(self, error: FileError) -> None:
        self.error = error


def _decode(data: bytes) -> str:
    if len(data) > MAX_IMPORT_BYTES:
        raise _Refused(
            _error(
                None,
                "",
                gettext_noop("The file is larger than %(limit)s KB."),
                {"limit": MAX_IMPORT_BYTES // 1024},
            )
        )
    if not data.strip():
        raise _Refused(_error(None, "", gettext_noop("The file is empty.")))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _Refused(
            _error(
                None,
                "",
                gettext_noop(
                    "The file is not UTF-8 text (is it a CSV file? Save it as CSV UTF-8)."
                ),
            )
        ) from exc
    if "\x00" in text:
        raise _Refused(
            _error(None, "", gettext_noop("The file holds NUL bytes: it is not a CSV text file."))
        )
    return text


def _columns(header: list[str]) -> list[str]:
    names = [h.strip().lower().lstrip("\ufeff") for h in header]
    for position, name in enumerate(names, start=1):
        if name not in COLUMNS:
            raise _Refused(
                _error(
                    1,
                    "",
                    gettext_noop(
                        "Column %(position)s of the header is not one of the columns named below."
                    ),
                    {"position": position},
                )
            )
    if len(set(names)) != len(names):
        raise _Refused(_error(1, "", gettext_noop("The header names a column twice.")))
    if "name" not in names:
        raise _Refused(_error(1, "", gettext_noop("The header has no column for the names.")))
    return names


def read_rows(data: bytes) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """The rows, numbered as a spreadsheet numbers them, and the columns; or ``_Refused``
    for a file that is not a CSV table of the expected columns."""
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, dict[str, str]]] = []
    columns: list[str] = []
    try:
        for record_number, fields in enumerate(reader, start=1):
            if any(len(f) > _FIELD_LIMIT for f in fields):
                raise _Refused(
                    _error(record_number, "", gettext_noop("A field of this row is far too long."))
                )
            if not columns:
                columns = _columns(fields)
                continue
            if not any(f.strip() for f in fields):
                continue  # a blank line
            if len(fields) != len(columns):
                rows.append((record_number, {"": str(len(fields))}))
                continue
            rows.append((record_number, dict(zip(columns, fields, strict=True))))
            if len(rows) > MAX_IMPORT_ROWS:
                raise _Refused(
                    _error(
                        None,
                        "",
                        gettext_noop("The file has more than %(limit)s rows."),
                        {"limit": MAX_IMPORT_ROWS},
                    )
                )
    except csv.Error as exc:
        raise _Refused(
            _error(
                reader.line_num or None, "", gettext_noop("The file cannot be read as CSV here.")
            )
        ) from exc
    if not rows:
        raise _Refused(_error(None, "", gettext_noop("The file has a header but no rows.")))
    return rows, columns


def _save_progress(list_import: ListImport, **fields: object) -> None:
    # Its own short commit (autocommit outside any transaction): the progress page, in
    # another request, sees it at once.
    for name, value in fields.items():
        setattr(list_import, name, value)
    ListImport.objects.filter(pk=list_import.pk).update(**fields)


def import_csv(*, user: Actor, list_id: str, data: bytes) -> ListImport:
    """Check and save a CSV file into a list. Returns the import, done or refused; a
    refusal is not an exception, since its errors are the page to show."""
    require(user)
    with transaction.atomic():
        # Locked, so that of two imports started at once the second sees the first.
        person_list = list_for(list_id, lock=True)
        running = ListImport.objects.filter(
            person_list=person_list,
            state__in=RUNNING,
            started_at__gte=timezone.now() - STOPPED_AFTER,
        )
        if running.exists():
            raise ListError(
                _(
                    "Another import into this list is still running: wait until it has "
                    "finished. Nothing was imported."
                )
            )
        list_import = ListImport.objects.create(person_list=person_list, started_by_id=user.pk)
        record(user, "list_import.started", "list_import", list_import.id)

    try:
        return _check_and_save(user, list_id, list_import, data)
    except Exception:
        # Never left "checking" for ever (its page would reload for ever): refused, and
        # the error goes on to be logged, without the file.
        _refuse(user, list_import, [_error(None, "", gettext_noop("The import failed."))])
        raise


def _check_and_save(user: Actor, list_id: str, list_import: ListImport, data: bytes) -> ListImport:
    try:
        rows, _columns_found = read_rows(data)
    except _Refused as refused:
        return _refuse(user, list_import, [refused.error])
    _save_progress(list_import, total_rows=len(rows))

    errors: list[FileError] = []
    checked: list[EntryDetails] = []
    for done, (row_number, values) in enumerate(rows, start=1):
        if "" in values:
            errors.append(
                _error(
                    row_number,
                    "",
                    gettext_noop("This row has %(found)s fields; the header has %(expected)s."),
                    {"found": int(values[""]), "expected": len(_columns_found)},
                )
            )
        else:
            details, problems = check_entry(values)
            errors.extend(_error(row_number, column, *problem) for column, problem in problems)
            if details is not None:
                checked.append(details)
        if done % PROGRESS_EVERY == 0:
            _save_progress(list_import, done_rows=done)
    if errors:
        return _refuse(user, list_import, errors)

    _save_progress(list_import, state=ImportState.SAVING, done_rows=len(rows))
    try:
        with transaction.atomic():
            locked = list_for(list_id, lock=True)
            entries = [new_entry(locked, details) for details in checked]
            if _all_listed_already(locked.pk, entries):
                return _refuse(
                    user,
                    list_import,
                    [
                        _error(
                            None,
                            "",
                            gettext_noop(
                                "Every row of this file is on the list already: was it "
                                "imported before?"
                            ),
                        )
                    ],
                )
            ListedPerson.objects.bulk_create(entries, batch_size=1_000)
            ListedNameToken.objects.bulk_create(name_tokens_of(entries), batch_size=5_000)
            list_import.state = ImportState.DONE
            list_import.finished_at = timezone.now()
            list_import.save(update_fields=["state", "finished_at"])
            record(user, "list_import.done", "list_import", list_import.id)
    except ListError:
        return _refuse(user, list_import, [_error(None, "", gettext_noop("The list is gone."))])
    return list_import


Fingerprint = tuple[str, str | None, str | None, str | None, tuple[str, ...]]


def _fingerprint(entry: ListedPerson) -> Fingerprint:
    region = blind.phone_region(entry.country)
    return (
        entry.country,
        blind.blind_index("birth_year", entry.birth_year) if entry.birth_year else None,
        blind.blind_index("phone", entry.phone, region=region) if entry.phone else None,
        blind.blind_index("handle", entry.handle) if entry.handle else None,
        tuple(sorted(set(blind.blind_name_tokens(entry.name or "")))[:MAX_NAME_TOKENS]),
    )


def _all_listed_already(list_id: str, entries: list[ListedPerson]) -> bool:
    """Whether every entry about to be saved has its twin on the list already, by blind
    indexes only (nothing is decrypted): the same file imported a second time."""
    tokens: dict[str, list[str]] = {}
    for entry_id, digest in ListedNameToken.objects.filter(
        entry__person_list_id=list_id
    ).values_list("entry_id", "digest"):
        tokens.setdefault(entry_id, []).append(digest)
    listed = {
        (country, year, phone, handle, tuple(sorted(tokens.get(entry_id, []))))
        for entry_id, country, year, phone, handle in ListedPerson.objects.filter(
            person_list_id=list_id
        ).values_list("id", "country", "birth_year_index", "phone_index", "handle_index")
    }
    return bool(listed) and all(_fingerprint(entry) in listed for entry in entries)


def _refuse(user: Actor, list_import: ListImport, errors: list[FileError]) -> ListImport:
    with transaction.atomic():
        list_import.state = ImportState.REFUSED
        listed = errors[:MAX_LISTED_ERRORS]
        if len(errors) > len(listed):
            listed.append(
                _error(
                    None,
                    "",
                    gettext_noop(
                        "%(count)s more problems are not listed: fix these and try again."
                    ),
                    {"count": len(errors) - len(listed)},
                )
            )
        list_import.errors = listed
        list_import.finished_at = timezone.now()
        list_import.save(update_fields=["state", "errors", "finished_at"])
        record(user, "list_import.refused", "list_import", list_import.id)
    logger.info("list import %s refused: %d errors", list_import.id, len(errors))
    return list_import
