"""What every action and page of the record shares: its permissions, the error people
read, clean input, the audit entry, and the one rule of need to know for rows linked to
a case (:func:`visible_case_ids`), which the selectors use too."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from waystation.accounts.models import Actor
from waystation.accounts.templatetags.staff_format import local_number
from waystation.audit import services as audit
from waystation.cases.selectors import visibility as case_visibility
from waystation.documentation.models import DatePrecision, Event, Person, Source
from waystation.ids import RANDOM_ID_LENGTH
from waystation.relocation.services.travel import country_names

RECORD_EVENTS = "documentation.record_events"
READ_EVENTS = "documentation.read_events"

# The record starts where living memory of a case can: nothing before 1900.
EARLIEST = date(1900, 1, 1)
_REGION = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")


class RecordError(Exception):
    """An action on the record was refused; the message is for the person who tried."""


def may_read(user: Actor) -> bool:
    return bool(user.is_active and user.has_perm(READ_EVENTS))


def may_record(user: Actor) -> bool:
    return bool(user.is_active and user.has_perm(RECORD_EVENTS))


def require_recorder(user: Actor) -> None:
    if not may_record(user):
        raise RecordError(_("Your role does not allow recording events."))


def record(user: Actor | None, action: str, object_type: str, object_id: str) -> None:
    audit.record(
        actor_id=None if user is None else user.pk,
        action=action,
        object_type=object_type,
        object_id=object_id,
    )


# --- need to know --------------------------------------------------------------------


def visible_case_ids(user: Actor, case_ids: Collection[str | None]) -> set[str]:
    """Of ``case_ids``, the cases this user may see (``cases.selectors.visibility``):
    a person or source linked to any other case does not exist for them."""
    wanted = {c for c in case_ids if c}
    if not wanted:
        return set()
    return set(
        case_visibility.visible_cases(user).filter(pk__in=wanted).values_list("pk", flat=True)
    )


def _sane_id(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= RANDOM_ID_LENGTH


def event_for(event_id: str, *, lock: bool = False) -> Event:
    """An event, for whoever holds ``read_events`` (events are not case-bound)."""
    if not _sane_id(event_id):
        raise RecordError(_("No such event."))
    queryset = Event.objects.select_for_update() if lock else Event.objects.all()
    found = queryset.filter(pk=event_id).first()
    if found is None:
        raise RecordError(_("No such event."))
    return found


def person_for(user: Actor, person_id: str) -> Person:
    """A person this user may see: not linked to a case, or linked to one they see."""
    found = Person.objects.filter(pk=person_id).first() if _sane_id(person_id) else None
    if found is None or (found.case_id and not visible_case_ids(user, [found.case_id])):
        raise RecordError(_("No such person."))
    return found


def source_for(user: Actor, source_id: str) -> Source:
    """A source this user may see, by the same rule as persons."""
    found = Source.objects.filter(pk=source_id).first() if _sane_id(source_id) else None
    if found is None or (found.case_id and not visible_case_ids(user, [found.case_id])):
        raise RecordError(_("No such source."))
    return found


# --- clean input ----------------------------------------------------------------------


def clean_text(value: str | None, *, label: str, required: bool = False, limit: int = 5_000) -> str:
    value = (value or "").strip()
    if required and not value:
        raise RecordError(_("%(label)s is required.") % {"label": label})
    if len(value) > limit:
        raise RecordError(
            _("%(label)s is limited to %(limit)s characters.")
            % {"label": label, "limit": local_number(limit)}
        )
    if "\x00" in value:
        raise RecordError(_("%(label)s holds a character that is not text.") % {"label": label})
    return value


def clean_line(value: str | None, *, label: str, required: bool = False, limit: int = 300) -> str:
    """One line shown in lists and headings: no line breaks or control characters.
    Format characters stay (a Persian name needs its zero-width non-joiner)."""
    value = clean_text(value, label=label, required=required, limit=limit)
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise RecordError(
            _("%(label)s is one line of text, without control characters.") % {"label": label}
        )
    return value


def clean_choice(value: object, choices: Collection[str], *, label: str) -> str:
    if not isinstance(value, str) or value not in choices:
        raise RecordError(_("Choose %(label)s from the list.") % {"label": label})
    return value


def clean_country(value: str | None) -> str:
    code = (value or "").strip().upper()
    if code not in country_names():
        raise RecordError(_("The country is a two-letter ISO code, like RU or GE."))
    return code


def clean_region(value: str | None, *, country: str) -> str:
    """An ISO 3166-2 subdivision code of the event's country (``RU-CE``), or none. Its
    form is checked, and that it lies in the country; never a town."""
    code = (value or "").strip().upper()
    if not code:
        return ""
    if not _REGION.fullmatch(code) or not code.startswith(f"{country}-"):
        raise RecordError(
            _(
                "The region is an ISO 3166-2 code of the event's country: its two letters, a "
                "hyphen and up to three letters or digits, like RU-CE."
            )
        )
    return code


def clean_date(
    value: date | None, precision: str, *, label: str, required: bool = True
) -> tuple[date | None, str]:
    """A date and how much of it is known, stored as the first day of what is known (the
    1st of the month, the 1st of January). Never in the future, never before 1900."""
    if value is None:
        if required:
            raise RecordError(_("%(label)s is required.") % {"label": label})
        return None, ""
    if not isinstance(value, date):
        raise RecordError(_("%(label)s is not a date.") % {"label": label})
    precision = clean_choice(
        precision or DatePrecision.DAY, DatePrecision.values, label=_("the precision")
    )
    if precision == DatePrecision.MONTH:
        value = value.replace(day=1)
    elif precision == DatePrecision.YEAR:
        value = value.replace(month=1, day=1)
    if value > timezone.localdate():
        raise RecordError(_("%(label)s is in the future.") % {"label": label})
    if value < EARLIEST:
        raise RecordError(_("%(label)s is before 1900.") % {"label": label})
    return value, precision
