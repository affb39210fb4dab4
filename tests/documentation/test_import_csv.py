"""CSV import into a list: a good file is saved whole, in one transaction; every kind of
bad file is refused with errors per row and column, nothing saved, and the report never
repeats a value."""

from __future__ import annotations

import json

import pytest

from tests.documentation.lists_world import new_list
from tests.factories import make_staff
from waystation.accounts.roles import Role
from waystation.audit.models import AuditEntry
from waystation.documentation.models import (
    ImportState,
    ListedNameToken,
    ListedPerson,
    ListImport,
)
from waystation.documentation.services import imports

pytestmark = pytest.mark.django_db

GOOD = (
    "name,birth_year,phone,handle,country\n"
    "Зарема Ахмадова,1994,+7 912 000 00 01,@zarema_a,RU\n"
    "Ruslan Umarov,,8 912 000-00-02,,RU\n"
    "Adam Dudayev,1985,,t.me/adam_d,\n"
)


@pytest.fixture
def officer():
    return make_staff(Role.DOCUMENTATION, "egor")


@pytest.fixture
def person_list(officer):
    return new_list(officer, "Partner A")


def _import(officer, person_list, data: bytes) -> ListImport:
    return imports.import_csv(user=officer, list_id=person_list.id, data=data)


@pytest.mark.parametrize(
    "data",
    [
        GOOD.encode(),
        b"\xef\xbb\xbf" + GOOD.encode(),  # with a byte order mark, as Excel saves it
        GOOD.replace(",", ";").replace("\n", "\r\n").encode(),  # a Russian Excel's CSV
    ],
    ids=["utf-8", "bom", "semicolons-crlf"],
)
def test_a_good_file_is_saved_whole(officer, person_list, data):
    done = _import(officer, person_list, data)

    assert done.state == ImportState.DONE
    assert (done.total_rows, done.done_rows, done.errors) == (3, 3, [])
    names = sorted(e.name for e in ListedPerson.objects.filter(person_list=person_list))
    assert names == ["Adam Dudayev", "Ruslan Umarov", "Зарема Ахмадова"]
    assert ListedNameToken.objects.count() == 6
    zarema = next(e for e in ListedPerson.objects.all() if e.birth_year == "1994")
    assert zarema.phone_index and zarema.handle_index and zarema.birth_year_index
    assert AuditEntry.objects.filter(action="list_import.done", object_id=done.id).exists()


def test_a_file_with_fewer_columns_is_read_by_its_header(officer, person_list):
    done = _import(officer, person_list, b"phone,name\n+7 912 000 00 01,Ruslan Umarov\n")

    assert done.state == ImportState.DONE
    assert ListedPerson.objects.get().phone == "+7 912 000 00 01"


SECRET = "Kheda Secretova"
BAD_ROWS = {
    "formula": (f'=HYPERLINK("x";"{SECRET}"),1990,,,RU', "name"),
    "markup": (f"<img src=x onerror=alert(1)>{SECRET},1990,,,RU", "name"),
    "year": (f"{SECRET},19x4,,,RU", "birth_year"),
    "phone": (f"{SECRET},1990,call {SECRET},,RU", "phone"),
    "handle": (f"{SECRET},1990,,@{SECRET},RU", "handle"),
    "country": (f"{SECRET},1990,,,Chechnya", "country"),
    "huge": (f"{SECRET}{'x' * 400},1990,,,RU", "name"),
    "fields": (f"{SECRET},1990", ""),
}


@pytest.mark.parametrize("kind", list(BAD_ROWS))
def test_a_bad_row_refuses_the_whole_file_and_names_row_and_column(officer, person_list, kind):
    line, column = BAD_ROWS[kind]
    data = (GOOD + line + "\n" + "Good Person,1990,,,RU\n").encode()

    done = _import(officer, person_list, data)

    assert done.state == ImportState.REFUSED
    assert [(e["row"], e["column"]) for e in done.errors] == [(5, column)]
    assert not ListedPerson.objects.exists()
    assert not ListedNameToken.objects.exists()
    stored = json.dumps(done.errors, ensure_ascii=False)
    assert "Secretova" not in stored and "Chechnya" not in stored and "19x4" not in stored


