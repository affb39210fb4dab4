"""Lists of persons: creating, renaming, adding and removing entries, with their digests
and audit entries, and the refusals of bad input."""

from __future__ import annotations

import pytest

from tests.documentation.lists_world import add, new_list
from tests.factories import make_staff
from waystation.accounts.roles import Role
from waystation.audit.models import AuditEntry
from waystation.documentation.models import ListedNameToken, ListedPerson, PersonList
from waystation.documentation.services import lists
from waystation.documentation.services.lists import ListError
from waystation.vault import blind

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return make_staff(Role.DOCUMENTATION, "egor")


def test_a_list_has_a_key_of_its_own_and_an_audited_creation(officer):
    first = new_list(officer, "Partner A")
    second = new_list(officer, "Press reports 2017", kind="media")

    assert first.data_key_id != second.data_key_id
    entry = AuditEntry.objects.get(action="person_list.created", object_id=first.id)
    assert entry.actor_id == officer.pk


def test_renaming_keeps_names_unique(officer):
    first = new_list(officer, "Partner A")
    new_list(officer, "Partner B")

    with pytest.raises(ListError, match="already"):
        lists.rename_list(user=officer, list_id=first.id, name="Partner B")
    lists.rename_list(user=officer, list_id=first.id, name="Shelter North")

    assert PersonList.objects.get(pk=first.pk).name == "Shelter North"
    assert AuditEntry.objects.filter(action="person_list.renamed", object_id=first.id).exists()


def test_an_entry_is_sealed_with_the_lists_key_and_indexed(officer):
    person_list = new_list(officer, "Partner A")

    entry = add(
        officer,
        person_list,
        "Зарема Ахмадова",
        birth_year="1994",
        phone="+7 912 000 00 01",
        handle="@zarema_a",
        country="RU",
    )

    stored = ListedPerson.objects.get(pk=entry.pk)
    assert stored.data_key_id == person_list.data_key_id
    assert stored.phone_index == blind.blind_index("phone", "+79120000001")
    assert stored.handle_index == blind.blind_index("handle", "zarema_a")
    assert stored.birth_year_index == blind.blind_index("birth_year", "1994")
    tokens = set(ListedNameToken.objects.filter(entry=entry).values_list("digest", flat=True))
    assert tokens == set(blind.blind_name_tokens("Zarema Akhmadova"))
    assert stored.name == "Зарема Ахмадова"
    assert AuditEntry.objects.filter(action="list_entry.added", object_id=entry.id).exists()


def test_removing_an_entry_takes_its_digests_and_is_audited(officer):
    person_list = new_list(officer, "Partner A")
    entry = add(officer, person_list, "Ruslan Umarov")

    lists.remove_entry(user=officer, list_id=person_list.id, entry_id=entry.id)

    assert not ListedPerson.objects.filter(pk=entry.pk).exists()
    assert not ListedNameToken.objects.filter(entry_id=entry.pk).exists()
    assert AuditEntry.objects.filter(action="list_entry.removed", object_id=entry.id).exists()


def test_an_entry_of_another_list_is_not_removed_through_this_one(officer):
    first, second = new_list(officer, "Partner A"), new_list(officer, "Partner B")
    entry = add(officer, second, "Ruslan Umarov")

    with pytest.raises(ListError):
        lists.remove_entry(user=officer, list_id=first.id, entry_id=entry.id)
    assert ListedPerson.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize(
    ("values", "column"),
    [
        ({"name": ""}, "name"),
        ({"name": '=HYPERLINK("http://x")'}, "name"),
        ({"name": "<script>alert(1)</script>"}, "name"),
        ({"name": "Ruslan\x00Umarov"}, "name"),
        ({"name": "x" * 301}, "name"),
        ({"name": "Ruslan", "birth_year": "94"}, "birth_year"),
        ({"name": "Ruslan", "birth_year": "2090"}, "birth_year"),
        ({"name": "Ruslan", "phone": "=1+2"}, "phone"),
        ({"name": "Ruslan", "phone": "12"}, "phone"),
        ({"name": "Ruslan", "handle": "two words"}, "handle"),
        ({"name": "Ruslan", "handle": "=cmd"}, "handle"),
        ({"name": "Ruslan", "country": "Russia"}, "country"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(officer, values, column):
    person_list = new_list(officer, "Partner A")

    with pytest.raises(ListError) as refused:
        lists.add_entry(user=officer, list_id=person_list.id, values=values)

    assert lists.column_label(column) in str(refused.value)
    for value in values.values():
        if len(value) > 3:
            assert value not in str(refused.value)
    assert not ListedPerson.objects.exists()


def test_only_a_documentation_officer_changes_lists(officer):
    person_list = new_list(officer, "Partner A")
    for role in (Role.PROGRAMME_MANAGER, Role.CASEWORKER, Role.ADMINISTRATOR):
        other = make_staff(role)
        with pytest.raises(ListError):
            lists.create_list(user=other, name=f"By {role.name}", kind="other")
        with pytest.raises(ListError):
            lists.add_entry(user=other, list_id=person_list.id, values={"name": "Ruslan"})
    assert PersonList.objects.count() == 1
    assert not ListedPerson.objects.exists()
