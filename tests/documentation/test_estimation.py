"""The estimator of how many people no list saw (documentation/estimation.py): it
reproduces published results, refuses tables without an estimate instead of printing a
number, and reads its CSV strictly."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from waystation.documentation.estimation import (
    CaptureTable,
    Criterion,
    NotEstimable,
    Search,
    TableError,
    TooManyModels,
    estimate,
    fit_model,
    read_capture_table,
)

DATA = Path(__file__).parent / "data"


def table(name: str) -> CaptureTable:
    return read_capture_table((DATA / f"{name}.csv").read_text())


# Published estimate and 95% interval (data/SOURCES.md).
PUBLISHED = {
    "korea-palembang": (157, 128, 349),
    "kosovo-1999": (14342, 12525, 16477),
    "uk-2013": (12350, 9643, 25508),
}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_the_estimate_falls_within_the_published_interval(name):
    _published, low, high = PUBLISHED[name]
    result = estimate(table(name))
    assert low <= result.estimate <= high
    assert result.ci_low <= result.estimate <= (result.ci_high or math.inf)
    assert result.ci_low >= result.observed


def test_korea_and_kosovo_choose_the_published_model_and_estimate():
    korea = estimate(table("korea-palembang"))
    assert korea.model == "main effects + b*c + c*d"  # [12,23] in the papers' notation
    assert round(korea.estimate, 2) == 157.17
    kosovo = estimate(table("kosovo-1999"))
    assert round(kosovo.estimate) == 14342
    # The profile interval is close to the published bootstrap one (12,525 - 16,477).
    assert 12000 < kosovo.ci_low < 13000 and 16000 < (kosovo.ci_high or 0) < 17000


def test_models_with_and_without_an_extended_estimate_as_published():
    # Chan, Silverman and Vincent (2021), Table 3: the A-B model has no estimate, the
    # model with every two-list link is not identifiable, A-C with B-C gives 40*30/6.
    apart = table("three-lists-apart")
    assert fit_model(apart, [(0, 1)]) is None
    assert fit_model(apart, [(0, 1), (0, 2), (1, 2)]) is None
    with_links = fit_model(apart, [(0, 2), (1, 2)])
    assert with_links is not None and round(with_links.unseen, 6) == 200.0


def test_two_lists_that_share_nobody_give_no_number():
    lists_apart = read_capture_table("A,B,count\n1,0,40\n0,1,30\n")
    with pytest.raises(NotEstimable, match="nobody is on both A and B"):
        estimate(lists_apart)


def test_a_list_that_names_nobody_is_refused():
    with pytest.raises(NotEstimable, match="List C names nobody"):
        estimate(read_capture_table("A,B,C,count\n1,0,0,40\n0,1,0,30\n1,1,0,5\n0,0,1,0\n"))


def test_two_lists_give_the_lincoln_petersen_estimate():
    # With two lists the main-effects model is the Lincoln-Petersen estimator:
    # N = n1 * n2 / m, here 60 * 50 / 20 = 150.
    two = read_capture_table("A,B,count\n1,0,40\n0,1,30\n1,1,20\n")
    result = estimate(two)
    assert result.model == "main effects"
    assert result.estimate == pytest.approx(150.0)
    assert result.ci_low < 150 < (result.ci_high or 0)


def test_aic_and_stepwise_are_offered_and_say_so():
    kosovo = table("kosovo-1999")
    by_aic = estimate(kosovo, criterion=Criterion.AIC)
    assert by_aic.criterion is Criterion.AIC and by_aic.models_considered == 64
    stepwise = estimate(kosovo, search=Search.STEPWISE)
    assert any("step by step" in warning for warning in stepwise.warnings)
    assert stepwise.models_considered < 64


def test_a_sparse_table_says_why_the_number_is_fragile():
    result = estimate(table("three-lists-apart"))
    text = " ".join(result.warnings)
    assert "Nobody is on both A and C" in text
    assert "models have no estimate" in text
    assert "Only 6 people are on more than one list" in text


def test_the_json_shape():
    result = estimate(table("korea-palembang")).as_json()
    assert set(result) == {"observed", "estimate", "ci_low", "ci_high", "model", "warnings"}
    assert result["observed"] == 123


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("A,B\n1,0\n", "no 'count' column"),
        ("A,count\n1,4\n", "between 2 and 10"),
        ("A,A,count\n1,0,4\n", "same name"),
        ("A,,count\n1,0,4\n", "no name"),
        ("A,B,count\n1,0\n", "Line 2 has 2 values"),
        ("A,B,count\n2,0,4\n", "holds 0 or 1"),
        ("A,B,count\n<b>1</b>,0,4\n", "holds 0 or 1"),
        ("A,B,count\n1,0,-4\n", "whole number"),
        ("A,B,count\n1,0,4.5\n", "whole number"),
        ("A,B,count\n1,0,nan\n", "not a number"),
        ("A,B,count\n1,0,inf\n", "not a number"),
        ("A,B,count\n1,0,1e999\n", "whole number"),
        # float() reads these; a count of people is written in ASCII digits.
        ("A,B,count\n1,0,1_000\n", "not a number"),
        ("A,B,count\n1,0,\u0661\u0662\n", "not a number"),
        ("A,B,count\n1,0,\uff11\uff12\n", "not a number"),
        ("A,B,count\n1,0,+4\n", "not a number"),
        ("A,B,count\n1,0,many\n", "not a number"),
        ("A,B,count\n1,0,99999999999\n", "not a count of people"),
        ("A,B,count\n0,0,4\n", "on no list"),
        ("A,B,count\n1,0,4\n1,0,5\n", "repeats"),
        ("A,B,count\n1,0,0\n", "counts nobody"),
        (",".join(f"L{k}" for k in range(11)) + ",count\n", "between 2 and 10"),
        # Names are printed to a terminal: no escape sequence, no bidi override.
        ("A,\x1b]0;owned\x07B,count\n1,0,4\n", "control character"),
        ("A,\x1b[2JB,count\n1,0,4\n", "control character"),
        ("A,\u202eB,count\n1,0,4\n", "control character"),
        ('A,"B\rC",count\n1,0,4\n', "control character"),
        ("A," + "B" * 81 + ",count\n1,0,4\n", "longer than 80"),
    ],
)
def test_bad_tables_are_refused_with_the_line(text, message):
    with pytest.raises(TableError, match=message):
        read_capture_table(text)


def test_a_table_of_every_combination_with_r_style_numbers_is_read():
    text = "A,B,C,count\n" + "".join(
        f"{a}.0,{b}.0,{c}.0,{7 + a + b + c}\n"
        for a, b, c in itertools.product((0, 1), repeat=3)
        if a or b or c
    )
    read = read_capture_table(text)
    assert read.lists == ("A", "B", "C") and read.observed == sum(
        7 + sum(p) for p in itertools.product((0, 1), repeat=3) if any(p)
    )


@pytest.mark.parametrize(
    ("cell", "count"), [("12", 12), ("12.0", 12), ("1e+05", 100_000), (" 7 ", 7)]
)
def test_counts_as_r_and_spreadsheets_write_them_are_read(cell, count):
    assert read_capture_table(f"A,B,count\n1,0,{cell}\n0,1,3\n").counts[(1, 0)] == count


three_list_counts = st.lists(st.integers(min_value=0, max_value=400), min_size=7, max_size=7)


@settings(max_examples=40, deadline=None)
@given(three_list_counts)
def test_any_three_list_table_gives_an_estimate_at_or_above_the_seen_or_says_why(counts):
    patterns = [p for p in itertools.product((0, 1), repeat=3) if any(p)]
    if sum(counts) == 0:
        return
    text = "A,B,C,count\n" + "".join(
        f"{a},{b},{c},{n}\n" for (a, b, c), n in zip(patterns, counts, strict=True)
    )
    try:
        result = estimate(read_capture_table(text))
    except NotEstimable as error:
        assert str(error)  # a reason in words, never a number
        return
    assert math.isfinite(result.estimate)
    assert result.estimate >= result.observed - 1e-6
    assert result.observed <= result.ci_low <= result.estimate + 1e-3
    assert result.ci_high is None or result.ci_high >= result.estimate - 1e-3


def test_a_sparse_table_whose_fit_overflows_from_the_first_start_still_gives_an_estimate():
    # Before the fix: ValueError "NaN, inf or invalid value detected in weights" from
    # statsmodels, out of the profile likelihood (data/SOURCES.md).
    result = estimate(table("six-lists-sparse"))
    assert result.observed == 699
    assert result.observed <= result.ci_low <= result.estimate
    assert result.ci_high is not None and result.ci_high >= result.estimate


def test_every_model_of_seven_lists_is_refused_not_fitted_for_hours():
    text = (
        ",".join(f"L{k}" for k in range(7))
        + ",count\n"
        + "".join(
            ",".join(str(b) for b in p) + ",5\n"
            for p in itertools.product((0, 1), repeat=7)
            if any(p)
        )
    )
    with pytest.raises(TooManyModels, match="2,097,152 models"):
        estimate(read_capture_table(text), search=Search.EXHAUSTIVE)
