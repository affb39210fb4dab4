"""Capture histories from the lists: confirmed matches join entries into persons, however
long the chain, and nothing else does; the table has one column per chosen list."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.documentation import seeding
from tests.factories import make_staff
from waystation.accounts.roles import Role
from waystation.documentation.models import MatchStatus
from waystation.documentation.selectors import capture
from waystation.documentation.selectors.figures import FiguresRefused

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return make_staff(Role.DOCUMENTATION, "officer.capture")


def ids(*lists):
    return [person_list.id for person_list in lists]


def test_unmatched_entries_are_people_of_one_list_each(officer):
    a = seeding.person_list("Hotline", size=3)
    b = seeding.person_list("Shelter", size=2)
    table = capture.capture_table(user=officer, list_ids=ids(a, b))
    assert table.lists == ("Hotline", "Shelter")
    assert dict(table.counts) == {(1, 0): 3, (0, 1): 2}


def test_a_confirmed_match_makes_one_person_on_both_lists(officer):
    a = seeding.person_list("Hotline", size=3)
    b = seeding.person_list("Shelter", size=2)
    seeding.match(a.entries.first(), b.entries.first())
    table = capture.capture_table(user=officer, list_ids=ids(b, a))  # the order asked is not kept
    assert table.lists == ("Hotline", "Shelter")
    assert dict(table.counts) == {(1, 0): 2, (0, 1): 1, (1, 1): 1}
    assert table.observed == 4


def test_a_chain_across_three_lists_is_one_person_on_all_three(officer):
    a, b, c = (seeding.person_list(name) for name in ("A list", "B list", "C list"))
    [a1], [b1], [c1] = seeding.entries(a, 1), seeding.entries(b, 1), seeding.entries(c, 1)
    seeding.match(a1, b1)
    seeding.match(c1, b1)  # the chain runs through B, in either direction
    assert dict(capture.capture_table(user=officer, list_ids=ids(a, b, c)).counts) == {(1, 1, 1): 1}


def test_a_chain_through_a_list_left_out_still_joins_the_others(officer):
    a, b, c = (seeding.person_list(name) for name in ("A list", "B list", "C list"))
    [a1], [b1], [c1] = seeding.entries(a, 1), seeding.entries(b, 1), seeding.entries(c, 1)
    seeding.match(a1, b1)
    seeding.match(b1, c1)
    # Who is the same person does not depend on the lists chosen for the estimate.
    assert dict(capture.capture_table(user=officer, list_ids=ids(a, c)).counts) == {(1, 1): 1}


@pytest.mark.parametrize("status", [MatchStatus.REJECTED, MatchStatus.PROPOSED])
def test_rejected_and_proposed_matches_join_nothing(officer, status):
    a = seeding.person_list("Hotline", size=2)
    b = seeding.person_list("Shelter", size=2)
    seeding.match(a.entries.first(), b.entries.first(), status=status)
    assert dict(capture.capture_table(user=officer, list_ids=ids(a, b)).counts) == {
        (1, 0): 2,
        (0, 1): 2,
    }


def test_a_rejected_link_does_not_break_a_confirmed_chain(officer):
    a, b, c = (seeding.person_list(name) for name in ("A list", "B list", "C list"))
    [a1], [b1], [c1] = seeding.entries(a, 1), seeding.entries(b, 1), seeding.entries(c, 1)
    seeding.match(a1, b1)
    seeding.match(b1, c1)
    seeding.match(a1, c1, status=MatchStatus.REJECTED)
    assert dict(capture.capture_table(user=officer, list_ids=ids(a, b, c)).counts) == {(1, 1, 1): 1}


def test_entries_of_the_same_recorded_person_are_one_person(officer):
    a = seeding.person_list("Hotline")
    b = seeding.person_list("Shelter")
    victim = seeding.person(seeding.event(on=dt.date(2026, 3, 10)))
    for entry in (*seeding.entries(a, 1), *seeding.entries(b, 1)):
        entry.person = victim
        entry.save(update_fields=["person"])
    assert dict(capture.capture_table(user=officer, list_ids=ids(a, b)).counts) == {(1, 1): 1}


def test_two_entries_of_one_list_joined_through_another_count_once(officer):
    a = seeding.person_list("Hotline")
    b = seeding.person_list("Shelter")
    a1, a2 = seeding.entries(a, 2)
    [b1] = seeding.entries(b, 1)
    seeding.match(a1, b1)
    seeding.match(a2, b1)
    assert dict(capture.capture_table(user=officer, list_ids=ids(a, b)).counts) == {(1, 1): 1}


def test_the_histories_of_a_seeded_world_come_back_exactly(officer):
    histories = {(1, 0, 0): 7, (0, 1, 0): 5, (0, 0, 1): 4, (1, 1, 0): 3, (1, 0, 1): 2, (1, 1, 1): 6}
    lists = seeding.overlapping_lists(["A list", "B list", "C list"], histories)
    table = capture.capture_table(user=officer, list_ids=ids(*lists))
    assert dict(table.counts) == histories


@pytest.mark.parametrize("how_many", [0, 1, 11])
def test_fewer_than_two_or_more_than_the_estimator_takes_are_refused(officer, how_many):
    lists = [seeding.person_list(f"List {n}", size=1) for n in range(how_many)]
    with pytest.raises(capture.CaptureError, match="between 2 and 10"):
        capture.capture_table(user=officer, list_ids=ids(*lists))


def test_a_list_that_does_not_exist_is_refused(officer):
    a = seeding.person_list("Hotline", size=1)
    with pytest.raises(capture.CaptureError, match="does not exist"):
        capture.capture_table(user=officer, list_ids=[a.id, "nosuchlist000000"])


@pytest.mark.parametrize(
    "role", [Role.SCREENER, Role.CASEWORKER, Role.LOGISTICS, Role.ADMINISTRATOR]
)
def test_roles_that_do_not_read_the_record_get_no_table(role):
    a = seeding.person_list("Hotline", size=1)
    b = seeding.person_list("Shelter", size=1)
    with pytest.raises(FiguresRefused):
        capture.capture_table(user=make_staff(role, f"x.{role.name.lower()}"), list_ids=ids(a, b))


def test_a_new_confirmed_match_gives_a_new_estimate_not_a_cached_one(officer):
    lists = seeding.overlapping_lists(["Hotline", "Shelter"], {(1, 0): 20, (0, 1): 15, (1, 1): 6})
    first = capture.population_estimate(user=officer, list_ids=ids(*lists), k=5)
    assert first.result is not None and first.observed == 41
    again = capture.population_estimate(user=officer, list_ids=ids(*lists), k=5)
    assert again.result is first.result  # the same table: the fit is not redone
    hotline_only = lists[0].entries.exclude(pk__in=_matched()).first()
    shelter_only = lists[1].entries.exclude(pk__in=_matched()).first()
    seeding.match(hotline_only, shelter_only)
    after = capture.population_estimate(user=officer, list_ids=ids(*lists), k=5)
    assert after.observed == 40
    assert after.result is not None and after.result.estimate != first.result.estimate


def _matched():
    from waystation.documentation.models import ProposedMatch

    pairs = ProposedMatch.objects.values_list("first_id", "second_id")
    return [entry for pair in pairs for entry in pair]
