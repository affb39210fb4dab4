"""docs/design.md §2.1 for safe houses: a copy of the database (the raw SQLite file, or a plain
``pg_dump``) and of the disk holds no house address, contact or note, nor a stay's
notes, in any form; the operational fields it does hold are found by the same search."""

from __future__ import annotations

import secrets
import string
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from tests.cases.conftest import new_case
from tests.factories import make_staff
from tests.vault.plaintext import database_bytes, find_forms, read_tree
from waystation.accounts.roles import Role
from waystation.relocation.selectors import houses as selectors
from waystation.relocation.services import houses as services


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


def _seed() -> tuple[str, str, str, list[str]]:
    token = _token()
    markers = [
        f"Ulitsa Lenina{token} 14",
        f"Host Tamara{token}",
        f"+995 555 {secrets.randbelow(10**6):06d}",
        f"Key under the mat {token}",
        f"Arrives with a sister {token}",
        f"Тбилиси{token}",
    ]
    logistics = make_staff(Role.LOGISTICS, "logistics")
    caseworker = make_staff(Role.CASEWORKER, "caseworker")
    house = services.add_house(
        user=logistics,
        details=services.HouseDetails(
            label="House 7",
            country="GE",
            beds=3,
            address=f"{markers[0]}, {markers[5]}",
            contacts=f"{markers[1]} {markers[2]}",
            notes=markers[3],
        ),
    )
    case = new_case(None, [caseworker, logistics], full_name="Dump Person")
    today = timezone.localdate()
    services.add_placement(
        user=logistics,  # a keyholder books; the caseworker, holding no key, opens it below
        case_id=case.id,
        stay=services.StayRequest(
            house_id=house.id,
            arrives_on=today,
            leaves_on=today + timedelta(days=3),
            notes=markers[4],
        ),
    )
    # Opened too, as a page would: an opening must leave nothing behind either.
    selectors.case_section(user=caseworker, case=case)
    selectors.house_page(user=logistics, house_id=house.id)
    return house.id, house.label, case.id, markers


def _disk(tmp_path: Path) -> bytes:
    assert Path(settings.MEDIA_ROOT).is_relative_to(tmp_path)
    return read_tree(tmp_path)


@pytest.mark.parametrize("engine", ENGINES)
def test_database_dump_contains_no_house_address_marker(engine, transactional_db, tmp_path):
    assert connection.vendor == engine
    *_ids, markers = _seed()
    haystack = database_bytes() + _disk(tmp_path)

    leaks = find_forms(haystack, markers)

    assert leaks == [], f"a house's sealed data is readable in the stored bytes: {leaks[:10]}"


@pytest.mark.parametrize("engine", ENGINES)
def test_house_dump_search_finds_what_is_stored_in_clear(engine, transactional_db, tmp_path):
    """Not vacuous: the label, the ids and the audit action are in the same bytes."""
    assert connection.vendor == engine
    house_id, label, case_id, _markers = _seed()
    database = database_bytes()

    for operational in (house_id, label, case_id, "safe_house.opened"):
        assert find_forms(database, [operational]), f"{operational!r} must be in the dump"
