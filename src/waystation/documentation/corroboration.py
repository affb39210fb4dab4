"""How well an event or an act is corroborated: one rule, written once
(docs/documentation.md#corroboration).

Each source is graded on the Admiralty scale that analysts already use: the source's
reliability (A completely reliable … E unreliable, F cannot be judged) and the
information's credibility (1 confirmed … 5 improbable, 6 cannot be judged). Each source
also sits in an *independence group*: reports that share an origin (a newspaper retelling
the hotline's account, two interviews of one witness) are one group, and a group counts
once, at the grade and stance of the first source recorded in it. Later sources of a group
add nothing, so a retelling can never raise a level.

The levels, from the weakest:

- ``unsourced``: no source supports it;
- ``single source``: one group supports it, not graded B2 or better;
- ``several weak sources``: two or more groups support it, none graded B2 or better;
- ``credible``: one group supports it, graded B2 or better;
- ``corroborated``: two or more groups support it, at least one graded B2 or better;
- ``disputed``: a group graded C3 or better contradicts it, whatever supports it.

Adding a supporting source from a new group never lowers a level (it may raise it), and
adding a source to a group already counted changes nothing. The property-based tests
hold the rule to both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum, StrEnum


class Reliability(StrEnum):
    A = "A"  # completely reliable
    B = "B"  # usually reliable
    C = "C"  # fairly reliable
    D = "D"  # not usually reliable
    E = "E"  # unreliable
    F = "F"  # cannot be judged


class Credibility(IntEnum):
    CONFIRMED = 1
    PROBABLY_TRUE = 2
    POSSIBLY_TRUE = 3
    DOUBTFUL = 4
    IMPROBABLE = 5
    CANNOT_BE_JUDGED = 6


class Stance(StrEnum):
    SUPPORTS = "supports"
    CONTRADICTS = "contradicts"


class Level(IntEnum):
    """Ordered from the weakest; ``DISPUTED`` stands apart from the order."""

    UNSOURCED = 0
    SINGLE_SOURCE = 1
    SEVERAL_WEAK_SOURCES = 2
    CREDIBLE = 3
    CORROBORATED = 4
    DISPUTED = 5

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", " ")


_RELIABILITY_ORDER = "ABCDEF"


@dataclass(frozen=True)
class Grade:
    reliability: Reliability
    credibility: Credibility

    def at_least(self, reliability: Reliability, credibility: Credibility) -> bool:
        """This grade is as good as ``reliability``+``credibility`` or better on both
        scales (F and 6, "cannot be judged", are never good)."""
        return (
            _RELIABILITY_ORDER.index(self.reliability) <= _RELIABILITY_ORDER.index(reliability)
            and self.credibility <= credibility
        )

    def __str__(self) -> str:
        return f"{self.reliability.value}{self.credibility.value}"


# A good source (B2 or better) is what "credible" and "corroborated" need; a fair one
# (C3 or better) is enough to dispute.
GOOD = (Reliability.B, Credibility.PROBABLY_TRUE)
FAIR = (Reliability.C, Credibility.POSSIBLY_TRUE)


@dataclass(frozen=True)
class GradedSource:
    """What the rule reads of a source: nothing of its content."""

    group: str  # the independence group: sources of one origin share it
    grade: Grade
    stance: Stance = Stance.SUPPORTS


def independent(sources: Iterable[GradedSource]) -> list[GradedSource]:
    """One source per independence group: the first recorded in it."""
    first: dict[str, GradedSource] = {}
    for source in sources:
        first.setdefault(source.group, source)
    return list(first.values())


def level(sources: Iterable[GradedSource]) -> Level:
    """The corroboration level of what ``sources`` (in the order recorded) speak of."""
    groups = independent(sources)
    if any(s.stance is Stance.CONTRADICTS and s.grade.at_least(*FAIR) for s in groups):
        return Level.DISPUTED
    supporting = [s for s in groups if s.stance is Stance.SUPPORTS]
    good = any(s.grade.at_least(*GOOD) for s in supporting)
    if not supporting:
        return Level.UNSOURCED
    if len(supporting) == 1:
        return Level.CREDIBLE if good else Level.SINGLE_SOURCE
    return Level.CORROBORATED if good else Level.SEVERAL_WEAK_SOURCES
