# ruff: noqa: RUF001  # Russian text on purpose: these tests read Russian pages
"""The documentation figures in Russian on the staff side: the page with figures, hidden
cells, the chart and an estimate with its warnings; the page refusing bad filters; an
estimate that has no number, with its reason; the CSV and the JSON. No English is left
but the fictional data (list names, region codes) (docs/translating.md)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.accounts.test_staff_in_russian import english_words
from tests.documentation import seeding
from tests.factories import make_staff, signed_in_client
from waystation.accounts.models import StaffUser
from waystation.accounts.roles import Role
from waystation.documentation.models import ActType, EventKind, Level

pytestmark = pytest.mark.django_db

# Fictional data in Latin letters: list names, usernames, ISO codes.
DATA_WORDS = {"Hotline", "Partner", "Press", "RU", "CE", "DA", "GE", "officer", "ru", "manager"}


def russian_client(member: StaffUser) -> Client:
    client = signed_in_client(member, reauthenticated=True)
    member.language = "ru"
    member.save(update_fields=["language"])
    return client


@pytest.fixture
def world():
    today = timezone.localdate()
    seeding.events(24, on=today, level=Level.CORROBORATED)
    seeding.events(5, on=today, level=Level.SINGLE_SOURCE, region="RU-DA")
    seeding.events(
        6, kind=EventKind.KILLING, on=today, level=Level.CORROBORATED, act_type=ActType.KILLING
    )
    # Two small kinds: hidden, and together enough to protect each other.
    seeding.events(3, kind=EventKind.THREAT, on=today - dt.timedelta(days=40), act_type=None)
    seeding.events(3, kind=EventKind.ABDUCTION, on=today, act_type=ActType.ABDUCTION)
    lists = seeding.overlapping_lists(
        ["Hotline", "Partner", "Press"],
        {(1, 0, 0): 30, (0, 1, 0): 22, (0, 0, 1): 18, (1, 1, 0): 7, (1, 0, 1): 6, (1, 1, 1): 5},
    )
    apart = [seeding.person_list("Partner B", size=7), seeding.person_list("Press B", size=6)]
    few = seeding.overlapping_lists(["Hotline B", "Press B2"], {(1, 0): 30, (0, 1): 25, (1, 1): 3})
    return {
        "lists": [p.id for p in lists],
        "apart": [p.id for p in apart],
        "few": [p.id for p in few],
    }


@pytest.mark.parametrize("role", [Role.DOCUMENTATION, Role.PROGRAMME_MANAGER])
def test_the_figures_page_with_an_estimate_is_russian(world, role):
    member = make_staff(role, f"{role.name.lower()}.ru")
    response = russian_client(member).get(
        reverse("documentation:figures"), {"lists": world["lists"]}
    )
    assert response.status_code == 200
    assert response["Content-Language"] == "ru"
    html = response.content.decode()
    assert english_words(html, DATA_WORDS | set(re.findall(r"[A-Za-z]+", member.username))) == set()
    for said in (
        "Цифры документации",
        "Не менее 29 задержаний, из них подтверждено: 24.",
        "Не менее 6 убийств, из них подтверждено: 6.",
        "Похищение: события касаются менее 5 человек, не показано.",
        "Угроза: события касаются менее 5 человек, не показано.",
        "Действия по месяцам и типам",
        "Людей хотя бы в одном списке",
        "главные эффекты",
        "Предупреждения",
        "Из чего исходит оценка",
    ):
        assert said in html, said


def test_no_estimate_and_its_reason_in_russian(world):
    member = make_staff(Role.DOCUMENTATION, "officer.ru")
    html = (
        russian_client(member)
        .get(reverse("documentation:figures"), {"lists": world["apart"]})
        .content.decode()
    )
    assert "Оценки нет:" in html and "никого нет одновременно в Partner B и Press B" in html
    assert english_words(html, DATA_WORDS | {"B"}) == set()


def test_a_withheld_estimate_is_russian(world):
    member = make_staff(Role.DOCUMENTATION, "officer.ru")
    html = (
        russian_client(member)
        .get(reverse("documentation:figures"), {"lists": world["few"]})
        .content.decode()
    )
    assert "Оценки нет: пересечение слишком мало для публикации" in html
    assert "Людей в каждом списке" in html
    assert english_words(html, DATA_WORDS | {"B"}) == set()


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2026-13-40", "end": "2026-12-31"},
        {"start": "2026-03-01", "end": "2026-03-20"},
        {"start": "2026-01", "end": "2026-12", "kind": "<script>"},
        {"start": "2026-01", "end": "2026-12", "region": "XX"},
        {"lists": ["nosuchlist000000"]},
    ],
)
def test_refusals_are_russian(world, params):
    member = make_staff(Role.DOCUMENTATION, "officer.ru")
    response = russian_client(member).get(reverse("documentation:figures"), params)
    assert response.status_code == 400
    html = response.content.decode()
    assert "<script>" not in html
    # The refused value is echoed, escaped, in the message: it is the visitor's data.
    assert english_words(html, DATA_WORDS | {"script"}) == set()


def test_the_exports_are_russian(world):
    client = russian_client(make_staff(Role.DOCUMENTATION, "officer.ru"))
    csv_text = client.get(
        reverse("documentation:figures_csv", args=["events_by_kind"])
    ).content.decode()
    assert csv_text.startswith("Вид события,Подтверждено,")
    assert "скрыто" in csv_text or "< 5" in csv_text
    assert english_words(csv_text.replace("start", "").replace("end", ""), DATA_WORDS) == set()
    document = json.loads(client.get(reverse("documentation:figures_json")).content)
    said = " ".join(
        [document["legend"], *document["sentences"]]
        + [t["title"] + " " + t["note"] + " " + " ".join(t["headers"]) for t in document["tables"]]
        + [row["label"] for t in document["tables"] for row in t["rows"]]
    )
    assert english_words(said, DATA_WORDS) == set()
