"""Similarity matches from keyed digests: the same identifiers, a shared contact, copied stories."""

from __future__ import annotations

from tests.cases.conftest import new_case
from waystation.cases.models import Case, CaseIdentifier, StoryBand
from waystation.cases.selectors import matches
from waystation.cases.services import person, shredding
from waystation.vault import blind

STORY = (
    "I was detained at the checkpoint near the bus station on Tuesday and the officers took "
    "my phone and read my messages then they called my brother and told him what I am and "
    "now my family says I must not come home because my uncle will kill me if he finds me"
)


def edited(text: str) -> str:
    words = text.split()
    words[5] = "market"
    words[20] = "sister"
    words[-3] = "sees"
    return " ".join(words)


def kinds(user, case) -> dict[str, object]:
    return {s.kind: s for s in matches.case_matches(user=user, case=case)}


def test_the_same_phone_typed_differently_is_a_match(staff, team):
    a = new_case(team, [staff.caseworker], phone="+7 (912) 345-67-89")
    b = new_case(team, [staff.caseworker], phone="+79123456789", narrative="other")
    found = kinds(staff.caseworker, a)
    assert found["phone"].visible_ids == [b.id]


def test_name_and_birth_year_match_across_scripts(staff, team):
    a = new_case(team, [staff.caseworker], full_name="Магомед Ахмедов", birth_year="1990", phone="")
    b = new_case(
        team,
        [staff.caseworker],
        full_name="Akhmedov Magomed",
        birth_year="1990",
        phone="",
        narrative="x",
    )
    other_year = new_case(
        team,
        [staff.caseworker],
        full_name="Magomed Akhmedov",
        birth_year="1991",
        phone="",
        narrative="y",
    )
    found = kinds(staff.caseworker, a)
    assert found["name_year"].visible_ids == [b.id]
    assert other_year.id not in found["name_year"].visible_ids


def test_one_contact_named_by_several_applicants(staff, team):
    contact = [{"name": "Friend", "phone": "+7 900 555 44 33"}]
    cases = [
        new_case(
            team,
            [staff.caseworker],
            phone=f"+7 900 000 00 0{n}",
            narrative=f"s{n}",
            contacts=contact,
        )
        for n in range(3)
    ]
    found = kinds(staff.caseworker, cases[0])
    assert set(found["contact"].visible_ids) == {cases[1].id, cases[2].id}


def test_a_copied_story_with_small_edits_is_near_duplicate(staff, team):
    a = new_case(team, [staff.caseworker], narrative=STORY, phone="")
    b = new_case(team, [staff.caseworker], narrative=edited(STORY), phone="")
    unrelated = new_case(
        team,
        [staff.caseworker],
        phone="",
        narrative="My partner and I need to leave the city because the neighbours reported us "
        "to the police last month and we have been hiding at a friend's flat since then",
    )
    found = kinds(staff.caseworker, a)
    assert found["story"].visible_ids == [b.id]
    assert unrelated.id not in found["story"].visible_ids


def test_matching_cases_the_viewer_may_not_see_are_only_counted(staff, team, other_team):
    mine = new_case(team, [staff.caseworker], phone="+7 912 111 11 11")
    theirs = new_case(other_team, [staff.other_caseworker], phone="+7 912 111 11 11")
    found = kinds(staff.caseworker, mine)
    assert found["phone"].visible_ids == [] and found["phone"].others == 1
    page_ids = [s.visible_ids for s in matches.case_matches(user=staff.caseworker, case=mine)]
    assert theirs.id not in str(page_ids)


def test_signatures_are_keyed(vault, tmp_path):
    from tests.vault.seeding import reopen_vault  # noqa: F401  (same key, reopened)

    first = blind.keyed_minhash(STORY)
    assert first == blind.keyed_minhash(STORY)
    assert blind.estimated_similarity(first, blind.keyed_minhash(edited(STORY))) >= 0.5
    # A different key (a different installation) gives unrelated values.
    from waystation.vault import runtime

    keyring = runtime.keyring()
    original = keyring.blind_index_key
    try:
        object.__setattr__(keyring, "blind_index_key", bytes(32))
        other = blind.keyed_minhash(STORY)
    finally:
        object.__setattr__(keyring, "blind_index_key", original)
    assert blind.estimated_similarity(first, other) < 0.1


def test_matches_are_updated_when_details_change(staff, team):
    a = new_case(team, [staff.caseworker], phone="+7 912 222 22 22")
    b = new_case(team, [staff.caseworker], phone="+7 912 333 33 33", narrative="n")
    assert "phone" not in kinds(staff.caseworker, a)
    person.update_details(
        user=staff.caseworker,
        case_id=b.id,
        details=person.Details(
            full_name="",
            phone="+7 912 222 22 22",
            email="",
            handle="",
            birth_year="",
            city="",
            narrative="n",
            country="",
        ),
    )
    assert kinds(staff.caseworker, a)["phone"].visible_ids == [b.id]


def test_shredding_a_case_removes_its_matches(staff, team):
    a = new_case(team, [staff.caseworker], narrative=STORY)
    b = new_case(team, [staff.caseworker], narrative=STORY)
    shredding.shred_case(actor_id=None, case=b)
    assert not CaseIdentifier.objects.filter(case=b).exists()
    assert not StoryBand.objects.filter(case=b).exists()
    assert Case.objects.get(pk=b.pk).story_signature is None
    assert kinds(staff.caseworker, a) == {}
