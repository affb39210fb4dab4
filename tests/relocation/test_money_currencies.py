"""Currencies, typed amounts and conversion: exact integers, one reading rule."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from waystation.relocation import currencies
from waystation.relocation.currencies import AmountError


@pytest.mark.parametrize(
    ("typed", "currency", "minor"),
    [
        ("1234.50", "EUR", 123_450),
        ("1234,50", "EUR", 123_450),
        ("1 234,50", "EUR", 123_450),
        ("1\u00a0234.5", "EUR", 123_450),  # a no-break space, as phones type it
        ("  7 ", "EUR", 700),
        ("7.", "EUR", 700),
        ("0.01", "EUR", 1),
        ("1 000 000", "RUB", 100_000_000),
        ("1234", "JPY", 1234),
        ("1.234", "KWD", 1234),
        ("0,005", "BHD", 5),
        ("1.5", "KWD", 1500),
        ("12  345", "EUR", 1_234_500),  # stray spaces are only spaces
    ],
)
def test_amounts_read_by_the_one_rule(typed, currency, minor):
    assert currencies.parse_amount(typed, currency) == minor


@pytest.mark.parametrize(
    ("typed", "currency", "message"),
    [
        ("1,234.50", "EUR", "one decimal mark"),  # ambiguous: refused, not guessed
        ("1.234,50", "EUR", "one decimal mark"),
        ("1,234", "EUR", "group thousands with spaces"),  # a thousand or 1.234?
        ("12.345", "EUR", "2 decimals"),
        ("12.5", "JPY", "no minor unit"),
        ("1.2345", "KWD", "3 decimals"),
        ("0", "EUR", "more than zero"),
        ("0,00", "EUR", "more than zero"),
        ("-5", "EUR", "more than zero"),
        ("\u22125", "EUR", "more than zero"),
        ("1e5", "EUR", "digits"),
        ("Infinity", "EUR", "digits"),
        ("NaN", "EUR", "digits"),
        ("٣٤", "EUR", "digits"),  # Arabic-Indic digits look like numbers, are not ours
        ("<script>alert(1)</script>", "EUR", "too long|digits"),
        ("1 0000", "EUR", "single spaces"),
        (".5", "EUR", "digits"),
        ("", "EUR", "Type an amount"),
        ("9" * 41, "EUR", "too long"),
        ("1000000000001", "EUR", "too large"),
        ("5 EUR", "EUR", "single spaces"),
    ],
)
def test_bad_amounts_are_refused_with_a_reason(typed, currency, message):
    with pytest.raises(AmountError, match=message):
        currencies.parse_amount(typed, currency)


def test_zero_is_allowed_where_it_means_something():
    assert currencies.parse_amount("0", "EUR", allow_zero=True) == 0


def test_only_currencies_in_use_today():
    assert {"EUR", "RUB", "USD", "JPY", "KWD", "GEL", "TRY", "AMD", "KZT"} <= (
        currencies.active_currencies()
    )
    for withdrawn in ("SUR", "DEM", "XAU", "XDR", "XXX", "eur", "", "<b>"):
        assert not currencies.is_active(withdrawn)
    assert currencies.clean_currency(" eur ") == "EUR"
    assert currencies.choices()[0][0] == "EUR"  # the reporting currency first


def test_minor_units_follow_the_currency():
    assert (currencies.decimals("JPY"), currencies.decimals("EUR"), currencies.decimals("KWD")) == (
        0,
        2,
        3,
    )


@pytest.mark.parametrize(
    ("amount_minor", "currency", "rate", "expected"),
    [
        # 0 decimals to 2: 1000 JPY at 0.0061 is 6.10 EUR
        (1000, "JPY", Decimal("0.0061"), 610),
        (1, "JPY", Decimal("0.0061"), 1),  # 0.61 cents rounds to 1
        (3, "JPY", Decimal("0.005"), 2),  # 1.5 cents: half to even, up to 2
        (5, "JPY", Decimal("0.005"), 2),  # 2.5 cents: half to even, down to 2
        # 3 decimals to 2: 1.234 KWD at 2.95 is 3.6403 EUR
        (1234, "KWD", Decimal("2.95"), 364),
        (1, "KWD", Decimal("5"), 0),  # 0.5 cents: to even, 0
        (3, "KWD", Decimal("5"), 2),  # 1.5 cents: to even, 2
        (999_999_999_999_999, "KWD", Decimal("3.2567891234"), 325_678_912_340_000),
        # 2 decimals to 2
        (5, "EUR", Decimal("1"), 5),
        (123_456, "RUB", Decimal("0.0105"), 1296),  # 12.96288 EUR
        (25, "USD", Decimal("0.5"), 12),  # 12.5: to even
        (35, "USD", Decimal("0.5"), 18),  # 17.5: to even
        # the largest amount and rate stay exact
        (10**14, "EUR", Decimal("999999.9999999999"), 99_999_999_999_999_990_000),
    ],
)
def test_conversion_is_exact_and_rounds_half_to_even(amount_minor, currency, rate, expected):
    assert currencies.to_reporting_minor(amount_minor, currency, rate) == expected


@settings(deadline=None, max_examples=200)
@given(
    currency=st.sampled_from(["JPY", "EUR", "KWD", "RUB", "BHD", "CLP"]),
    minor=st.integers(min_value=1, max_value=10**12),
)
def test_every_amount_shown_reads_back_the_same(currency, minor):
    if minor > currencies.MAX_UNITS * 10 ** currencies.decimals(currency):
        return
    shown = currencies.format_minor(minor, currency)
    assert currencies.parse_amount(shown, currency) == minor
    assert currencies.parse_amount(shown.replace(".", ",").replace(" ", ""), currency) == minor


@settings(deadline=None, max_examples=200)
@given(
    currency=st.sampled_from(["JPY", "EUR", "KWD"]),
    minor=st.integers(min_value=0, max_value=10**15),
    rate=st.decimals(min_value=Decimal("1e-10"), max_value=Decimal(10**6), places=10),
)
def test_conversion_matches_a_fraction_computation(currency, minor, rate):
    """Against exact rational arithmetic, rounded half to even by hand."""
    from fractions import Fraction

    exact = Fraction(minor) * Fraction(rate) * Fraction(10) ** (2 - currencies.decimals(currency))
    floor = exact.numerator // exact.denominator
    rest = exact - floor
    expected = floor + (1 if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and floor % 2) else 0)
    assert currencies.to_reporting_minor(minor, currency, rate) == expected


@pytest.mark.parametrize(
    ("typed", "rate"),
    [("0.0105", Decimal("0.0105")), ("1,5", Decimal("1.5")), ("12", Decimal("12"))],
)
def test_rates_read(typed, rate):
    assert currencies.parse_rate(typed) == rate


@pytest.mark.parametrize(
    "typed",
    ["0", "-1", "1e3", "NaN", "inf", "1,000.5", "0.00000000001", "1000001", "", "<i>", "1 5"],
)
def test_bad_rates_are_refused(typed):
    with pytest.raises(AmountError):
        currencies.parse_rate(typed)


def test_the_default_threshold_setting_is_read_exactly(settings):
    assert currencies.units_to_minor("500", "EUR") == 50_000
    assert currencies.units_to_minor("0.5", "KWD") == 500
    for bad in ("abc", "0.001", "-1"):
        with pytest.raises(AmountError):
            currencies.units_to_minor(bad, "EUR")
