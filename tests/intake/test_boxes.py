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


# Known answers, made before the box was rebuilt on ``vault.primitives``: requests,
# messages and files already stored must open, and codenames already handed out must
# find their mailbox, whatever the code around the primitives becomes.
KNOWN_PRIVATE = bytes(range(1, 33))
KNOWN_PUBLIC = "07a37cbc142093c8b755dc1b10e86cb426374ad16aa853ed0bdfc0b2b86d1c7c"
KNOWN_AD = boxes.box_context("intake_helprequest", "kat", "payload_box")
KNOWN_BOX = (
    "02d92f24cd35248452a0d42c6e544f8011f14eace44ee24c03e9957eef5264671fff40d3aa58ba5789cc"
    "8e503bd4ac7e6f36b11d7a2a3de522876adb294d73ba92d032ed3809e93db99d516a7d2b5aa4ceb3cd2d"
    "2ced19d7"
)
KNOWN_CODENAME = "abacus zoom plank remedy hubcap lullaby unsold"


def test_a_box_sealed_by_the_earlier_code_still_opens():
    assert boxes.public_key_of(KNOWN_PRIVATE).hex() == KNOWN_PUBLIC
    opened = boxes.open_box(KNOWN_PRIVATE, bytes.fromhex(KNOWN_BOX), KNOWN_AD)
    assert opened.decode() == "known answer — ответ"
    assert boxes.fingerprint(bytes.fromhex(KNOWN_PUBLIC)) == "aaa8fff703b50b22"


def test_a_new_box_keeps_the_format():
    box = boxes.seal_to(bytes.fromhex(KNOWN_PUBLIC), b"x", KNOWN_AD)
    assert box[:1] == boxes.BOX_FORMAT
    assert len(box) == 1 + boxes.PUBLIC_KEY_BYTES + 12 + 1 + 16
    assert boxes.open_box(KNOWN_PRIVATE, box, KNOWN_AD) == b"x"


def test_codename_values_are_those_the_earlier_code_derived():
    assert boxes.codename_lookup(KNOWN_CODENAME) == (
        "a81b596a5a694159d634dce1af7dfc7c49fdaba83582cff8e1c83ff71c3f9f9e"
    )
    pair = boxes.codename_key_pair(KNOWN_CODENAME)
    assert pair.private.hex() == "2be5df96c504ed350363258353fcd63635dc315e9dd0fb235543106baba88730"
    assert pair.public.hex() == "b62f98c9209ff564b47f7dcb7675aafa44bf63e70e3a5f4c02ab51138b49a858"
