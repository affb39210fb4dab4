import math

from hypothesis import given
from hypothesis import strategies as st

from waystation.intake import codenames


def test_codenames_have_at_least_88_bits():
    assert codenames.ENTROPY_BITS >= codenames.MIN_ENTROPY_BITS >= 88
    assert math.isclose(
        codenames.ENTROPY_BITS, codenames.WORDS * math.log2(len(codenames.word_list()))
    )


def test_the_word_list_is_the_eff_long_list_without_hyphenated_words():
    words = codenames.word_list()
    assert len(words) == codenames.WORD_LIST_SIZE == 7772
    assert len(set(words)) == len(words)
    assert words[0] == "abacus" and words[-1] == "zoom"
    assert all(w.isalpha() for w in words)


def test_a_codename_is_seven_words_from_the_list():
    codename = codenames.generate()
    words = codename.split(" ")
    assert len(words) == codenames.WORDS == 7
    assert set(words) <= set(codenames.word_list())
    assert codenames.is_well_formed(codename)


def test_codenames_do_not_repeat():
    assert len({codenames.generate() for _ in range(2000)}) == 2000


def test_codenames_come_from_the_os_random_source(monkeypatch):
    calls = []
    real = codenames.secrets.choice

    def spy(seq):
        calls.append(len(seq))
        return real(seq)

    monkeypatch.setattr(codenames.secrets, "choice", spy)
    codenames.generate()
    assert calls == [7772] * 7


def test_typing_variations_normalise_to_the_codename():
    codename = codenames.generate()
    for typed in (
        codename.upper(),
        "  " + codename.replace(" ", "-") + " \n",
        codename.replace(" ", ", "),
        codename.replace(" ", "\t\t"),
    ):
        assert codenames.normalise(typed) == codename


@given(st.text(max_size=400))
def test_normalise_never_fails_and_bounds_its_work(typed):
    normalised = codenames.normalise(typed)
    assert len(normalised) <= codenames.MAX_INPUT_CHARS


def test_malformed_codenames_are_not_well_formed():
    assert not codenames.is_well_formed("abacus abacus")
    assert not codenames.is_well_formed("abacus " * 6 + "notaword")
    assert not codenames.is_well_formed(" ".join(["abacus"] * 8))
