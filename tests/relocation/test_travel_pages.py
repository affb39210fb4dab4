"""The plan and leg forms through the test client: hostile, malformed and oversized
input gets a clear message and changes nothing; markup is shown as text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.cases.conftest import new_case
from tests.factories import login_verified
from tests.relocation.test_travel import leg_input
from waystation.cases.models import Stage
from waystation.cases.services import check_ins as case_check_ins
from waystation.relocation.models import Leg, LegStatus, RelocationPlan
from waystation.relocation.services import travel


@pytest.fixture
def client(staff) -> Client:
    client = Client()
    login_verified(client, staff.logistics)
    return client


def _when(hours: float) -> str:
    return (timezone.now() + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def leg_form(**more: str) -> dict[str, str]:
    return {
        "mode": "train",
        "from_country": "ru",
        "to_country": "GE",
        "zone": "",
        "planned_departure": _when(24),
        "planned_arrival": _when(30),
        "grace_hours": "6",
        "origin": "Platform 3",
        "destination": "Tbilisi station",
        "escort": "",
        "notes": "",
        **more,
    }


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def post(client: Client, url: str, data: dict[str, str]) -> list[str]:
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    return messages_of(response)


def test_a_leg_is_added_through_the_page(case, client):
    said = post(client, reverse("relocation:leg_add", args=[case.id]), leg_form())
    assert said == ["Leg 1 added."]
    leg = Leg.objects.get()
    assert (leg.from_country, leg.to_country, leg.destination) == ("RU", "GE", "Tbilisi station")


def test_times_are_read_in_the_zone_given(case, client):
    post(
        client,
        reverse("relocation:leg_add", args=[case.id]),
        leg_form(
            zone="Asia/Tbilisi",
            planned_departure="2027-03-01T10:00",
            planned_arrival="2027-03-01T14:00",
        ),
    )
    leg = Leg.objects.get()
    assert leg.planned_departure == datetime(2027, 3, 1, 6, 0, tzinfo=UTC)


def test_a_leg_arriving_before_it_leaves_is_refused_on_the_page(case, client):
    said = post(
        client,
        reverse("relocation:leg_add", args=[case.id]),
        leg_form(planned_departure=_when(30), planned_arrival=_when(24)),
    )
    assert said == ["A leg must arrive after it leaves."]
    assert not Leg.objects.exists()


def test_an_overlapping_leg_is_refused_on_the_page(case, client):
    url = reverse("relocation:leg_add", args=[case.id])
    post(client, url, leg_form())
    said = post(client, url, leg_form(planned_departure=_when(29), planned_arrival=_when(35)))
    assert any("overlap" in m for m in said)
    assert Leg.objects.count() == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"planned_departure": "2027-02-30T10:00"},
        {"planned_departure": "tomorrow"},
        {"planned_departure": "99999-01-01T10:00"},
        {"planned_arrival": ""},
        {"grace_hours": "-1"},
        {"grace_hours": "73"},
        {"grace_hours": "9" * 40},
        {"grace_hours": "six"},
        {"mode": "<script>alert(1)</script>"},
        {"from_country": "RUS"},
        {"to_country": "<b"},
        {"zone": "Mars/Olympus_Mons"},
        {"zone": "x" * 65},
        {"escort": "x" * 301},
        {"origin": "x" * 301},
        {"notes": "x" * 5_001},
        {"planned_departure": _when(24 * 365 * 5), "planned_arrival": _when(24 * 365 * 5 + 2)},
    ],
)
def test_bad_leg_input_is_refused_and_saves_nothing(case, client, bad):
    said = post(client, reverse("relocation:leg_add", args=[case.id]), leg_form(**bad))
    assert said and not any("added" in m for m in said)
    assert not Leg.objects.exists()


def test_markup_is_kept_as_text_and_shown_escaped(case, client):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    post(client, reverse("relocation:leg_add", args=[case.id]), leg_form(escort=hostile))
    assert Leg.objects.get().escort == hostile
    page = client.get(reverse("relocation:case", args=[case.id])).content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page


def test_changing_a_leg_of_another_case_is_refused(case, staff, team, client):
    other = new_case(team, [staff.logistics])
    theirs = travel.add_leg(
        user=staff.logistics, case_id=other.id, leg=leg_input(timezone.now() + timedelta(days=1))
    )
    for name in ("leg_change", "leg_cancel", "leg_depart", "leg_check_in"):
        said = post(client, reverse(f"relocation:{name}", args=[case.id, theirs.id]), leg_form())
        assert said == ["No such leg on this case."], name
    theirs.refresh_from_db()
    assert theirs.status == LegStatus.PLANNED and theirs.actual_departure is None


def test_departure_and_arrival_through_the_page_move_the_stage(case, staff, client):
    case_check_ins.set_check_in_schedule(user=staff.caseworker, case_id=case.id, every_hours=12)
    leg = travel.add_leg(
        user=staff.logistics,
        case_id=case.id,
        leg=leg_input(timezone.now() - timedelta(hours=1)),
    )
    said = post(client, reverse("relocation:leg_depart", args=[case.id, leg.id]), {"at": ""})
    assert said == ["Departure recorded."]
    case.refresh_from_db()
    assert case.stage == Stage.IN_TRANSIT
    said = post(client, reverse("relocation:leg_arrive", args=[case.id, leg.id]), {"at": ""})
    assert said == ["Arrival recorded."]
    case.refresh_from_db()
    assert case.stage == Stage.ARRIVED


def test_a_departure_the_workflow_refuses_says_why(case, staff, client):
    leg = travel.add_leg(
        user=staff.logistics,
        case_id=case.id,
        leg=leg_input(timezone.now() - timedelta(hours=1)),
    )
    said = post(client, reverse("relocation:leg_depart", args=[case.id, leg.id]), {})
    assert len(said) == 1 and "check-in schedule" in said[0]
    case.refresh_from_db()
    assert case.stage == Stage.PLANNING


def test_a_future_or_malformed_moment_is_refused(case, staff, client):
    leg = travel.add_leg(
        user=staff.logistics,
        case_id=case.id,
        leg=leg_input(timezone.now() - timedelta(hours=1)),
    )
    url = reverse("relocation:leg_depart", args=[case.id, leg.id])
    assert "future" in post(client, url, {"at": _when(3)})[0]
    assert post(client, url, {"at": "2026-13-01T10:00"})
    leg.refresh_from_db()
    assert leg.status == LegStatus.PLANNED


@pytest.mark.parametrize(
    "bad",
    [
        {"pathway": "<script>"},
        {"pathway": ""},
        {"destination_country": "XX"},
        {"destination_country": "DEU"},
        {"destination": "x" * 501},
        {"notes": "x" * 10_001},
    ],
)
def test_a_bad_plan_is_refused_on_the_page(case, client, bad):
    data = {"pathway": "unhcr", "destination_country": "", "destination": "", "notes": ""}
    said = post(client, reverse("relocation:plan", args=[case.id]), {**data, **bad})
    assert said and said != ["Plan saved."]
    assert not RelocationPlan.objects.exists()


def test_a_plan_is_saved_on_the_page(case, client):
    data = {"pathway": "unhcr", "destination_country": "de", "destination": "Köln", "notes": ""}
    assert post(client, reverse("relocation:plan", args=[case.id]), data) == ["Plan saved."]
    assert RelocationPlan.objects.get().destination_country == "DE"


def test_get_on_an_action_is_refused(case, client):
    assert client.get(reverse("relocation:plan", args=[case.id])).status_code == 405
