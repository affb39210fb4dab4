"""The corroboration rule (documentation/corroboration.py): the levels as documented, and
the two properties the record relies on. A source of an origin already counted never
raises a level; a supporting source of a new origin never lowers one."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from waystation.documentation.corroboration import (
    Credibility,
    Grade,
    GradedSource,
    Level,
    Reliability,
    Stance,
    independent,
    level,
)


def source(group: str, grade: str, stance: Stance = Stance.SUPPORTS) -> GradedSource:
    return GradedSource(
        group=group,
        grade=Grade(Reliability(grade[0]), Credibility(int(grade[1]))),
        stance=stance,
    )


def test_the_levels_as_documented():
    assert level([]) is Level.UNSOURCED
    assert level([source("hotline", "C3")]) is Level.SINGLE_SOURCE
    assert level([source("hotline", "B2")]) is Level.CREDIBLE
    assert level([source("hotline", "C3"), source("media", "D4")]) is (Level.SEVERAL_WEAK_SOURCES)
    assert level([source("hotline", "B2"), source("media", "D4")]) is Level.CORROBORATED
    assert level([source("hotline", "A1"), source("official", "B3", Stance.CONTRADICTS)]) is (
        Level.DISPUTED
    )
    # An unreliable denial does not dispute; nor does a grade that cannot be judged.
    assert level([source("hotline", "B2"), source("official", "E5", Stance.CONTRADICTS)]) is (
        Level.CREDIBLE
    )
    assert level([source("hotline", "F6")]) is Level.SINGLE_SOURCE


def test_two_reports_of_one_origin_count_once():
    testimony = source("interview-7", "B2")
    retold = source("interview-7", "B2")
    assert level([testimony, retold]) is Level.CREDIBLE
    assert independent([testimony, retold]) == [testimony]


def test_grades_read_both_scales():
    assert Grade(Reliability.A, Credibility.CONFIRMED).at_least(Reliability.B, Credibility(2))
    assert not Grade(Reliability.A, Credibility(3)).at_least(Reliability.B, Credibility(2))
    assert not Grade(Reliability.C, Credibility(1)).at_least(Reliability.B, Credibility(2))
    assert str(Grade(Reliability.B, Credibility(2))) == "B2"
    assert Level.SEVERAL_WEAK_SOURCES.label == "several weak sources"


grades = st.builds(Grade, st.sampled_from(list(Reliability)), st.sampled_from(list(Credibility)))
stances = st.sampled_from(list(Stance))
groups = st.sampled_from(["hotline", "partner", "media", "ngo", "official", "witness"])
sources = st.lists(st.builds(GradedSource, groups, grades, stances), max_size=8)


def _order(value: Level) -> int:
    return -1 if value is Level.DISPUTED else int(value)


@given(sources, st.data())
def test_a_source_of_an_origin_already_counted_never_raises_the_level(recorded, data):
    if not recorded:
        return
    counted = data.draw(st.sampled_from([s.group for s in recorded]))
    again = GradedSource(counted, data.draw(grades), data.draw(stances))
    assert level([*recorded, again]) is level(recorded)


@given(sources, grades)
def test_a_supporting_source_of_a_new_origin_never_lowers_the_level(recorded, grade):
    new = GradedSource("a-new-origin", grade, Stance.SUPPORTS)
    before, after = level(recorded), level([*recorded, new])
    if before is Level.DISPUTED:
        assert after is Level.DISPUTED  # support does not settle a dispute by itself
    else:
        assert _order(after) >= _order(before)


@given(sources)
def test_an_independent_good_source_added_to_any_support_corroborates(recorded):
    if level(recorded) in (Level.DISPUTED, Level.UNSOURCED):
        return
    good = GradedSource("a-new-origin", Grade(Reliability.A, Credibility(1)))
    assert level([*recorded, good]) is Level.CORROBORATED
