"""The vault's public-key sealing and codename-derived values."""

import pytest

from waystation.vault import boxes
from waystation.vault.primitives import OpenFailed

AD = boxes.box_context("intake_helprequest", "abc", "payload_box")


def test_a_sealed_box_opens_with_the_private_key_only():
    pair, other = boxes.new_key_pair(), boxes.new_key_pair()
    box = boxes.seal_to(pair.public, b"secret story", AD)
    assert boxes.open_box(pair.private, box, AD) == b"secret story"
    assert b"secret story" not in box
    with pytest.raises(OpenFailed):
        boxes.open_box(other.private, box, AD)


def test_a_box_moved_to_another_row_or_field_does_not_open():
    pair = boxes.new_key_pair()
    box = boxes.seal_to(pair.public, b"x", AD)
    for context in (
        boxes.box_context("intake_helprequest", "abd", "payload_box"),
        boxes.box_context("intake_helprequest", "abc", "other"),
    ):
        with pytest.raises(OpenFailed):
            boxes.open_box(pair.private, box, context)


@pytest.mark.parametrize("position", [0, 1, 40, -1])
def test_an_altered_box_does_not_open(position):
    pair = boxes.new_key_pair()
    box = bytearray(boxes.seal_to(pair.public, b"x" * 20, AD))
    box[position] ^= 1
    with pytest.raises(OpenFailed):
        boxes.open_box(pair.private, bytes(box), AD)


def test_truncated_and_empty_boxes_do_not_open():
    pair = boxes.new_key_pair()
    box = boxes.seal_to(pair.public, b"x", AD)
    for bad in (b"", box[:10], box[:-1]):
        with pytest.raises(OpenFailed):
            boxes.open_box(pair.private, bad, AD)


def test_sealing_twice_gives_different_boxes():
    pair = boxes.new_key_pair()
    assert boxes.seal_to(pair.public, b"x", AD) != boxes.seal_to(pair.public, b"x", AD)


def test_the_public_key_is_derived_from_the_private_key():
    pair = boxes.new_key_pair()
    assert boxes.public_key_of(pair.private) == pair.public


def test_codename_values_are_stable_and_independent():
    codename = "abacus zoom plank remedy hubcap lullaby unsold"
    lookup = boxes.codename_lookup(codename)
    pair = boxes.codename_key_pair(codename)
    assert lookup == boxes.codename_lookup(codename)
    assert pair == boxes.codename_key_pair(codename)
    assert len(lookup) == 64
    assert lookup != pair.private.hex() and lookup != pair.public.hex()
    assert boxes.codename_lookup(codename + "s") != lookup


def test_a_reply_sealed_to_the_codename_opens_with_it():
    codename = "abacus zoom plank remedy hubcap lullaby unsold"
    public = boxes.codename_key_pair(codename).public
    box = boxes.seal_to(public, "ответ".encode(), AD)
    assert boxes.open_box(boxes.codename_key_pair(codename).private, box, AD).decode() == "ответ"
