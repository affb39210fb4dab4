"""k-of-n shares of the root key, as words a trustee can write on paper.

We use SLIP-39 (``shamir-mnemonic``, the reference implementation by SatoshiLabs):
Shamir's secret sharing over GF(256), each share a list of words from a fixed
1024-word list with a Reed-Solomon checksum, so that a mistyped or swapped word is
caught before any arithmetic is attempted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import shamir_mnemonic
from shamir_mnemonic.wordlist import WORD_INDEX_MAP

MAX_SHARES = 16
# "1", "1." "1)" "1:" before a share or a word: numbering, not part of the share.
_NUMBERING = re.compile(r"\d+[.):]?\Z")


class ShareError(ValueError):
    """A share could not be used; the message says why, in words for a trustee."""


def split_root_key(root: bytes, *, shares: int, threshold: int) -> list[str]:
    if not 2 <= threshold <= shares <= MAX_SHARES:
        raise ShareError(
            f"need 2 <= threshold <= shares <= {MAX_SHARES}; got {threshold} of {shares}"
        )
    groups = shamir_mnemonic.generate_mnemonics(
        group_threshold=1, groups=[(threshold, shares)], master_secret=root
    )
    return list(groups[0])


def normalise_share(text: str) -> str:
    """Accept a share as typed: any case, extra spaces, line breaks, numbering."""
    words = [w for w in text.strip().lower().replace(",", " ").split() if not _NUMBERING.match(w)]
    unknown = [w for w in words if w not in WORD_INDEX_MAP]
    if unknown:
        raise ShareError(f"'{unknown[0]}' is not a share word; check the spelling")
    return " ".join(words)


def combine_shares(texts: Iterable[str]) -> bytes:
    shares = [normalise_share(t) for t in texts if t.strip()]
    if not shares:
        raise ShareError("no shares given")
    if len(set(shares)) != len(shares):
        raise ShareError("the same share was given twice")
    parsed = []
    for position, share in enumerate(shares, start=1):
        try:
            parsed.append(shamir_mnemonic.Share.from_mnemonic(share))
        except shamir_mnemonic.MnemonicError as exc:
            # The library's message quotes the share's first words; a trustee's own
            # terminal is fine, but the message may reach a log, so we say less.
            raise ShareError(
                f"share {position} is damaged or mistyped (its checksum does not match)"
            ) from exc
    if len({(p.identifier, p.member_threshold) for p in parsed}) != 1:
        raise ShareError("these shares come from different key sets")
    needed = parsed[0].member_threshold
    if len(parsed) < needed:
        raise ShareError(f"{len(parsed)} share(s) given; this vault needs {needed}")
    # SLIP-39 combines exactly `needed` shares and refuses more. When more trustees come,
    # any `needed` of their shares give the root; each extra one must give the same root.
    root = _combine(shares[:needed])
    for position, extra in enumerate(shares[needed:], start=needed + 1):
        if _combine([*shares[: needed - 1], extra]) != root:
            raise ShareError(f"share {position} does not fit with the others; check it")
    return root


def _combine(shares: list[str]) -> bytes:
    try:
        return bytes(shamir_mnemonic.combine_mnemonics(shares))
    except shamir_mnemonic.MnemonicError as exc:
        raise ShareError("these shares do not fit together; check each one") from exc
