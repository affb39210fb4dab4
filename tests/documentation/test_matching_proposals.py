"""Matching across lists: which pairs are proposed and why, never within one list,
idempotent, computed from digests in SQL with the vault sealed; and the decisions,
with the refusal of a confirmation that would join two entries of one list."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.documentation.lists_world import add, new_list
from tests.factories import make_staff
from waystation.accounts.roles import Role
from waystation.audit.models import AuditEntry
from waystation.documentation.models import MatchStatus, ProposedMatch
from waystation.documentation.services import matching
from waystation.documentation.services.lists import ListError
from waystation.vault import runtime

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return make_staff(Role.DOCUMENTATION, "egor")


@pytest.fixture
def three(officer):
    return new_list(officer, "Hotline"), new_list(officer, "Partner A"), new_list(officer, "Press")


def _reasons() -> dict[frozenset[str], list[str]]:
    return {frozenset((m.first_id, m.second_id)): m.reasons for m in ProposedMatch.objects.all()}


def test_each_reason_is_found_and_named(officer, three):
    hotline, partner, press = three
    a = add(officer, hotline, "Ruslan Umarov", birth_year="1990", phone="+7 912 000 00 01")
    b = add(officer, partner, "Руслан Умаров", birth_year="1990")  # same name, same year
    c = add(officer, press, "Said Khasanov", phone="8 912 000-00-01", country="RU")  # same phone
    d = add(officer, press, "Adam Umarov Ruslanovich", handle="@adam_u", birth_year="1985")
    e = add(officer, hotline, "Adam Umarov", handle="t.me/adam_u", birth_year="1986")

    matching.propose_matches(user=officer)

    found = _reasons()
    assert found[frozenset((a.id, b.id))] == [matching.NAME_AND_BIRTH_YEAR]
    assert found[frozenset((a.id, c.id))] == [matching.PHONE]
    assert found[frozenset((d.id, e.id))] == [matching.HANDLE, matching.NAME]
    # Ruslan Umarov and Adam Umarov Ruslanovich share one token only: no reason.
    assert frozenset((a.id, d.id)) not in found


def test_a_one_token_name_matches_when_all_of_it_is_shared(officer, three):
    hotline, partner, _press = three
    a = add(officer, hotline, "Magomed", birth_year="1990")
    b = add(officer, partner, "Magomed Dudayev", birth_year="1990")

    matching.propose_matches(user=officer)

    assert _reasons() == {frozenset((a.id, b.id)): [matching.NAME_AND_BIRTH_YEAR]}


def test_entries_of_one_list_are_never_proposed(officer, three):
    hotline, _partner, _press = three
    add(officer, hotline, "Ruslan Umarov", birth_year="1990", phone="+7 912 000 00 01")
    add(officer, hotline, "Ruslan Umarov", birth_year="1990", phone="+7 912 000 00 01")

    report = matching.propose_matches(user=officer)

    assert report.candidates == 0
    assert not ProposedMatch.objects.exists()


def test_scores_order_the_strongest_first(officer, three):
    hotline, partner, _press = three
    add(officer, hotline, "Ruslan Umarov", birth_year="1990", phone="+7 912 000 00 01")
    add(officer, partner, "Ruslan Umarov", birth_year="1990", phone="+7 912 000 00 01")
    add(officer, hotline, "Adam Dudayev")
    add(officer, partner, "Adam Dudayev")

    matching.propose_matches(user=officer)

    scores = sorted(ProposedMatch.objects.values_list("score", flat=True))
    assert scores == [
        matching.WEIGHTS["name"],
        matching.WEIGHTS["phone"] + matching.WEIGHTS["name_birth_year"],
    ]


def test_running_again_adds_only_new_pairs_and_keeps_decisions(officer, three):
    hotline, partner, press = three
    a = add(officer, hotline, "Ruslan Umarov", birth_year="1990")
    add(officer, partner, "Ruslan Umarov", birth_year="1990")
    first = matching.propose_matches(user=officer)
    match = ProposedMatch.objects.get()
    matching.reject_match(user=officer, match_id=match.id)

    again = matching.propose_matches(user=officer)
    add(officer, press, "Ruslan Umarov", birth_year="1990")
    third = matching.propose_matches(user=officer)

    assert (first.proposed, again.proposed, third.proposed) == (1, 0, 2)
    assert ProposedMatch.objects.get(pk=match.pk).status == MatchStatus.REJECTED
    assert (
        ProposedMatch.objects.filter(first=a).count()
        + ProposedMatch.objects.filter(second=a).count()
        == 2
    )


def test_a_digest_shared_by_too_many_entries_is_no_reason(officer, three):
    hotline, partner, _press = three
    for n in range(matching.MAX_GROUP // 2 + 1):
        add(officer, hotline, f"Person Alpha{n:03d}x", phone="+7 495 000 00 00")
        add(officer, partner, f"Person Beta{n:03d}x", phone="+7 495 000 00 00")

    report = matching.propose_matches(user=officer)

    assert report.candidates == 0


def test_matching_reads_digests_only_with_the_vault_sealed(officer, three):
    hotline, partner, _press = three
    add(officer, hotline, "Ruslan Umarov", birth_year="1990", phone="+7 912 000 00 01")
    add(officer, partner, "Ruslan Umarov", birth_year="1990", handle="@ruslan")
    runtime.backend().seal()
    assert not runtime.is_unsealed()

    with CaptureQueriesContext(connection) as queries:
        report = matching.propose_matches(user=None)

    assert report.proposed == 1
    sql = " ".join(q["sql"] for q in queries.captured_queries).lower()
    assert "phone_index" in sql and "digest" in sql
    # No sealed column is ever selected.
    for sealed in ('"name"', '"phone"', '"handle"', '"birth_year"', ".name,", ".phone,"):
        assert sealed not in sql


def _pair(officer, one, other, **values):
    a = add(officer, one, "Ruslan Umarov", birth_year="1990", **values)
    b = add(officer, other, "Ruslan Umarov", birth_year="1990", **values)
    return a, b


def _match(a, b) -> ProposedMatch:
    first, second = sorted((a.id, b.id))
    return ProposedMatch.objects.get(first_id=first, second_id=second)


def test_a_confirmation_that_would_join_two_entries_of_one_list_is_refused(officer, three):
    hotline, partner, _press = three
    a = add(officer, hotline, "Ruslan Umarov", birth_year="1990")
    b = add(officer, partner, "Ruslan Umarov", birth_year="1990")
    c = add(officer, hotline, "Ruslan Umarov", birth_year="1990", phone="+7 912 000 00 09")
    matching.propose_matches(user=officer)
    matching.confirm_match(user=officer, match_id=_match(a, b).id)

    with pytest.raises(ListError, match="same list"):
        matching.confirm_match(user=officer, match_id=_match(b, c).id)

    assert _match(b, c).status == MatchStatus.PROPOSED
    matching.undo_decision(user=officer, match_id=_match(a, b).id)
    matching.confirm_match(user=officer, match_id=_match(b, c).id)
    assert _match(b, c).status == MatchStatus.CONFIRMED


def test_decisions_are_audited_and_undone(officer, three):
    hotline, partner, _press = three
    a, b = _pair(officer, hotline, partner)
    matching.propose_matches(user=officer)
    match = _match(a, b)

    matching.confirm_match(user=officer, match_id=match.id)
    matching.undo_decision(user=officer, match_id=match.id)
    matching.reject_match(user=officer, match_id=match.id)

    match.refresh_from_db()
    assert match.status == MatchStatus.REJECTED and match.decided_by_id == officer.pk
    actions = list(
        AuditEntry.objects.filter(object_id=match.id)
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["list_match.confirmed", "list_match.reopened", "list_match.rejected"]
    with pytest.raises(ListError):
        matching.undo_decision(user=make_staff(Role.PROGRAMME_MANAGER), match_id=match.id)
