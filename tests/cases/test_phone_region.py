"""Phone numbers typed without a country code match the same number typed with one: a
case's numbers are read in its country (or ``WAYSTATION_DEFAULT_PHONE_REGION``), in its
own index, its matches' digests and search alike."""

from __future__ import annotations

import phonenumbers
import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.cases.conftest import new_case
from waystation.audit.models import AuditEntry
from waystation.cases.models import Case, IdentifierKind
from waystation.cases.selectors import case_file, lists
from waystation.cases.selectors import matches as matches_selectors
from waystation.cases.services import indexes, person, shredding
from waystation.vault import blind

INTERNATIONAL = "+7 912 555 01 23"


def _found(user, query: str) -> set[str]:
    return {row.id for row in lists.search_cases(user=user, query=query)}


@st.composite
def national_numbers(draw: st.DrawFn) -> tuple[str, phonenumbers.PhoneNumber]:
    region = draw(st.sampled_from(["RU", "GE", "UA"]))
    kind = draw(
        st.sampled_from(
            [phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]
        )
    )
    example = phonenumbers.example_number_for_type(region, kind)
    assert example is not None
    digits = str(example.national_number)
    tail = draw(st.text(alphabet="0123456789", min_size=4, max_size=4))
    number = phonenumbers.parse(digits[:-4] + tail, region)
    assume(phonenumbers.is_valid_number(number))
    return region, number


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(drawn=national_numbers())
def test_national_and_international_spellings_give_one_digest(vault, drawn):
    region, number = drawn
    spellings = [
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL),
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        str(number.national_number),
    ]
    digests = {blind.blind_index("phone", s, region=region) for s in spellings}
    # Written with its country code, a number needs no region at all.
    digests.add(blind.blind_index("phone", spellings[1]))
    assert len(digests) == 1 and None not in digests


@pytest.mark.parametrize("typed", ["8 912 555-01-23", "912 555 01 23", "8 (912) 555 01 23"])
def test_a_national_spelling_finds_a_case_in_that_country(staff, team, typed):
    case = new_case(team, [staff.caseworker], phone=INTERNATIONAL, country="RU")
    assert _found(staff.caseworker, typed) == {case.id}


@pytest.mark.parametrize("typed", ["8 912 555-01-23", "912 555 01 23"])
def test_a_case_typed_nationally_is_found_internationally(staff, team, typed):
    case = new_case(team, [staff.caseworker], phone=typed, country="RU")
    assert _found(staff.caseworker, "+79125550123") == {case.id}
    assert _found(staff.caseworker, INTERNATIONAL) == {case.id}


def test_a_national_spelling_is_read_in_each_case_s_own_country(staff, team):
    russian = new_case(team, [staff.caseworker], phone=INTERNATIONAL, country="RU")
    # A Ukrainian case holding the Russian number: "912 555 01 23" dialled in Ukraine is
    # another number (+380...), so the national spelling does not find it...
    abroad = new_case(team, [staff.caseworker], phone=INTERNATIONAL, country="UA")
    # ...but finds the Ukrainian case whose number it is when dialled there.
    ukrainian = new_case(team, [staff.caseworker], phone="+380 912 555 01 23", country="UA")
    assert _found(staff.caseworker, "912 555 01 23") == {russian.id, ukrainian.id}
    assert _found(staff.caseworker, INTERNATIONAL) == {russian.id, abroad.id}


def test_search_stays_within_what_the_user_may_see(staff, team, other_team):
    new_case(other_team, [staff.other_caseworker], phone=INTERNATIONAL, country="RU")
    assert _found(staff.caseworker, "8 912 555-01-23") == set()


def test_matches_hold_across_spellings(staff, team):
    first = new_case(team, [staff.caseworker], phone="8 912 555-01-23", country="RU")
    second = new_case(team, [staff.caseworker], phone=INTERNATIONAL, country="GE")
    named = new_case(
        team,
        [staff.caseworker],
        phone="+7 900 000 00 09",
        country="RU",
        contacts=[{"name": "Cousin", "phone": "8 (912) 555 01 23"}],
    )
    matches = matches_selectors.matching_cases(first)
    assert set(matches[IdentifierKind.PHONE]) == {second.id}
    contact_digest = named.identifiers.get(kind=IdentifierKind.CONTACT).digest
    assert contact_digest == second.phone_index


def test_the_default_region_reads_numbers_of_cases_without_a_country(staff, team, settings):
    settings.WAYSTATION_DEFAULT_PHONE_REGION = "RU"
    case = new_case(team, [staff.caseworker], phone="8 912 555-01-23")
    assert case.country == ""
    assert _found(staff.caseworker, INTERNATIONAL) == {case.id}
    assert _found(staff.caseworker, "912 555 01 23") == {case.id}


@pytest.mark.parametrize("country", ["", "ZZ"])
def test_without_any_region_the_digits_match_only_as_typed(staff, team, country):
    case = new_case(team, [staff.caseworker], phone="8 912 555-01-23", country=country)
    assert _found(staff.caseworker, "8 912 555 01 23") == {case.id}
    assert _found(staff.caseworker, INTERNATIONAL) == set()


def test_changing_the_country_recomputes_the_digests(staff, team):
    case = new_case(team, [staff.caseworker], phone="8 912 555-01-23")
    person.update_details(
        user=staff.caseworker,
        case_id=case.id,
        details=person.Details(
            full_name="Test Person",
            phone="8 912 555-01-23",
            email="",
            handle="",
            birth_year="",
            city="",
            narrative="",
            country="RU",
        ),
    )
    assert _found(staff.caseworker, INTERNATIONAL) == {case.id}
    case.refresh_from_db()
    assert case.identifiers.get(kind=IdentifierKind.PHONE).digest == case.phone_index


def test_the_reindex_command_applies_a_new_default_region(staff, team, settings, capsys):
    case = new_case(team, [staff.caseworker], phone="8 912 555-01-23")
    untouched = new_case(team, [staff.caseworker], phone=INTERNATIONAL, country="RU")
    settings.WAYSTATION_DEFAULT_PHONE_REGION = "RU"
    assert _found(staff.caseworker, INTERNATIONAL) == {untouched.id}

    call_command("cases", "reindex")

    assert _found(staff.caseworker, INTERNATIONAL) == {case.id, untouched.id}
    assert "reindexed 2 case(s); 1 had changed digests" in capsys.readouterr().out
    reindexed = AuditEntry.objects.filter(action="case.reindexed")
    assert set(reindexed.values_list("object_id", flat=True)) == {case.id, untouched.id}
    assert set(matches_selectors.matching_cases(case)[IdentifierKind.PHONE]) == {untouched.id}
    # The sealed values themselves are as they were.
    opened = case_file.open_case(user=staff.caseworker, case_id=case.id)
    assert opened.phone == "8 912 555-01-23" and opened.full_name == "Test Person"


def test_reindex_skips_shredded_cases(staff, team):
    gone = new_case(team, [staff.caseworker])
    kept = new_case(team, [staff.caseworker])
    shredding.shred_case(actor_id=None, case=gone)

    report = indexes.reindex_cases()

    assert report.cases == 1
    assert Case.objects.get(pk=gone.pk).phone_index is None
    assert Case.objects.get(pk=kept.pk).phone_index is not None
