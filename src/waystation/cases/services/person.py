"""The person's details on a case: kept clean, sealed, and indexed again on each change."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext, pgettext

from waystation.accounts.models import Actor
from waystation.cases.models import (
    Case,
)
from waystation.cases.services.common import CaseError, _case_for, _record, _text
from waystation.cases.services.indexes import _index_identifiers, _index_story
from waystation.vault import blind

MAX_CONTACTS = 20


def _clean_contacts(contacts: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    cleaned = []
    for contact in itertools.islice(contacts, MAX_CONTACTS):
        item = {
            k: str(contact.get(k, "")).strip()[:200] for k in ("name", "phone", "handle", "email")
        }
        if any(item.values()):
            cleaned.append(item)
    return cleaned


@dataclass(frozen=True)
class Details:
    full_name: str
    phone: str
    email: str
    handle: str
    birth_year: str
    city: str
    narrative: str
    country: str
    contacts: Sequence[dict[str, str]] = ()

    def __repr__(self) -> str:
        return "<Details>"


@transaction.atomic
def update_details(*, user: Actor, case_id: str, details: Details) -> Case:
    case = _case_for(user, case_id)
    if details.birth_year.strip() and blind.blind_index("birth_year", details.birth_year) is None:
        raise CaseError(gettext("A birth year is four digits, like 1994."))
    case.full_name = _text(
        details.full_name, label=pgettext("a person's", "The name"), required=False, limit=300
    )
    case.phone = _text(details.phone, label=gettext("The phone number"), required=False, limit=64)
    case.email = _text(
        details.email, label=gettext("The e-mail address"), required=False, limit=254
    )
    case.handle = _text(details.handle, label=gettext("The handle"), required=False, limit=200)
    case.birth_year = details.birth_year.strip()
    case.city = _text(details.city, label=gettext("The city"), required=False, limit=200)
    case.narrative = _text(
        details.narrative, label=gettext("The story"), required=False, limit=50_000
    )
    case.country = details.country.strip().upper()[:2]
    case.contacts = _clean_contacts(details.contacts)
    _index_story(case)
    case.save()
    _index_identifiers(case)
    _record(user, "case.details_updated", case)
    return case
