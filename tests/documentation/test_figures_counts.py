# ruff: noqa: RUF001  # Russian text on purpose: the sentences in Russian are tested
"""The documentation figures: events and acts counted by kind, type, month and region
with their corroboration levels, over a period and filters, scoped to the viewer, and
the sentences that say them ("at least 106 detentions, 48 of them corroborated")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from tests.cases.conftest import new_case
from tests.documentation import seeding
from tests.factories import make_staff
from waystation.accounts.roles import Role
from waystation.cases.services import access
from waystation.documentation.models import ActType, EventKind, Level, PersonRole
from waystation.documentation.selectors.figures import (
    FiguresRefused,
    Filters,
    shown_figures,
    tables,
)
from waystation.web.figures.tables import Hidden

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 10)
YEAR = Filters(start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))


@pytest.fixture
def officer():
    return make_staff(Role.DOCUMENTATION, "officer.figures")


def row(table, label):
    return next(r for r in table.rows if r.label == label)


def texts(shown_row):
    return [cell.text for cell in shown_row.cells]


def test_events_by_kind_count_each_level_and_all(officer):
    seeding.events(106 - 48, on=DAY, level=Level.SINGLE_SOURCE)
    seeding.events(48, on=DAY, level=Level.CORROBORATED)
    seeding.events(6, kind=EventKind.KILLING, on=DAY, level=Level.CREDIBLE)
    figures = shown_figures(user=officer, filters=YEAR, k=5)
    by_kind = figures.table("events_by_kind")
    assert by_kind.headers == (
        "Corroborated",
        "Credible",
        "Several weak sources",
        "Single source",
        "Unsourced",
        "Disputed",
        "All",
    )
    assert texts(row(by_kind, "Detention")) == ["48", "0", "0", "58", "0", "0", "106"]
    assert texts(row(by_kind, "Killing")) == ["0", "6", "0", "0", "0", "0", "6"]
    assert texts(by_kind.total) == ["48", "6", "0", "58", "0", "0", "112"]
    assert figures.sentences == (
        "At least 106 detentions, 48 of them corroborated.",
        "At least 6 killings, 0 of them corroborated.",
    )


def test_acts_count_acts_and_their_victims_separately(officer):
    for _ in range(5):
        one = seeding.event(on=DAY, level=Level.CORROBORATED)
        victim = seeding.person(one)
        seeding.act(one, victim=victim, act_type=ActType.BEATING, level=Level.CORROBORATED)
        seeding.act(one, victim=victim, act_type=ActType.TORTURE, level=Level.CREDIBLE)
    raw, _ = tables(user=officer, filters=YEAR)
    raw_types = raw[1]
    beating = row(raw_types, "Beating")
    assert beating.cells[0].value == 5 and beating.cells[0].people == 5
    total = raw_types.total.cells[-1]
    assert total.value == 10 and total.people == 5  # ten acts on five people


def test_one_of_a_kind_is_hidden_and_said_so(officer):
    seeding.events(1, kind=EventKind.ABDUCTION, on=DAY, level=Level.CORROBORATED)
    seeding.events(30, on=DAY, level=Level.CORROBORATED)
    figures = shown_figures(user=officer, filters=YEAR, k=5)
    abduction = row(figures.table("events_by_kind"), "Abduction")
    assert abduction.cells[-1].hidden is Hidden.SMALL and abduction.cells[-1].value is None
    assert "Abduction: events about fewer than 5 people, not shown." in figures.sentences
    assert not any("at least 1 " in sentence for sentence in figures.sentences)


def test_a_small_remainder_hides_the_corroborated_count_that_would_betray_it(officer):
    seeding.events(40, on=DAY, level=Level.CORROBORATED)
    seeding.events(2, on=DAY, level=Level.SINGLE_SOURCE)
    figures = shown_figures(user=officer, filters=YEAR, k=5)
    detention = row(figures.table("events_by_kind"), "Detention")
    # 42 shown and 40 corroborated would give away the two others: one of them goes.
    assert detention.cells[3].hidden is Hidden.SMALL
    assert detention.cells[0].hidden is Hidden.COMPLEMENTARY
    assert figures.sentences == (
        "At least 42 detentions, how many of them are corroborated is hidden.",
    )


def test_acts_per_month_and_an_act_without_a_date_counts_in_its_events_month(officer):
    one = seeding.event(on=dt.date(2026, 2, 27))
    for _ in range(6):
        seeding.act(one, act_type=ActType.ARREST)  # no date: February, as the event
    for _ in range(5):
        seeding.act(one, act_type=ActType.BEATING, on=dt.date(2026, 3, 2))
    by_month = shown_figures(user=officer, filters=YEAR, k=5).table("acts_by_month")
    assert len(by_month.rows) == 12
    assert by_month.headers == ("Arrest or detention", "Beating", "All")
    assert texts(by_month.rows[1]) == ["6", "0", "6"]
    assert texts(by_month.rows[2]) == ["0", "5", "5"]
    assert texts(by_month.total) == ["6", "5", "11"]


def test_regions_fall_back_to_the_country(officer):
    seeding.events(5, on=DAY, region="RU-CE")
    for _ in range(6):
        seeding.event(on=DAY, country="GE", region="")
    by_region = shown_figures(user=officer, filters=YEAR, k=5).table("events_by_region")
    assert [r.label for r in by_region.rows] == ["GE", "RU-CE"]
    assert by_region.total.cells[-1].text == "11"


def test_filters_keep_the_period_kind_country_and_region(officer):
    seeding.events(5, on=DAY)
    seeding.events(6, on=dt.date(2025, 12, 31))
    seeding.events(7, kind=EventKind.KILLING, on=DAY)
    seeding.events(8, on=DAY, region="RU-DA")
    for _ in range(9):
        seeding.event(on=DAY, country="GE", region="")

    def total(**given):
        table = shown_figures(user=officer, filters=Filters(**{**vars(YEAR), **given}), k=5)
        return table.table("events_by_kind").total.cells[-1].text

    assert total() == "29"
    assert total(start=dt.date(2025, 1, 1)) == "35"
    assert total(kind=EventKind.KILLING) == "7"
    assert total(country="GE") == "9"
    assert total(region="RU-DA") == "8"
    assert total(region="RU-DA", kind=EventKind.KILLING) == "0"


def test_an_event_of_a_case_the_viewer_may_not_see_is_not_counted(officer):
    manager = make_staff(Role.PROGRAMME_MANAGER, "manager.figures")
    team = access.create_team(actor_id=None, name="North", supervisor_id=manager.pk)
    case = new_case(team, [])
    seeding.events(5, on=DAY, case=case)
    seeding.events(6, on=DAY)

    def total(user):
        return shown_figures(user=user, filters=YEAR, k=5).table("acts_by_type").total.cells[-1]

    assert total(manager).text == "11"  # supervises the case's team
    assert total(officer).text == "6"  # no grant to the case: its events do not count


@pytest.fixture
def manager_and_case():
    manager = make_staff(Role.PROGRAMME_MANAGER, "manager.people")
    team = access.create_team(actor_id=None, name="North", supervisor_id=manager.pk)
    return manager, new_case(team, [])


def test_one_case_in_six_events_is_one_person_not_six(manager_and_case):
    manager, case = manager_and_case
    # Each event records its own person of the case: six rows, one human.
    seeding.events(6, kind=EventKind.TORTURE, on=DAY, act_type=ActType.TORTURE, case=case)
    seeding.events(20, on=DAY)
    raw, _ = tables(user=manager, filters=YEAR)
    torture = row(raw[0], "Torture").cells[-1]
    assert (torture.value, torture.people) == (6, 1)
    assert row(raw[1], "Torture").cells[-1].people == 1
    assert raw[1].total.cells[-1].people == 21
    figures = shown_figures(user=manager, filters=YEAR, k=5)
    assert row(figures.table("events_by_kind"), "Torture").cells[-1].hidden is Hidden.SMALL
    assert row(figures.table("acts_by_type"), "Torture").cells[-1].hidden is Hidden.SMALL
    assert "Torture: events about fewer than 5 people, not shown." in figures.sentences
    assert not any("6" in sentence for sentence in figures.sentences)


def test_the_victims_of_an_event_without_acts_are_its_people(manager_and_case):
    manager, case = manager_and_case
    for _ in range(6):
        one = seeding.event(kind=EventKind.THREAT, on=DAY)
        seeding.person(one, case=case)  # a victim with no act recorded yet
    for _ in range(6):
        one = seeding.event(kind=EventKind.EXTORTION, on=DAY)  # nobody recorded: one each
    raw, _ = tables(user=manager, filters=YEAR)
    threat, extortion = row(raw[0], "Threat").cells[-1], row(raw[0], "Extortion").cells[-1]
    assert (threat.value, threat.people) == (6, 1)
    assert (extortion.value, extortion.people) == (6, 6)
    assert raw[3].total.cells[-1].people == 7


@pytest.mark.parametrize("how", ["person_without_act", "witness", "cited_account"])
def test_an_event_with_anything_of_a_hidden_case_is_not_counted(officer, manager_and_case, how):
    manager, case = manager_and_case
    touching = seeding.events(5, on=DAY)  # each with a stranger as its victim
    for one in touching:
        if how == "person_without_act":
            seeding.person(one, case=case)
        elif how == "witness":
            seeding.person(one, case=case, role=PersonRole.WITNESS)
        else:
            seeding.case_source(one, case)
    seeding.events(6, on=DAY)

    def total(user):
        return shown_figures(user=user, filters=YEAR, k=5).table("events_by_kind").total

    assert total(manager).cells[-1].text == "11"  # supervises the case's team
    assert total(officer).cells[-1].text == "6"  # no grant: nothing of the case counts


def test_plurals_and_russian(officer):
    seeding.events(21, on=DAY, level=Level.CORROBORATED)
    seeding.events(5, kind=EventKind.KILLING, on=DAY, level=Level.CORROBORATED)
    with translation.override("ru"):
        sentences = shown_figures(user=officer, filters=YEAR, k=5).sentences
    assert sentences == (
        "Не менее 21 задержания, из них подтверждено: 21.",
        "Не менее 5 убийств, из них подтверждено: 5.",
    )


OUTSIDERS = [Role.SCREENER, Role.CASEWORKER, Role.LOGISTICS, Role.ADMINISTRATOR]


@pytest.mark.parametrize("role", OUTSIDERS)
def test_roles_that_do_not_read_the_record_get_no_figures(role):
    with pytest.raises(FiguresRefused):
        shown_figures(user=make_staff(role, f"x.{role.name.lower()}"), filters=YEAR)
