"""docs/design.md §2.1 for lists of persons: a copy of the database (the raw SQLite
file, or a plain ``pg_dump``) and of the disk holds no listed name, birth year, phone or
handle in any form, whether the entry was typed, imported or opened for review; and
the same search finds what is stored in clear (the list's name, ids, the audit
actions), so it is not vacuous."""

from __future__ import annotations

import secrets
import string
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.documentation.lists_world import add, new_list
from tests.factories import make_staff
from tests.vault.plaintext import database_bytes, find_forms, read_tree
from waystation.accounts.roles import Role
from waystation.documentation.selectors import lists as selectors
from waystation.documentation.services import imports, matching


def _engine(name: str) -> object:
    return pytest.param(
        name,
        marks=pytest.mark.skipif(
            connection.vendor != name,
            reason=f"this check is for {name}; the suite runs on {connection.vendor}",
        ),
    )


ENGINES = [_engine("sqlite"), _engine("postgresql")]


def _token() -> str:
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(8))


def _seed() -> tuple[dict[str, str], list[str]]:
    token = _token()
    phone = f"+7 912 {secrets.randbelow(10**7):07d}"
    markers = [
        f"Zarema{token}",
        f"Ахмадова{token}",
        phone,
        f"handle{token}",
        f"Imported{token}",
        f"Importphone{token}",
    ]
    officer = make_staff(Role.DOCUMENTATION, "egor")
    hotline, partner = new_list(officer, "Hotline dump"), new_list(officer, "Partner dump")
    add(
        officer,
        hotline,
        f"{markers[0]} {markers[1]}",
        birth_year="1994",
        phone=phone,
        handle=f"@{markers[3]}",
    )
    add(officer, partner, f"{markers[0]} {markers[1]}", birth_year="1994", phone=phone)
    data = f"name,handle\n{markers[4]} Umarov,{markers[5]}\n".encode()
    done = imports.import_csv(user=officer, list_id=partner.id, data=data)
    matching.propose_matches(user=officer)
    # Opened as the pages open them: an opening must leave nothing behind.
    review = selectors.review_page(user=officer)
    selectors.list_page(user=officer, list_id=hotline.id)
    selectors.list_page(user=officer, list_id=partner.id)
    matching.confirm_match(user=officer, match_id=review.rows[0].match.id)
    ids = {
        "list": hotline.id,
        "name": "Hotline dump",
        "import": done.id,
        "match": review.rows[0].match.id,
        "action": "list_match.confirmed",
    }
    return ids, markers


def _disk(tmp_path: Path) -> bytes:
    assert Path(settings.MEDIA_ROOT).is_relative_to(tmp_path)
    return read_tree(tmp_path)


@pytest.mark.parametrize("engine", ENGINES)
def test_database_dump_contains_no_listed_person_marker(engine, transactional_db, tmp_path):
    assert connection.vendor == engine
    _ids, markers = _seed()
    haystack = database_bytes() + _disk(tmp_path)

    leaks = find_forms(haystack, markers)

    assert leaks == [], f"listed persons are readable in the stored bytes: {leaks[:10]}"


@pytest.mark.parametrize("engine", ENGINES)
def test_lists_dump_search_finds_what_is_stored_in_clear(engine, transactional_db, tmp_path):
    assert connection.vendor == engine
    ids, _markers = _seed()
    database = database_bytes()

    for operational in ids.values():
        assert find_forms(database, [operational]), f"{operational!r} must be in the dump"
