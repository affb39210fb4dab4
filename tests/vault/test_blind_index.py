"""Blind indexes (docs/design.md §3): the same identifier, however typed, gives the same keyed
digest, so duplicates and infiltrators are found without decrypting; a different
identifier, kind or vault gives a different one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.vault.seeding import open_case, reopen_vault
from waystation.cases.models import Case, CaseNameToken
from waystation.vault import blind, datakeys, runtime
from waystation.vault.keyservice import KeyService, VaultSealed
from waystation.vault.runtime import InProcessBackend


def _name_digests(value: str) -> set[str]:
    return set(blind.blind_name_tokens(value))


def test_cyrillic_and_latin_spellings_of_a_name_match():
    assert _name_digests("Магомед") == _name_digests("Magomed") == _name_digests("MAGOMED")
    assert _name_digests("Магомед Евлоев") == _name_digests("evloev  magomed")


def test_name_tokens_ignore_initials_and_punctuation():
    assert _name_digests("Ivanov, I. V.") == _name_digests("Иванов")


def test_transliteration_variants_are_not_guessed():
    """Documents a limit: one transliteration (anyascii's) is used, so "Евлоев" and
    the passport spelling "Yevloyev" are different tokens; screeners search both."""
    assert _name_digests("Евлоев") != _name_digests("Yevloyev")


@pytest.mark.parametrize(
    "typed", ["+7 (999) 123-45-67", "+79991234567", "+7 999 123 45 67", "  +7-999-123-4567 "]
)
def test_international_phone_formats_match(typed):
    assert blind.blind_index("phone", typed) == blind.blind_index("phone", "+79991234567")


def test_national_phone_formats_match_only_themselves():
    """Documents the normaliser: with no country code and no region to assume, the
    digits alone are indexed, so '8 999 123 45 67' (a Russian trunk prefix) matches
    itself typed any way but not '+7 999 123 45 67'. Callers that know the region
    pass it to normalisers.phone (see test_normalisers)."""
    national = blind.blind_index("phone", "8 999 123 45 67")

    assert national == blind.blind_index("phone", "8 (999) 123-45-67")
    assert national != blind.blind_index("phone", "+7 999 123 45 67")


@pytest.mark.parametrize(
    "typed", ["Ivan.K@Example.COM", " ivan.k@example.com ", "IVAN.K@EXAMPLE.COM"]
)
def test_email_case_and_spaces_do_not_matter(typed):
    assert blind.blind_index("email", typed) == blind.blind_index("email", "ivan.k@example.com")


def test_internationalised_email_domains_match_their_ascii_form():
    assert blind.blind_index("email", "ivan@Пример.РФ") == blind.blind_index(
        "email", "ivan@xn--e1afmkfd.xn--p1ai"
    )


@pytest.mark.parametrize(
    "typed", ["@Ivan_K", "ivan_k", "t.me/ivan_k", "https://t.me/Ivan_K", "https://t.me/ivan_k/"]
)
def test_messenger_handle_forms_match(typed):
    assert blind.blind_index("handle", typed) == blind.blind_index("handle", "ivan_k")


def test_different_identifiers_do_not_match():
    assert blind.blind_index("phone", "+79991234567") != blind.blind_index("phone", "+79991234568")
    assert _name_digests("Magomed") != _name_digests("Mahomed")


def test_kinds_never_collide_on_the_same_canonical_text():
    """'1990' is a birth year, a handle and (digits only) a phone: three digests, and a
    name token too, because each kind is hashed in its own domain."""
    digests = [
        blind.blind_index("birth_year", "1990"),
        blind.blind_index("handle", "1990"),
        blind.blind_index("phone", "1990"),
        *blind.blind_name_tokens("1990"),
    ]

    assert None not in digests
    assert len(set(digests)) == 4


def test_unknown_kinds_and_names_as_single_values_are_refused():
    with pytest.raises(ValueError, match="unknown identifier kind"):
        blind.blind_index("passport", "AB123456")
    with pytest.raises(ValueError, match="blind_name_tokens"):
        blind.blind_index("name", "Magomed")


def test_nothing_usable_gives_no_index():
    assert blind.blind_index("phone", None) is None
    assert blind.blind_index("email", "not an address") is None
    assert blind.blind_index("birth_year", "nineteen ninety") is None
    assert blind.blind_name_tokens("") == []


def test_a_digest_is_128_bits_of_hex_and_holds_nothing_of_the_value():
    digest = blind.blind_index("handle", "ivan_k")

    assert digest is not None
    assert len(digest) == blind.INDEX_LENGTH
    assert int(digest, 16) >= 0
    assert "ivan" not in digest


def test_the_index_depends_on_the_vault_key(tmp_path: Path):
    """A digest cannot be tested against guesses without this vault's key: another vault
    gives another digest for the same phone."""
    ours = blind.blind_index("phone", "+79991234567")
    other = KeyService(tmp_path / "other" / "keystore.json")
    other.initialise_demo(tmp_path / "other" / "root-key")
    other.unseal_with_demo_key_file(tmp_path / "other" / "root-key")
    runtime.use_backend(InProcessBackend(other))  # tests/conftest.py resets it afterwards

    assert blind.blind_index("phone", "+79991234567") != ours


def test_the_index_is_stable_across_unsealing(vault, tmp_path):
    before = blind.blind_index("phone", "+79991234567")
    reopen_vault(vault, tmp_path)
    assert blind.blind_index("phone", "+79991234567") == before


@pytest.mark.django_db
def test_the_index_survives_key_rotation(django_capture_on_commit_callbacks):
    """Rotation changes key-encryption keys only; the blind-index key comes from the
    root key, so every stored index still matches."""
    case = open_case(phone="+7 999 123 45 67")
    with django_capture_on_commit_callbacks(execute=True):
        datakeys.rotate_keks()

    assert Case.objects.filter(phone_index=blind.blind_index("phone", "+79991234567")).get() == case


def test_no_index_can_be_made_while_sealed(vault):
    vault.seal()
    with pytest.raises(VaultSealed):
        blind.blind_index("phone", "+79991234567")


# --- the blind index field on a model ------------------------------------------------------


@pytest.mark.django_db
def test_saving_a_case_indexes_its_phone_and_name():
    case = open_case(full_name="Магомед Евлоев", phone="+7 (999) 123-45-67")

    assert case.phone_index == blind.blind_index("phone", "+79991234567")
    tokens = set(CaseNameToken.objects.filter(case=case).values_list("digest", flat=True))
    assert tokens == _name_digests("Magomed Evloev")


@pytest.mark.django_db
def test_the_index_follows_a_changed_phone_and_stays_when_unchanged():
    case = open_case(phone="+7 999 123 45 67")
    first = case.phone_index

    untouched = Case.objects.get(pk=case.pk)  # phone not opened
    untouched.narrative = "updated story"
    untouched.save()
    assert Case.objects.get(pk=case.pk).phone_index == first

    changed = Case.objects.get(pk=case.pk)
    changed.phone = "+7 999 765 43 21"
    changed.save()
    assert Case.objects.get(pk=case.pk).phone_index == blind.blind_index("phone", "+79997654321")

    cleared = Case.objects.get(pk=case.pk)
    cleared.phone = ""
    cleared.save()
    assert Case.objects.get(pk=case.pk).phone_index is None


@pytest.mark.django_db
def test_matching_by_index_finds_the_same_person_typed_differently():
    first = open_case(full_name="Magomed One", phone="+7 (999) 123-45-67")
    open_case(full_name="Someone Else", phone="+7 999 000 00 00")

    found = Case.objects.filter(phone_index=blind.blind_index("phone", "+79991234567"))
    by_name = CaseNameToken.objects.filter(digest__in=blind.blind_name_tokens("Магомед"))

    assert list(found) == [first]
    assert [t.case_id for t in by_name] == [first.pk]
