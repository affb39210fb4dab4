# ruff: noqa: RUF001  # Cyrillic names on purpose
"""A list takes one import at a time, and the same file once: a second import while one
is checking or saving is refused, and so is a file whose every row is on the list
already. An import whose worker was stopped (still checking or saving ten minutes on)
is shown and treated as refused, and the page stops reloading."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from tests.documentation.lists_world import add, new_list
from tests.factories import make_staff, signed_in_client
from waystation.accounts.roles import Role
from waystation.documentation.models import ImportState, ListedPerson, ListImport, PersonList
from waystation.documentation.services import imports
from waystation.documentation.services.lists import ListError

FILE = "name,birth_year,phone\nЗарема Ахмадова,1994,+7 912 000 00 01\nAdam Dudayev,,\n".encode()


@pytest.fixture
def officer():
    return make_staff(Role.DOCUMENTATION, "egor")


def _running(person_list: PersonList, state: str, minutes_ago: float) -> ListImport:
    # What a worker leaves while it checks or saves (or after it was killed).
    found = ListImport.objects.create(person_list=person_list, started_by_id=1, state=state)
    ListImport.objects.filter(pk=found.pk).update(
        started_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    found.refresh_from_db()
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("state", [ImportState.CHECKING, ImportState.SAVING])
def test_a_second_import_while_one_runs_is_refused(officer, state):
    person_list = new_list(officer, "Partner A")
    _running(person_list, state, minutes_ago=1)
    with pytest.raises(ListError, match="still running"):
        imports.import_csv(user=officer, list_id=person_list.id, data=FILE)
    assert ListedPerson.objects.count() == 0
    assert ListImport.objects.count() == 1


@pytest.mark.django_db
def test_the_same_file_imported_again_is_refused_and_nothing_doubles(officer):
    person_list = new_list(officer, "Partner A")
    first = imports.import_csv(user=officer, list_id=person_list.id, data=FILE)
    second = imports.import_csv(user=officer, list_id=person_list.id, data=FILE)
    assert (first.state, second.state) == (ImportState.DONE, ImportState.REFUSED)
    assert imports.error_text(second.errors[0]).startswith("Every row of this file is on the list")
    assert ListedPerson.objects.count() == 2
    # A file with one new row is imported: it is not the same file.
    grown = FILE + b"Ruslan Umarov,1990,\n"
    assert imports.import_csv(user=officer, list_id=person_list.id, data=grown).state == "done"
    # The same people on another list are no twins of these.
    other = new_list(officer, "Partner B")
    assert imports.import_csv(user=officer, list_id=other.id, data=FILE).state == "done"


@pytest.mark.django_db
def test_rows_typed_by_hand_before_count_as_on_the_list(officer):
    person_list = new_list(officer, "Partner A")
    add(officer, person_list, "Руслан Умаров")
    data = b"name\nRuslan Umarov\n"  # the same tokens, transliterated
    assert imports.import_csv(user=officer, list_id=person_list.id, data=data).state == "refused"
    data = b"name,birth_year\nRuslan Umarov,1985\n"  # a birth year more: another entry
    assert imports.import_csv(user=officer, list_id=person_list.id, data=data).state == "done"


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_one_file_at_once_save_it_once(officer):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite locks the database")
    person_list = new_list(officer, "Partner A")
    outcomes: list[str] = []
    ready = threading.Barrier(3)

    def run() -> None:
        try:
            ready.wait()
            outcomes.append(
                imports.import_csv(user=officer, list_id=person_list.id, data=FILE).state
            )
        except ListError:
            outcomes.append("refused at once")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    with transaction.atomic():
        # Both start while the list is locked, so both wait at the same place.
        PersonList.objects.select_for_update().get(pk=person_list.pk)
        for thread in threads:
            thread.start()
        ready.wait()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes)[0] == "done" and len(outcomes) == 2
    assert sorted(outcomes)[1] in ("refused", "refused at once")
    assert ListedPerson.objects.filter(person_list=person_list).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("state", [ImportState.CHECKING, ImportState.SAVING])
def test_an_import_stopped_mid_way_is_shown_refused_and_blocks_nothing(officer, state):
    person_list = new_list(officer, "Partner A")
    stopped = _running(person_list, state, minutes_ago=11)
    assert imports.was_stopped(stopped)
    client = signed_in_client(officer)

    html = client.get(f"/documentation/lists/{person_list.id}/imports/{stopped.id}/").content
    html = html.decode()
    assert 'http-equiv="refresh"' not in html
    assert "stopped before it finished; nothing was imported" in html
    assert "Refused" in html
    listed = client.get(f"/documentation/lists/{person_list.id}/").content.decode()
    assert "Refused" in listed

    assert imports.import_csv(user=officer, list_id=person_list.id, data=FILE).state == "done"


@pytest.mark.django_db
def test_an_import_running_a_minute_still_reloads(officer):
    person_list = new_list(officer, "Partner A")
    running = _running(person_list, ImportState.SAVING, minutes_ago=1)
    assert not imports.was_stopped(running)
    html = signed_in_client(officer).get(
        f"/documentation/lists/{person_list.id}/imports/{running.id}/"
    )
    assert 'http-equiv="refresh"' in html.content.decode()
