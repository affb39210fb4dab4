"""Properties of matching on arbitrary small lists: the proposals are exactly the pairs
the rule names (checked against the rule applied to the plaintext), each pair once and
never within one list, a second run adds nothing; and no sequence of decisions makes a
person of two entries of one list, while confirming then rejecting a match gives back
the persons there were."""

from __future__ import annotations

import contextlib
import itertools

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_staff
from waystation.accounts.roles import Role
from waystation.documentation.models import ListedPerson, MatchStatus, ProposedMatch
from waystation.documentation.services import lists, matching
from waystation.documentation.services.lists import ListError
from waystation.vault import normalisers

pytestmark = pytest.mark.django_db

FIRST = ["Ruslan", "Руслан", "Adam", "Magomed"]
LAST = ["Umarov", "Умаров", "Dudayev", ""]
entry = st.fixed_dictionaries(
    {
        "list": st.integers(0, 2),
        "first": st.sampled_from(FIRST),
        "last": st.sampled_from(LAST),
        "birth_year": st.sampled_from(["", "1990", "1991"]),
        "phone": st.sampled_from(["", "+7 912 000 00 01", "8 912 000 00 02"]),
    }
)


def _expected(
    entries: list[tuple[ListedPerson, dict[str, str]]],
) -> dict[tuple[str, str], list[str]]:
    """The rule, applied to the plaintext: what the digests must find."""
    found = {}
    for (a, va), (b, vb) in itertools.combinations(entries, 2):
        if va["list"] == vb["list"]:
            continue
        reasons = set()
        pa = normalisers.phone(va["phone"], "RU") if va["phone"] else None
        if pa and pa == (normalisers.phone(vb["phone"], "RU") if vb["phone"] else None):
            reasons.add(matching.PHONE)
        ta = set(normalisers.name_tokens(f"{va['first']} {va['last']}"))
        tb = set(normalisers.name_tokens(f"{vb['first']} {vb['last']}"))
        shared = len(ta & tb)
        if shared >= 2 or (shared >= 1 and shared == min(len(ta), len(tb))):
            same_year = va["birth_year"] and va["birth_year"] == vb["birth_year"]
            reasons.add(matching.NAME_AND_BIRTH_YEAR if same_year else matching.NAME)
        if reasons:
            key = (a.id, b.id) if a.id < b.id else (b.id, a.id)
            found[key] = sorted(reasons, key=list(matching.WEIGHTS).index)
    return found


def _persons() -> set[frozenset[str]]:
    return set(matching.clusters(matching.confirmed_edges()))


def _no_list_twice() -> None:
    list_of = dict(ListedPerson.objects.values_list("id", "person_list_id"))
    for person in _persons():
        in_lists = [list_of[e] for e in person]
        assert len(in_lists) == len(set(in_lists)), "one person holds two entries of one list"


decision = st.tuples(st.sampled_from(["confirm", "reject", "undo"]), st.integers(0, 30))


@pytest.fixture
def officer():
    return make_staff(Role.DOCUMENTATION, "egor")


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(values=st.lists(entry, min_size=2, max_size=8), decisions=st.lists(decision, max_size=12))
def test_proposals_follow_the_rule_and_decisions_keep_one_entry_per_list(
    officer, values, decisions
):
    with transaction.atomic():
        chosen = [lists.create_list(user=officer, name=f"List {n}", kind="other") for n in range(3)]
        entries = [
            (
                lists.add_entry(
                    user=officer,
                    list_id=chosen[v["list"]].id,
                    values={
                        "name": f"{v['first']} {v['last']}".strip(),
                        "birth_year": v["birth_year"],
                        "phone": v["phone"],
                        "country": "RU",
                    },
                ),
                v,
            )
            for v in values
        ]

        report = matching.propose_matches(user=officer)

        proposed = {(m.first_id, m.second_id): m.reasons for m in ProposedMatch.objects.all()}
        assert proposed == _expected(entries)
        assert report.proposed == len(proposed)
        assert all(a < b for a, b in proposed)
        assert matching.propose_matches(user=officer).proposed == 0

        matches = list(ProposedMatch.objects.order_by("id"))
        for action, index in decisions if matches else []:
            match = matches[index % len(matches)]
            call = {
                "confirm": matching.confirm_match,
                "reject": matching.reject_match,
                "undo": matching.undo_decision,
            }[action]
            with contextlib.suppress(ListError):
                call(user=officer, match_id=match.id)
            _no_list_twice()

        for match in ProposedMatch.objects.filter(status=MatchStatus.PROPOSED):
            before = _persons()
            try:
                matching.confirm_match(user=officer, match_id=match.id)
            except ListError:
                assert _persons() == before
                continue
            matching.reject_match(user=officer, match_id=match.id)
            assert _persons() == before
        transaction.set_rollback(True)
