# ruff: noqa: RUF001  # Russian text on purpose: these tests read Russian pages
"""The record's pages in Russian, for every role that reads them (docs/translating.md).

The walker of tests/accounts/test_staff_in_russian.py fills no id of the record; this
walk builds an event with a person typed in, a person and an account taken from a case
(seen through a grant), a perpetrator, an act, graded sources of two origins and a file,
and reads every page of the record each member may open, in Russian. The letters of the
Admiralty scale (A to F) and country and region codes are data, not English."""

from __future__ import annotations

import re
from datetime import date, timedelta
from io import BytesIO

import pytest
from django.contrib.messages import get_messages
from django.urls import URLPattern, reverse
from django.utils import timezone
from PIL import Image

from tests.accounts.test_staff_in_russian import english_words, staff_url_names
from tests.cases.conftest import new_case
from tests.factories import make_staff, signed_in_client
from waystation.accounts.roles import Role
from waystation.cases.services import access
from waystation.documentation.services import record as services
from waystation.documentation.services import record_files

pytestmark = pytest.mark.django_db

USERNAMES = {
    Role.SCREENER: "gleb",
    Role.CASEWORKER: "amina",
    Role.LOGISTICS: "dina",
    Role.PROGRAMME_MANAGER: "boris",
    Role.DOCUMENTATION: "egor",
    Role.ADMINISTRATOR: "zoya",
}
GRADES = set("ABCDEF")
FIXTURE_WORDS = set(USERNAMES.values()) | GRADES | {"jpg"}  # and the file name's end


def _jpeg() -> bytes:
    out = BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def world(db):
    members = {role: make_staff(role, username=name) for role, name in USERNAMES.items()}
    manager, officer = members[Role.PROGRAMME_MANAGER], members[Role.DOCUMENTATION]
    team = access.create_team(actor_id=None, name="Север", supervisor_id=manager.pk)
    case = new_case(
        team, [members[Role.CASEWORKER]], full_name="Адлан Тестов", narrative="Задержали в марте."
    )
    access.grant_access(
        user=manager,
        case_id=case.id,
        grantee_id=officer.pk,
        reason="Документирование",
        until=timezone.now() + timedelta(days=3),
    )
    event = services.record_event(
        user=officer,
        details=services.EventDetails(
            kind="detention",
            started_on=date(2017, 3, 1),
            started_precision="month",
            ended_on=date(2017, 4, 10),
            ended_precision="about",
            country="RU",
            region="RU-CE",
            title="Задержания в Аргуне",
            summary="Мужчин держали в бывших казармах.",
            place="Бывшие казармы",
        ),
    )
    perpetrator = services.add_perpetrator(
        user=officer, event_id=event.id, kind="police", name="Районный отдел"
    )
    typed = services.add_person(
        user=officer,
        event_id=event.id,
        details=services.PersonDetails(
            role="witness", name="Сосед", details={"birth_year": "1980", "occupation": "пекарь"}
        ),
    )
    person, account = services.add_from_case(
        user=officer,
        event_id=event.id,
        taken=services.FromCase(
            case_id=case.id,
            person_role="victim",
            source=services.SourceDetails(
                kind="victim_testimony",
                reliability="B",
                credibility=2,
                obtained_on=date(2017, 5, 1),
                summary="Рассказ о задержании.",
            ),
        ),
    )
    act = services.add_act(
        user=officer,
        event_id=event.id,
        details=services.ActDetails(
            victim_id=person.id,
            act_type="torture",
            happened_on=date(2017, 3, 20),
            perpetrator_ids=[perpetrator.id],
            place_of_detention="Подвал",
            notes="Девять дней.",
        ),
    )
    media = services.add_source(
        user=officer,
        event_id=event.id,
        details=services.SourceDetails(
            kind="media",
            reliability="C",
            credibility=3,
            obtained_on=date(2017, 4, 2),
            reference="Газета, 2 апреля",
            summary="Сообщает о задержаниях.",
        ),
    )
    services.add_source(
        user=officer,
        event_id=event.id,
        details=services.SourceDetails(
            kind="ngo_report",
            reliability="D",
            credibility=4,
            obtained_on=date(2017, 4, 3),
            reference="Пересказ газеты",
            same_origin_as=media.id,
        ),
    )
    services.cite(user=officer, source_id=account.id, event_id=event.id, act_id=act.id)
    file = record_files.attach_source_file(
        user=officer, source_id=media.id, name="снимок.jpg", content_type="image/jpeg", data=_jpeg()
    )
    ids = {
        "event_id": event.id,
        "person_id": typed.id,
        "source_id": media.id,
        "file_id": file.id,
        "case_id": case.id,
        "citation_id": "x",
    }
    return members, ids


def _record_routes() -> list[tuple[str, URLPattern]]:
    return [(n, p) for n, p in staff_url_names() if n.startswith("documentation:")]


def _ru_client(member):
    client = signed_in_client(member, reauthenticated=True)
    member.language = "ru"
    member.save(update_fields=["language"])
    return client


RECORD_PAGES = {
    "documentation:index",
    "documentation:events",
    "documentation:event_new",
    "documentation:event",
    "documentation:person",
    "documentation:source",
    "documentation:case",
}


def test_every_page_of_the_record_is_russian_for_every_role(world):
    members, ids = world
    fixture_words = FIXTURE_WORDS | {w for v in ids.values() for w in re.findall(r"[A-Za-z]+", v)}
    walked, failures = set(), {}
    for role, member in members.items():
        client = _ru_client(member)
        for name, pattern in _record_routes():
            names = set(pattern.pattern.regex.groupindex)
            if not names <= set(ids):
                continue
            response = client.get(reverse(name, kwargs={k: ids[k] for k in names}))
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            walked.add(name)
            found = english_words(response.content.decode(), fixture_words)
            if found:
                failures[f"{role.value} {name}"] = sorted(found)
    assert failures == {}, sorted(failures.items())
    assert walked >= RECORD_PAGES


def test_the_event_page_reads_the_levels_and_dates_in_russian(world):
    members, ids = world
    client = _ru_client(members[Role.DOCUMENTATION])
    page = client.get(reverse("documentation:event", args=[ids["event_id"]])).content.decode()
    assert "Подтверждено" in page or "Достоверно" in page
    assert "март 2017" in page.lower()
    assert "около" in page
    assert "человек, который вам не виден" not in page  # the officer sees the case


def test_a_refusal_of_the_record_speaks_russian(world):
    members, _ids = world
    client = _ru_client(members[Role.DOCUMENTATION])
    response = client.post(
        reverse("documentation:event_new"),
        {
            "title": "Т",
            "kind": "detention",
            "started_on": "2017-03-01",
            "started_precision": "day",
            "country": "XX",
        },
    )
    said = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert "Страна" in said
    assert english_words(f"<p>{said}</p>", FIXTURE_WORDS | {"ISO", "RU", "GE"}) == set()
