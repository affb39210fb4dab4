"""k-of-n shares of the root key (docs/design.md §2.1, §3): any k trustees unseal, fewer cannot,
and every mistake a trustee can make gets a plain answer and changes nothing."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shamir_mnemonic.wordlist import WORDLIST

from waystation.vault.keyservice import KeyService, UnsealError
from waystation.vault.keystore import KeystoreError
from waystation.vault.shares import (
    MAX_SHARES,
    ShareError,
    combine_shares,
    normalise_share,
    split_root_key,
)


@pytest.fixture(scope="module")
def five_of_three(tmp_path_factory) -> tuple[Path, list[str]]:
    """One key store and its five shares, threshold three (made once: tests unseal it
    with fresh key services and never change it)."""
    path = tmp_path_factory.mktemp("shares") / "keystore.json"
    return path, KeyService(path).initialise(shares=5, threshold=3)


def _fresh_service(path: Path) -> KeyService:
    return KeyService(path)


def _swap_one_word(share: str, position: int = 5) -> str:
    words = share.split()
    replacement = next(w for w in WORDLIST if w != words[position])
    words[position] = replacement
    return " ".join(words)


@pytest.mark.parametrize("chosen", list(itertools.combinations(range(5), 3)))
def test_any_three_of_five_shares_unseal(five_of_three, chosen):
    path, shares = five_of_three
    service = _fresh_service(path)

    service.unseal_with_shares([shares[i] for i in chosen])

    assert service.is_unsealed
    assert service.keyring().current_kek == 1


@pytest.mark.parametrize("chosen", list(itertools.combinations(range(5), 2)))
def test_two_of_five_shares_do_not_unseal_and_say_how_many_are_needed(five_of_three, chosen):
    path, shares = five_of_three
    service = _fresh_service(path)

    with pytest.raises(UnsealError, match=r"2 share\(s\) given; this vault needs 3"):
        service.unseal_with_shares([shares[i] for i in chosen])
    assert not service.is_unsealed


@pytest.mark.parametrize("count", [4, 5])
def test_more_shares_than_needed_also_unseal(five_of_three, count):
    """Four trustees came: all four shares are accepted (SLIP-39 itself takes exactly
    the threshold and would refuse them as 'not fitting together')."""
    path, shares = five_of_three
    service = _fresh_service(path)

    service.unseal_with_shares(shares[:count])

    assert service.is_unsealed


def test_an_extra_share_from_another_key_set_is_refused(five_of_three, tmp_path):
    path, shares = five_of_three
    stranger = KeyService(tmp_path / "other.json").initialise(shares=5, threshold=3)[0]

    with pytest.raises(UnsealError, match="different key sets"):
        _fresh_service(path).unseal_with_shares([*shares[:3], stranger])


def test_shares_typed_loosely_still_unseal(five_of_three):
    """Any case, commas, extra spaces and line breaks, numbering: as a trustee types."""
    path, shares = five_of_three
    typed = [
        "1. " + shares[0].upper(),
        "  " + shares[1].replace(" ", " ,\n  ") + "  ",
        "3 " + shares[2].title(),
    ]

    service = _fresh_service(path)
    service.unseal_with_shares(typed)

    assert service.is_unsealed


def test_a_mistyped_word_is_named(five_of_three):
    path, shares = five_of_three
    mistyped = shares[0].replace(shares[0].split()[4], "zzzqq", 1)

    with pytest.raises(UnsealError, match="'zzzqq' is not a share word"):
        _fresh_service(path).unseal_with_shares([mistyped, shares[1], shares[2]])


def test_a_corrupted_share_fails_its_checksum_without_quoting_it(five_of_three):
    path, shares = five_of_three
    corrupted = _swap_one_word(shares[1])

    with pytest.raises(UnsealError, match="share 2 is damaged or mistyped") as raised:
        _fresh_service(path).unseal_with_shares([shares[0], corrupted, shares[2]])
    # The message may reach a log: it says which share, not what the share is.
    assert not set(str(raised.value).split()) & set(corrupted.split())


def test_the_same_share_twice_is_refused(five_of_three):
    path, shares = five_of_three

    with pytest.raises(UnsealError, match="the same share was given twice"):
        _fresh_service(path).unseal_with_shares([shares[0], shares[0].upper(), shares[1]])


def test_shares_from_two_key_sets_are_refused(five_of_three, tmp_path):
    path, shares = five_of_three
    other = KeyService(tmp_path / "other.json").initialise(shares=5, threshold=3)

    with pytest.raises(UnsealError, match="different key sets"):
        _fresh_service(path).unseal_with_shares([shares[0], shares[1], other[0]])


def test_shares_of_another_vault_are_refused_by_this_key_store(five_of_three, tmp_path):
    path, _shares = five_of_three
    other = KeyService(tmp_path / "other.json").initialise(shares=5, threshold=3)

    with pytest.raises(UnsealError, match="different vault than this key store"):
        _fresh_service(path).unseal_with_shares(other[:3])


def test_no_shares_at_all_is_refused(five_of_three):
    path, _shares = five_of_three
    with pytest.raises(UnsealError, match="no shares given"):
        _fresh_service(path).unseal_with_shares(["", "   \n"])


def test_a_failed_unseal_changes_nothing(five_of_three):
    path, shares = five_of_three
    before = path.read_bytes()
    service = _fresh_service(path)

    for attempt in (
        shares[:2],
        [shares[0], shares[0], shares[1]],
        [shares[0], _swap_one_word(shares[1]), shares[2]],
    ):
        with pytest.raises(UnsealError):
            service.unseal_with_shares(attempt)

    assert not service.is_unsealed
    assert path.read_bytes() == before


def test_initialise_refuses_to_replace_a_key_store(five_of_three):
    path, _shares = five_of_three
    before = path.read_bytes()

    with pytest.raises(KeystoreError, match="refusing to replace it"):
        KeyService(path).initialise(shares=5, threshold=3)
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("shares", "threshold"), [(5, 1), (5, 6), (MAX_SHARES + 1, 3), (1, 1), (0, 0), (3, -2)]
)
def test_impossible_share_schemes_are_refused(shares, threshold, tmp_path):
    with pytest.raises(ShareError, match="threshold"):
        KeyService(tmp_path / "keystore.json").initialise(shares=shares, threshold=threshold)
    assert not (tmp_path / "keystore.json").exists()


def test_shares_are_words_from_the_list_and_differ():
    shares = split_root_key(bytes(range(32)), shares=5, threshold=3)

    assert len(set(shares)) == 5
    for share in shares:
        assert normalise_share(share) == share
        assert all(word in WORDLIST for word in share.split())


words = st.sampled_from(WORDLIST)
# The examples only read the module's key store; tests/conftest.py's vault is not used.
PROPERTY = settings(
    deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@settings(PROPERTY, max_examples=200)
@given(
    texts=st.lists(
        st.one_of(
            st.lists(words, min_size=0, max_size=40).map(" ".join),
            st.text(max_size=300),
        ),
        max_size=6,
    )
)
def test_combining_anything_fails_only_with_a_share_error(texts):
    """Whatever a trustee types, the answer is a ShareError with a message, never a
    crash from deeper down (which the key agent would turn into a dropped connection)."""
    try:
        combine_shares(texts)
    except ShareError as exc:
        assert str(exc)
    else:
        pytest.fail("random words combined into a root key")


@settings(PROPERTY, max_examples=100)
@given(data=st.data())
def test_a_real_share_with_any_word_changed_is_refused(five_of_three, data):
    _path, shares = five_of_three
    share = shares[data.draw(st.integers(0, 4), label="share")].split()
    position = data.draw(st.integers(0, len(share) - 1), label="position")
    share[position] = data.draw(words.filter(lambda w: w != share[position]), label="word")
    others = [s for s in shares if s.split() != share][:2]

    with pytest.raises(ShareError):
        combine_shares([" ".join(share), *others])
