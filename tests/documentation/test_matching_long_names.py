"""Matching stays bounded whatever a name holds: the checks refuse names of more than
eight words, no entry keeps more than eight name digests, and the matcher makes pairs of
an entry's first eight tokens only, should more reach the table another way."""

from __future__ import annotations

import pytest

from tests.documentation.lists_world import add, new_list
from tests.factories import make_staff
from waystation.accounts.roles import Role
from waystation.documentation.models import ListedNameToken, ListedPerson
from waystation.documentation.services import lists, matching

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return make_staff(Role.DOCUMENTATION, "egor")


def test_an_entry_keeps_at_most_eight_name_digests(officer):
    person_list = new_list(officer, "Partner A")
    entry = ListedPerson(
        person_list=person_list, name=" ".join(f"Zz{chr(97 + i)}" for i in range(20))
    )
    assert len(lists.name_tokens_of([entry])) == lists.MAX_NAME_TOKENS


def test_the_matcher_pairs_only_the_first_eight_tokens_of_a_name(officer):
    one, two = new_list(officer, "Partner A"), new_list(officer, "Partner B")
    long, short = add(officer, one, "Placeholder"), add(officer, two, "Placeholder")
    ListedNameToken.objects.all().delete()
    # As if an entry of twelve tokens reached the table: the two it shares with the
    # other entry come last in digest order, past the eighth.
    ListedNameToken.objects.bulk_create(
        [ListedNameToken(entry=long, digest=f"a{n:02d}") for n in range(10)]
        + [ListedNameToken(entry=e, digest=d) for e in (long, short) for d in ("z1", "z2")]
    )
    assert matching.candidate_pairs() == {}
    # Within the first eight, the same two tokens still make the pair.
    ListedNameToken.objects.filter(entry=long, digest__startswith="a").delete()
    assert list(matching.candidate_pairs().values()) == [{matching.NAME}]
