# ruff: noqa: RUF001  # Russian text on purpose: these tests read Russian pages
"""Relocation in Russian on the staff side (issue #15): every relocation page a member of
staff can open, a refused form, the CSV and the donor report, for a member whose
language is Russian, with no English left but the fictional data (docs/translating.md).

The account walker (tests/accounts/test_staff_in_russian.py) only fills ``pk`` and
``partner_id``; this one builds a small relocation world and fills every id the
relocation routes take."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from tests.accounts.test_staff_in_russian import english_words, staff_url_names
from tests.factories import signed_in_client
from tests.relocation.conftest import Staff
from tests.relocation.test_documents import passport
from tests.relocation.test_money_fixtures import pay
from tests.relocation.test_travel import leg_input
from waystation.accounts.models import StaffUser
from waystation.accounts.templatetags.staff_format import local_money
from waystation.cases.models import Case, Outcome, Stage
from waystation.relocation import currencies
from waystation.relocation.models import DocumentKind, DocumentStatus, Pathway
from waystation.relocation.services import documents, houses, money, travel

pytestmark = pytest.mark.django_db

# The world's data is Russian where staff type it; what is left in Latin letters is data
# too: the team's name, usernames (added below), country codes.
DATA_WORDS = {"North", "RU", "GE", "DE"}
# Every page the walk must reach: a walk that sees nothing must not pass.
MAIN_PAGES = {
    "relocation:case",
    "relocation:houses",
    "relocation:house",
    "relocation:house_new",
    "relocation:house_deactivate",
    "relocation:occupancy",
    "relocation:money_approvals",
    "relocation:money_rates",
    "relocation:money_budgets",
    "relocation:numbers",
}


class World:
    """A case in relocation with a plan, two legs (one under way, checked in on), a
    passport and a ticket, a stay in a safe house, and payments in three budget
    categories, one of them waiting for approval."""

    def __init__(self, staff: Staff, case: Case) -> None:
        now = timezone.now()
        today = timezone.localdate()
        self.case = case
        travel.save_plan(
            user=staff.caseworker,
            case_id=case.id,
            plan=travel.PlanInput(
                pathway=Pathway.HUMANITARIAN_VISA,
                destination_country="DE",
                destination="Принимающая семья в Гамбурге",
                notes="Нужна виза",
            ),
        )
        russian_leg = {"origin": "Автовокзал", "destination": "Граница", "escort": "Волонтёр"}
        self.leg = travel.add_leg(
            user=staff.logistics,
            case_id=case.id,
            leg=leg_input(now - timedelta(hours=3), hours=5, **russian_leg),
        )
        travel.record_departure(
            user=staff.logistics, case_id=case.id, leg_id=self.leg.id, at=now - timedelta(hours=2)
        )
        travel.record_leg_check_in(user=staff.caseworker, case_id=case.id, leg_id=self.leg.id)
        self.next_leg = travel.add_leg(
            user=staff.logistics,
            case_id=case.id,
            leg=leg_input(now + timedelta(days=1), mode="train", **russian_leg),
        )
        self.document = documents.add_document(
            user=staff.caseworker, case_id=case.id, document=passport(notes="Оригинал у куратора")
        )
        documents.add_document(
            user=staff.logistics,
            case_id=case.id,
            document=documents.DocumentInput(
                kind=DocumentKind.TICKET,
                status=DocumentStatus.NEEDED,
                leg_id=self.next_leg.id,
                number="",
                notes="",
            ),
        )
        self.house = houses.add_house(
            user=staff.logistics,
            details=houses.HouseDetails(
                label="Дом 7",
                country="DE",
                beds=3,
                address="Улица Вымышленная, 1",
                contacts="Хозяйка",
            ),
        )
        self.stay = houses.add_placement(
            user=staff.logistics,
            case_id=case.id,
            stay=houses.StayRequest(
                house_id=self.house.id,
                arrives_on=today + timedelta(days=1),
                leaves_on=today + timedelta(days=4),
                beds=2,
                notes="Семья",
            ),
        )
        self.programme = money.create_programme(user=staff.manager, name="Северный коридор")
        paid_on = today - timedelta(days=3)
        money.record_rate(user=staff.logistics, currency="RUB", day=paid_on, rate=Decimal("0.0105"))
        russian = {"payee": "Хостел «Вымысел»", "purpose": "Две ночи", "day": paid_on}
        pay(staff.logistics, case, self.programme, 20_000, category="housing", **russian)
        rubles = {"currency": "RUB", "category": "food", **russian}
        pay(staff.logistics, case, self.programme, 1_234_550, **rubles)  # 12 345,50 RUB
        self.waiting = pay(
            staff.logistics, case, self.programme, 90_000, category="medical", **russian
        )
        money.set_budget(
            user=staff.manager,
            programme_id=self.programme.id,
            category="housing",
            period_start=today - timedelta(days=30),
            period_end=today + timedelta(days=30),
            amount_minor=10_000,  # spent more: "over budget" is shown
        )

    def kwargs_for(self, pattern: URLPattern) -> dict[str, object] | None:
        ids = {
            "case_id": self.case.id,
            "house_id": self.house.id,
            "placement_id": self.stay.id,
            "leg_id": self.leg.id,
            "document_id": self.document.id,
            "payment_id": self.waiting.id,
            "programme_id": self.programme.id,
            "table": "spend",
        }
        names = set(pattern.pattern.regex.groupindex)
        if not names <= set(ids):
            return None
        return {name: ids[name] for name in names}


@pytest.fixture
def world(staff: Staff, case: Case) -> World:
    return World(staff, case)


def russian_client(member: StaffUser) -> Client:
    client = signed_in_client(member, reauthenticated=True)
    member.language = "ru"
    member.save(update_fields=["language"])
    return client


def data_words(staff: Staff) -> set[str]:
    names = {w for m in staff.everyone().values() for w in re.findall(r"[A-Za-z]+", m.username)}
    return DATA_WORDS | names


def relocation_routes() -> list[tuple[str, URLPattern]]:
    return [(n, p) for n, p in staff_url_names() if n.startswith("relocation:")]


def test_every_relocation_page_is_russian_for_every_role(world: World, staff: Staff):
    fixture_words = data_words(staff)
    walked: set[str] = set()
    unfilled: set[str] = set()
    failures: dict[str, list[str]] = {}
    for role_name, member in staff.everyone().items():
        client = russian_client(member)
        for name, pattern in relocation_routes():
            kwargs = world.kwargs_for(pattern)
            if kwargs is None:
                unfilled.add(name)
                continue
            response = client.get(reverse(name, kwargs=kwargs))
            if response.status_code != 200 or "text/html" not in response["Content-Type"]:
                continue
            assert response["Content-Language"] == "ru"
            walked.add(name)
            found = english_words(response.content.decode(), fixture_words)
            if found:
                failures[f"{role_name} {name}"] = sorted(found)
    assert failures == {}
    assert unfilled == set()
    assert walked >= MAIN_PAGES


def test_the_pages_say_it_in_russian(world: World, staff: Staff):
    """Not only no English: the Russian words, numbers and money are there."""
    case_page = (
        russian_client(staff.logistics)
        .get(reverse("relocation:case", args=[world.case.id]))
        .content.decode()
    )
    for said in ("Маршрут", "Участок 1: Автобус", "Безопасное жильё", "Ждёт одобрения"):
        assert said in case_page
    assert "12\xa0345,50 RUB" in case_page  # format_minor, in the reader's symbols
    today = timezone.localdate()
    period = {
        "start": f"{today.replace(day=1)}",
        "end": f"{today}",
        "programme": world.programme.id,
    }
    numbers = (
        russian_client(staff.manager).get(reverse("relocation:numbers"), period).content.decode()
    )
    assert "Расходы по статьям" in numbers and "деньги программы Северный коридор" in numbers


def test_a_refused_form_says_why_in_russian(world: World, staff: Staff):
    client = russian_client(staff.logistics)
    response = client.post(
        reverse("relocation:money_rates"),
        {"currency": "RUB", "day": "2026-01-05", "rate": "1,234.5"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Введите курс с одним десятичным знаком" in html
    assert english_words(html, data_words(staff)) == set()


def test_a_refused_action_says_why_in_russian(world: World, staff: Staff):
    client = russian_client(staff.logistics)
    response = client.post(
        reverse("relocation:leg_depart", args=[world.case.id, world.next_leg.id]), {}
    )
    assert response.status_code == 302
    said = [str(m) for m in response.wsgi_request._messages]
    assert said == ["Сначала запишите прибытие по участку 1."]


def test_the_csv_is_russian(world: World, staff: Staff):
    response = russian_client(staff.manager).get(reverse("relocation:numbers_csv", args=["spend"]))
    assert response.status_code == 200
    text = response.content.decode()
    assert text.startswith("Статья,Люди,Одобрено (EUR)")
    assert "Жильё" in text and "Итого" in text and "скрыто" in text
    assert english_words(text, set()) == set()


def test_the_donor_report_is_russian_and_prints_cyrillic(world: World, staff: Staff):
    response = russian_client(staff.manager).get(reverse("relocation:numbers_pdf"))
    assert response.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for said in ("Цифры для доноров", "Расходы по статьям", "Заполненность", "Период:"):
        assert said in text
    # The font is embedded from matplotlib's own DejaVu, which has Cyrillic: nothing fetched.
    assert english_words(text, set()) == set()


@pytest.mark.parametrize("minor", [1, 99, 123_450, 100_000_000, -123_456_789])
def test_format_minor_agrees_with_local_money_and_reads_back(minor: int):
    with translation.override("ru"):
        shown = currencies.format_minor(minor, "EUR")
        money_shown = local_money(Decimal(minor) / 100, "EUR")
        assert money_shown == f"{shown}\xa0€"
        if minor > 0:
            assert currencies.parse_amount(shown, "EUR") == minor
    with translation.override("en"):
        shown = currencies.format_minor(minor, "EUR")
        # English groups with spaces, as the input rule reads: never "1,234.50".
        assert "," not in shown
        assert (
            local_money(Decimal(minor) / 100, "EUR").replace(",", " ").endswith(shown.lstrip("-"))
        )
        if minor > 0:
            assert currencies.parse_amount(shown, "EUR") == minor


def test_figures_follow_the_readers_language():
    from waystation.web.figures.suppression import format_value
    from waystation.web.figures.tables import Kind

    with translation.override("ru"):
        assert format_value(Kind.MONEY, 123_456_789) == "1\xa0234\xa0567,89"
        assert format_value(Kind.DAYS, 1234.25) == "1\xa0234,2"
        assert format_value(Kind.PERCENT, 12.5) == "12\xa0%"
    with translation.override("en"):
        assert format_value(Kind.MONEY, 123_456_789) == "1,234,567.89"
        assert format_value(Kind.DAYS, 1234.25) == "1,234.2"
        assert format_value(Kind.PERCENT, 12.5) == "12 %"
    # The stage and outcome names the figures show are the cases app's, translated.
    names = (*Stage.labels, *Outcome.labels)
    english = {str(name) for name in names}
    with translation.override("ru"):
        assert english.isdisjoint(str(name) for name in names)


def test_rates_are_shown_whole_in_the_readers_decimal_mark():
    with translation.override("ru"):
        assert currencies.format_rate(Decimal("0.0105000")) == "0,0105"
        assert currencies.parse_rate(currencies.format_rate(Decimal("0.0105"))) == Decimal("0.0105")
    with translation.override("en"):
        assert currencies.format_rate(Decimal("0.0105000")) == "0.0105"
        assert currencies.format_rate(Decimal("100")) == "100"
