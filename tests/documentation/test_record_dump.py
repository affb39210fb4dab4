"""docs/design.md §2.1 for the record: a copy of the database (the raw SQLite file, or a
plain ``pg_dump``) and of the disk holds none of an event's title, summary or place, a
perpetrator's unit, an act's place of detention or notes, a person's name or details
(typed, or copied from a case), a source's reference or summary, or a source file's name,
in any form, after the pages have opened them; the operational fields are found by the
same search."""

from __future__ import annotations

import secrets
import string
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from PIL import Image

from tests.cases.conftest import new_case
from tests.factories import make_staff
from tests.vault.plaintext import database_bytes, find_forms, read_tree
from waystation.accounts.roles import Role
from waystation.cases.services.access import create_team, grant_access
from waystation.documentation.selectors import record as selectors
from waystation.documentation.services import record as services
from waystation.documentation.services import record_files


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


def _jpeg() -> bytes:
    out = BytesIO()
    Image.new("RGB", (8, 8), (40, 40, 40)).save(out, format="JPEG")
    return out.getvalue()


def _seed() -> tuple[dict[str, str], list[str]]:
    token = _token()
    markers = [
        f"Title Argun{token}",
        f"Summary barracks{token}",
        f"Place basement{token}",
        f"Unit Kadyrovtsy{token}",
        f"Detained at{token}",
        f"Notes beaten{token}",
        f"Person Adlan{token}",
        f"Occupation baker{token}",
        f"Case Person{token}",
        f"Reference paper{token}",
        f"Source summary{token}",
        f"Account summary{token}",
        f"Scanfile{token}",
        f"Задержан{token}",
    ]
    manager = make_staff(Role.PROGRAMME_MANAGER, "manager")
    officer = make_staff(Role.DOCUMENTATION, "officer")
    team = create_team(actor_id=None, name="T", supervisor_id=manager.pk)
    case = new_case(team, [], full_name=markers[8])
    grant_access(
        user=manager,
        case_id=case.id,
        grantee_id=officer.pk,
        reason="documenting",
        until=timezone.now() + timedelta(days=3),
    )
    event = services.record_event(
        user=officer,
        details=services.EventDetails(
            kind="detention",
            started_on=date(2017, 3, 1),
            country="RU",
            region="RU-CE",
            title=markers[0],
            summary=f"{markers[1]} {markers[13]}",
            place=markers[2],
        ),
    )
    perpetrator = services.add_perpetrator(
        user=officer, event_id=event.id, kind="security_unit", name=markers[3]
    )
    person = services.add_person(
        user=officer,
        event_id=event.id,
        details=services.PersonDetails(
            role="victim", name=markers[6], details={"occupation": markers[7]}
        ),
    )
    services.add_act(
        user=officer,
        event_id=event.id,
        details=services.ActDetails(
            victim_id=person.id,
            act_type="torture",
            perpetrator_ids=[perpetrator.id],
            place_of_detention=markers[4],
            notes=markers[5],
        ),
    )
    source = services.add_source(
        user=officer,
        event_id=event.id,
        details=services.SourceDetails(
            kind="media",
            reliability="B",
            credibility=2,
            obtained_on=date(2017, 4, 1),
            reference=markers[9],
            summary=markers[10],
        ),
    )
    _case_person, account = services.add_from_case(
        user=officer,
        event_id=event.id,
        taken=services.FromCase(
            case_id=case.id,
            person_role="victim",
            source=services.SourceDetails(
                kind="victim_testimony",
                reliability="B",
                credibility=2,
                obtained_on=date(2017, 4, 2),
                summary=markers[11],
            ),
        ),
    )
    record_files.attach_source_file(
        user=officer,
        source_id=source.id,
        name=f"{markers[12]}.jpg",
        content_type="image/jpeg",
        data=_jpeg(),
    )
    # Opened too, as the pages would: an opening must leave nothing behind.
    selectors.event_list(user=officer, filters=selectors.EventFilters())
    selectors.event_page(user=officer, event_id=event.id)
    selectors.person_page(user=officer, person_id=person.id)
    page = selectors.source_page(user=officer, source_id=source.id)
    selectors.open_source_file(user=officer, source_id=source.id, file_id=page.files[0].id)
    selectors.source_page(user=officer, source_id=account.id)
    ids = {
        "event": event.id,
        "source": source.id,
        "kind": "security_unit",
        "testimony": "victim_testimony",
        "action": "source.file_opened",
    }
    return ids, markers


def _disk(tmp_path: Path) -> bytes:
    assert Path(settings.MEDIA_ROOT).is_relative_to(tmp_path)
    return read_tree(tmp_path)


@pytest.mark.parametrize("engine", ENGINES)
def test_database_dump_contains_no_record_marker(engine, transactional_db, tmp_path):
    assert connection.vendor == engine
    _ids, markers = _seed()
    haystack = database_bytes() + _disk(tmp_path)

    leaks = find_forms(haystack, markers)

    assert leaks == [], f"the record's sealed data is readable in the stored bytes: {leaks[:10]}"


@pytest.mark.parametrize("engine", ENGINES)
def test_record_dump_search_finds_what_is_stored_in_clear(engine, transactional_db, tmp_path):
    """Not vacuous: the ids, the kinds and the audit action are in the same
    bytes."""
    assert connection.vendor == engine
    ids, _markers = _seed()
    database = database_bytes()

    for operational in ids.values():
        assert find_forms(database, [operational]), f"{operational!r} must be in the dump"
