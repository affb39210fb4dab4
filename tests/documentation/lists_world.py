"""What the tests of lists, matching and imports share: a documentation officer and a
programme manager, lists, and entries added through the services."""

from __future__ import annotations

from waystation.accounts.models import StaffUser
from waystation.documentation.models import ListedPerson, PersonList
from waystation.documentation.services import lists


def new_list(officer: StaffUser, name: str, kind: str = "partner") -> PersonList:
    return lists.create_list(user=officer, name=name, kind=kind)


def add(officer: StaffUser, person_list: PersonList, name: str, **values: str) -> ListedPerson:
    return lists.add_entry(user=officer, list_id=person_list.id, values={"name": name, **values})
