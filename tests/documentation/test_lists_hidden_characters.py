"""Invisible characters are refused in names, handles and list names: a zero-width
character in front of a formula ("\u200b=HYPERLINK(...)") would hide it from the formula
check, and bidirectional overrides and isolates make two different names look alike on
the review page. A name of more than eight words is refused too: matching compares a
name's pairs of words."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.documentation.lists_world import new_list
from tests.factories import make_staff
from waystation.accounts.roles import Role
from waystation.documentation.models import ImportState, ListedPerson, PersonList
from waystation.documentation.services import imports, lists

INVISIBLE = ["\u200b", "\u200e", "\u202e", "\u2066", "\u2069", "\ufeff", "\u00ad", "\u0007"]


@pytest.mark.parametrize("mark", INVISIBLE)
@pytest.mark.parametrize("column", ["name", "handle"])
def test_an_invisible_character_is_refused_in_a_name_or_a_handle(mark, column):
    values = {"name": "Adam Dudayev", column: f"{mark}=HYPERLINK(1)"}
    details, problems = lists.check_entry(values)
    assert details is None
    assert [c for c, _ in problems] == [column]


@pytest.mark.parametrize("column", ["name", "handle"])
def test_a_formula_behind_a_zero_width_space_is_refused(column):
    values = {"name": "Adam", column: '\u200b=HYPERLINK("http://x")'}
    assert lists.check_entry(values)[0] is None


def test_two_names_made_alike_by_a_direction_override_are_refused():
    assert lists.check_entry({"name": "Adam \u202eveyaduD"})[0] is None
    assert lists.check_entry({"name": "Adam \u2067Dudayev\u2069"})[0] is None
    assert lists.check_entry({"name": "Адам Дудаев"})[0] is not None


@given(st.text(alphabet=st.characters(whitelist_categories=["Cf"]), min_size=1, max_size=3))
def test_any_format_character_in_a_name_is_refused(marks):
    assert lists.check_entry({"name": f"Adam{marks}Dudayev"})[0] is None


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["\u200b=HYPERLINK(1)", "Partner\u202eA", "=1+2", "@SUM(A1)"])
def test_a_list_name_with_invisible_characters_or_a_formula_is_refused(name):
    officer = make_staff(Role.DOCUMENTATION, "egor")
    with pytest.raises(lists.ListError):
        lists.create_list(user=officer, name=name, kind="partner")
    person_list = new_list(officer, "Partner A")
    with pytest.raises(lists.ListError):
        lists.rename_list(user=officer, list_id=person_list.id, name=name)
    assert list(PersonList.objects.values_list("name", flat=True)) == ["Partner A"]


def test_eight_words_make_a_name_and_nine_do_not():
    eight = " ".join(f"Word{chr(97 + i)}" for i in range(8))
    assert lists.check_entry({"name": eight})[0] is not None
    details, problems = lists.check_entry({"name": f"{eight} Ninth"})
    assert details is None
    assert problems == [("name", ("has more than %(limit)s words", {"limit": 8}))]
    # Emoji transliterate to words, and count as words.
    assert (
        lists.check_entry(
            {
                "name": "Adam "
                + "\U0001f600\U0001f431\U0001f680\U0001f30d\U0001f34e\U0001f3b8\U0001f436\U0001f33b"
            }
        )[0]
        is None
    )


@pytest.mark.django_db
def test_an_import_names_the_row_and_column_of_a_name_too_long_in_words():
    officer = make_staff(Role.DOCUMENTATION, "egor")
    person_list = new_list(officer, "Partner A")
    long_name = " ".join(["Aslan"] + [f"Zz{chr(97 + i)}" for i in range(25)])
    data = f"handle,name\n@adam,Adam Dudayev\n@ok,{long_name}\n@x,\u200b=HYPERLINK(1)\n".encode()
    done = imports.import_csv(user=officer, list_id=person_list.id, data=data)
    assert done.state == ImportState.REFUSED
    assert [(e["row"], e["column"]) for e in done.errors] == [(3, "name"), (4, "name")]
    assert "Zzb" not in str(done.errors)
    assert imports.error_text(done.errors[0]) == "has more than 8 words"
    assert ListedPerson.objects.count() == 0
