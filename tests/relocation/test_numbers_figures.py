"""Each figure on a small hand-built data set, before suppression (raw tables)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.relocation.test_numbers_data import (
    at,
    close,
    house,
    make_case,
    move,
    pay,
    programme,
    stay,
)
from waystation.cases.models import Channel, Outcome, Stage
from waystation.intake import public_services as intake
from waystation.intake import screening
from waystation.intake.models import HelpRequest
from waystation.relocation.models import PaymentStatus, PlacementStatus
from waystation.relocation.reports import figures
from waystation.relocation.reports.period import Period
from waystation.web.figures.tables import Table

pytestmark = pytest.mark.django_db

MON = dt.date(2026, 1, 5)  # a Monday
PERIOD = Period(start=MON, end=MON + dt.timedelta(days=27))  # four whole weeks


def rows(table: Table) -> dict[str, tuple[object, ...]]:
    return {row.label: tuple(c.value for c in row.cells) for row in table.rows}


def people(table: Table) -> dict[str, tuple[object, ...]]:
    return {row.label: tuple(c.people for c in row.cells) for row in table.rows}


def web_request(received: dt.datetime) -> None:
    screening.ensure_intake_key(actor_id=None)
    receipt = intake.submit_request(
        new=intake.NewRequest(urgency=2, language="ru", country="RU", story="A made-up story.")
    )
    HelpRequest.objects.filter(pk=receipt.request_id).update(received_at=received)


def test_requests_per_week_count_web_requests_and_cases_opened_by_hand(team):
    web_request(at(MON))
    web_request(at(MON + dt.timedelta(days=6), hour=23))
    web_request(at(MON + dt.timedelta(days=14)))
    web_request(at(MON - dt.timedelta(days=1)))  # before the period
    for _ in range(3):
        make_case(team, opened=MON + dt.timedelta(days=2))
    make_case(team, opened=MON + dt.timedelta(days=8), channel=Channel.SIGNAL)
    make_case(team, opened=MON + dt.timedelta(days=8), channel=Channel.WEB)  # from a request
    make_case(team, opened=MON + dt.timedelta(days=40))  # after

    table = figures.requests_per_week(PERIOD)

    assert rows(table) == {
        "2026-01-05": (2, 3, 5),
        "2026-01-12": (0, 1, 1),
        "2026-01-19": (1, 0, 1),
        "2026-01-26": (0, 0, 0),
    }
    assert table.total is not None
    assert [c.value for c in table.total.cells] == [3, 4, 7]


def test_queue_now_counts_open_cases_per_stage(team):
    for stage in [Stage.SCREENING, Stage.SCREENING, Stage.PLANNING, Stage.IN_TRANSIT]:
        make_case(team, opened=MON, stage=stage)
    make_case(team, opened=MON, stage=Stage.CLOSED, closed=MON, outcome=Outcome.RELOCATED)

    table = figures.queue_now()

    counts = {label: values[0] for label, values in rows(table).items()}
    assert counts["Screening"] == 2
    assert counts["Planning"] == 1
    assert counts["In transit"] == 1
    assert counts["Verification"] == 0
    assert "Closed" not in counts
    assert table.total is not None and table.total.cells[0].value == 4


def test_time_in_stage_is_from_entering_to_leaving_within_the_period(team):
    a = make_case(team, opened=MON)
    b = make_case(team, opened=MON)
    move(a, Stage.SCREENING, at(MON))
    move(a, Stage.VERIFICATION, at(MON + dt.timedelta(days=2)))
    move(a, Stage.PLANNING, at(MON + dt.timedelta(days=6)))
    move(b, Stage.SCREENING, at(MON))
    move(b, Stage.VERIFICATION, at(MON + dt.timedelta(days=4)))  # still in verification
    c = make_case(team, opened=MON)
    move(c, Stage.SCREENING, at(MON - dt.timedelta(days=30)))
    move(c, Stage.VERIFICATION, at(MON - dt.timedelta(days=20)))  # left before the period

    values, who = rows(figures.time_in_stage(PERIOD)), people(figures.time_in_stage(PERIOD))

    assert values["Screening"] == (2, 3.0, 3.0)
    assert who["Screening"] == (2, 2, 2)
    assert values["Verification"] == (1, 4.0, 4.0)
    assert values["Planning"] == (0, None, None)


def test_outcomes_of_cases_closed_in_the_period(team):
    for outcome in [Outcome.RELOCATED, Outcome.RELOCATED, Outcome.WITHDREW]:
        make_case(
            team, opened=MON, stage=Stage.CLOSED, closed=MON + dt.timedelta(1), outcome=outcome
        )
    make_case(
        team, opened=MON, stage=Stage.CLOSED, closed=MON - dt.timedelta(1), outcome="declined"
    )

    table = figures.outcomes(PERIOD)

    values = rows(table)
    assert values["Relocated abroad"] == (2,)
    assert values["Withdrew"] == (1,)
    assert values["Declined"] == (0,)
    assert table.total is not None and table.total.cells[0].value == 3


def test_spend_by_category_counts_approved_payments_of_the_period(team):
    main, other = programme("Main"), programme("Other")
    a, b = make_case(team, opened=MON), make_case(team, opened=MON)
    pay(a, main, minor=10_000, on=MON, category="housing")
    pay(a, main, minor=2_550, on=MON + dt.timedelta(3), category="housing")
    pay(b, main, minor=1_000, on=MON, category="housing")
    pay(b, main, minor=700, on=MON, category="food")
    pay(b, other, minor=99_999, on=MON, category="food")
    pay(a, main, minor=5_000, on=MON, category="food", status=PaymentStatus.AWAITING_APPROVAL)
    pay(a, main, minor=5_000, on=MON, category="food", status=PaymentStatus.REFUSED)
    pay(a, main, minor=5_000, on=MON - dt.timedelta(1), category="food")  # before

    everything = figures.spend_by_category(PERIOD)
    only_main = figures.spend_by_category(Period(PERIOD.start, PERIOD.end, programme=main))

    assert rows(everything)["Housing"] == (2, 13_550)
    assert rows(everything)["Food"] == (1, 100_699)
    assert rows(everything)["Medical"] == (0, 0)
    assert everything.total is not None
    assert [c.value for c in everything.total.cells] == [2, 114_249]
    assert rows(only_main)["Food"] == (1, 700)
    assert only_main.total is not None
    assert [c.value for c in only_main.total.cells] == [2, 14_250]


def test_spend_per_person_relocated_is_all_their_approved_spend_over_their_number(team):
    main = programme()
    a, b, c = (make_case(team, opened=MON) for _ in range(3))
    close(a, MON + dt.timedelta(2))
    close(b, MON + dt.timedelta(3))
    close(c, MON + dt.timedelta(3), outcome=Outcome.WITHDREW)
    pay(a, main, minor=300_000, on=MON - dt.timedelta(days=90))  # paid before, still counts
    pay(b, main, minor=150_001, on=MON)
    pay(c, main, minor=999_999, on=MON)  # not relocated
    pay(b, main, minor=1, on=MON, status=PaymentStatus.CANCELLED)

    values = rows(figures.spend_per_person_relocated(PERIOD))

    # 450,001 / 2 = 225,000.5, rounded half to even
    assert values["Relocated"] == (2, 450_001, 225_000)


def test_spend_per_person_without_relocations_has_no_figure():
    assert rows(figures.spend_per_person_relocated(PERIOD))["Relocated"] == (0, 0, None)


def test_occupancy_counts_bed_nights_of_stays_that_are_not_cancelled(team):
    main, spare = house("House 1", 3), house("House 2", 2)
    house("House 3", 5, active=False)
    a, b, c = (make_case(team, opened=MON) for _ in range(3))
    stay(a, main, MON + dt.timedelta(5), MON + dt.timedelta(9))  # Sat..Tue: 2 + 2 nights
    stay(b, spare, MON - dt.timedelta(3), MON + dt.timedelta(1), beds=2)  # 1 night in period
    stay(c, main, MON, MON + dt.timedelta(7), status=PlacementStatus.CANCELLED)

    table = figures.occupancy(PERIOD)

    values, who = rows(table), people(table)
    assert values["2026-01-05"][:3] == (2, 4, 7 * 5)  # people, used, available
    assert who["2026-01-05"] == (2, 2, None, 2)
    assert values["2026-01-12"][:3] == (1, 2, 35)
    assert values["2026-01-12"][3] == pytest.approx(100 * 2 / 35)
    assert values["2026-01-19"][:3] == (0, 0, 35)
    assert table.total is not None
    assert [c.value for c in table.total.cells][:3] == [2, 6, 140]


def test_spend_per_person_relocated_counts_only_the_chosen_programme(team):
    main, other = programme("Main"), programme("Other")
    a = make_case(team, opened=MON)
    close(a, MON + dt.timedelta(2))
    pay(a, main, minor=1_000, on=MON)
    pay(a, other, minor=50_000, on=MON)
    pay(a, main, minor=7, on=MON, status=PaymentStatus.REFUSED)

    chosen = Period(PERIOD.start, PERIOD.end, programme=main)

    assert rows(figures.spend_per_person_relocated(chosen))["Relocated"] == (1, 1_000, 1_000)
    assert rows(figures.spend_per_person_relocated(PERIOD))["Relocated"] == (1, 51_000, 51_000)