FILE_REFUSALS = {
    "binary": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    "nul": b"name\nRuslan\x00Umarov\n",
    "empty": b"",
    "header only": b"name,phone\n",
    "wrong column": b"name,passport\nRuslan Umarov,751234567\n",
    "no name column": b"phone\n+7 912 000 00 01\n",
    "repeated column": b"name,name\nRuslan,Umarov\n",
    "not utf-8": "name\nRuslan Umarov \u0416\n".encode("cp1251"),
    "too large": b"name\n" + b"Ruslan Umarov\n" * (imports.MAX_IMPORT_BYTES // 14 + 1),
    "too many rows": b"name\n" + b"Ruslan\n" * (imports.MAX_IMPORT_ROWS + 1),
    "endless field": b'name\n"' + b"x" * 200_000 + b"\n",
    "broken quoting": b'name,phone\n"Ruslan" Umarov,1\n',
}


@pytest.mark.parametrize("kind", list(FILE_REFUSALS))
def test_a_file_that_is_not_a_good_csv_table_is_refused_whole(officer, person_list, kind):
    done = _import(officer, person_list, FILE_REFUSALS[kind])

    assert done.state == ImportState.REFUSED
    assert len(done.errors) == 1 and done.errors[0]["error"]
    assert not ListedPerson.objects.exists()
    stored = json.dumps(done.errors, ensure_ascii=False)
    assert "Ruslan" not in stored and "passport" not in stored and "751234567" not in stored


def test_many_bad_rows_are_listed_up_to_a_limit(officer, person_list):
    data = "name,birth_year\n" + "Ruslan,99\n" * (imports.MAX_LISTED_ERRORS + 50)

    done = _import(officer, person_list, data.encode())

    assert done.state == ImportState.REFUSED
    assert len(done.errors) == imports.MAX_LISTED_ERRORS + 1
    assert done.errors[-1]["row"] is None
    assert "50 more problems" in imports.error_text(done.errors[-1])


def test_progress_is_recorded_as_the_rows_are_checked(officer, person_list):
    rows = imports.PROGRESS_EVERY * 2 + 7
    data = "name\n" + "".join(f"Person Number{n:05d}x\n" for n in range(rows))

    done = _import(officer, person_list, data.encode())

    assert done.state == ImportState.DONE
    stored = ListImport.objects.get(pk=done.pk)
    assert (stored.total_rows, stored.done_rows) == (rows, rows)
    assert ListedPerson.objects.count() == rows


def test_only_an_officer_imports(person_list):
    from waystation.documentation.services.lists import ListError

    manager = make_staff(Role.PROGRAMME_MANAGER)
    with pytest.raises(ListError):
        imports.import_csv(user=manager, list_id=person_list.id, data=GOOD.encode())
    assert not ListImport.objects.exists()


def test_an_import_that_fails_while_saving_is_refused_not_left_running(officer, person_list):
    from waystation.vault import runtime
    from waystation.vault.keyring import VaultSealed

    runtime.backend().seal()  # the rows check, then sealing them fails

    with pytest.raises(VaultSealed):
        _import(officer, person_list, GOOD.encode())

    stored = ListImport.objects.get()
    assert stored.state == ImportState.REFUSED
    assert imports.error_text(stored.errors[0]) == "The import failed."
    assert not ListedPerson.objects.exists()


def test_progress_is_committed_as_it_goes_outside_any_transaction(transactional_db, monkeypatch):
    """Each progress write is its own commit, so another request (the progress page)
    sees it while the rows are still being checked."""
    from django.db import connection

    officer = make_staff(Role.DOCUMENTATION, "egor")
    person_list = new_list(officer, "Partner A")
    seen = []
    save = imports._save_progress

    def watched(list_import, **fields):
        save(list_import, **fields)
        seen.append((connection.in_atomic_block, fields.get("done_rows")))

    monkeypatch.setattr(imports, "_save_progress", watched)
    rows = imports.PROGRESS_EVERY * 2
    data = "name\n" + "".join(f"Person Number{n:05d}x\n" for n in range(rows))

    done = _import(officer, person_list, data.encode())

    assert done.state == ImportState.DONE
    assert (False, imports.PROGRESS_EVERY) in seen and (False, rows) in seen
    assert all(in_transaction is False for in_transaction, _ in seen)
