"""Currencies and amounts: ISO 4217 codes and their minor units, read from Babel's CLDR
data (pinned, so the number of decimals of a currency cannot change under stored rows),
and the one rule for reading an amount a person typed.

How an amount is typed (the same rule everywhere, shown under every amount field):

- digits, optionally grouped in thousands by spaces (``1 234 567``);
- at most one decimal mark, a point or a comma (``1234.50`` or ``1 234,50``);
- no more decimals than the currency has (JPY none, EUR two, KWD three).

``1,234.50`` (two different marks) is refused: a comma-and-point amount reads one way
in Moscow and the other way in London, and a wrong guess moves a payment a thousandfold.
For the same reason three digits after the mark in a currency with two or no decimals
are refused with a hint, never read as a thousands separator. Negative, zero and absurdly
large amounts are refused. Arithmetic is ``decimal.Decimal`` on integers, never float.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from functools import cache

from babel.core import get_global
from babel.numbers import (
    format_decimal,
    get_currency_name,
    get_currency_precision,
    get_decimal_symbol,
    get_group_symbol,
    get_territory_currencies,
)
from django.conf import settings
from django.utils.translation import gettext

from waystation.accounts.templatetags.staff_format import cldr_locale, local_number

# A trillion whole units: above any payment for one person in any currency in use
# (a year of a large programme in Iranian rials is ~10^11), far below a BigInteger.
MAX_UNITS = 10**12
# The reporting amount must fit a BigInteger too, with room to sum a million payments.
MAX_REPORTING_MINOR = 10**15
MAX_RATE = Decimal(10**6)
RATE_DECIMALS = 10  # ExchangeRate.rate and Payment.rate: decimal_places=10
MAX_TYPED = 40

_GROUPING_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009")
_AMOUNT = re.compile(r"(?P<whole>\d+)(?:[.,](?P<fraction>\d*))?", re.ASCII)
_GROUPED = re.compile(r"\d{1,3}(?: \d{3})*(?:[.,]\d*)?", re.ASCII)
_RATE = re.compile(r"\d+(?:[.,]\d*)?", re.ASCII)  # ASCII: no Arabic-Indic look-alikes
# Exact arithmetic for amounts of up to 10^12 units times rates of 10 decimals.
_EXACT = Context(prec=60)


class AmountError(ValueError):
    """A typed amount or rate was refused; the message is for the person who typed it."""


@cache
def active_currencies() -> frozenset[str]:
    """Currencies legal tender somewhere today, per CLDR: ISO 4217 without the
    withdrawn ones (SUR, DEM) and the funds and metals codes (XAU, XDR)."""
    today = date.today()
    found: set[str] = set()
    for territory in get_global("territory_currencies"):
        found.update(str(c) for c in get_territory_currencies(territory, start_date=today))
    return frozenset(found)


def is_active(code: str) -> bool:
    return code in active_currencies()


def reporting_currency() -> str:
    return str(settings.WAYSTATION_REPORTING_CURRENCY)


def decimals(code: str) -> int:
    """How many minor-unit digits the currency has: 0 for JPY, 2 for EUR, 3 for KWD."""
    return int(get_currency_precision(code))


def name(code: str) -> str:
    """The currency's name in the reader's language (CLDR): Euro, евро."""
    return str(get_currency_name(code, locale=cldr_locale()))


def choices() -> list[tuple[str, str]]:
    """(code, "CODE — name") of every active currency, the reporting one first."""
    first = reporting_currency()
    codes = sorted(active_currencies(), key=lambda c: (c != first, c))
    return [(c, f"{c} — {name(c)}") for c in codes]


def clean_currency(value: str) -> str:
    code = (value or "").strip().upper()
    if not is_active(code):
        raise AmountError(gettext("Choose a currency in use today (an ISO 4217 code such as EUR)."))
    return code


def _normalise(text: str, *, rate: bool) -> str:
    text = (text or "").strip()
    if not text:
        raise AmountError(gettext("Type a rate.") if rate else gettext("Type an amount."))
    if len(text) > MAX_TYPED:
        raise AmountError(
            gettext("A rate is too long.") if rate else gettext("An amount is too long.")
        )
    if text.startswith("-") or text.startswith("\u2212"):
        raise AmountError(
            gettext("A rate must be more than zero.")
            if rate
            else gettext("An amount must be more than zero.")
        )
    return text


def parse_amount(text: str, currency: str, *, allow_zero: bool = False) -> int:
    """The typed amount in the currency's minor units (an int), or :class:`AmountError`.
    Zero only with ``allow_zero`` (a threshold or a budget may be zero, a payment not)."""
    text = _normalise(text, rate=False)
    places = decimals(currency)
    spaced = " ".join(text.translate(str.maketrans("\u00a0\u202f\u2009", "   ")).split())
    if " " in spaced and not _GROUPED.fullmatch(spaced):
        raise AmountError(gettext("Group thousands with single spaces: 1 234 567,50."))
    plain = spaced.translate(_GROUPING_SPACES)
    if "," in plain and "." in plain:
        raise AmountError(
            gettext(
                "Use one decimal mark, a point or a comma, and group thousands with spaces: "
                "1 234.50, not 1,234.50."
            )
        )
    match = _AMOUNT.fullmatch(plain)
    if match is None:
        raise AmountError(
            gettext("An amount is digits with at most one decimal mark, e.g. 1 234,50.")
        )
    fraction = match["fraction"] or ""
    if len(fraction) > places:
        if places == 0:
            raise AmountError(
                gettext("%(currency)s has no minor unit: type whole %(currency)s only.")
                % {"currency": currency}
            )
        refused = (
            gettext(
                "%(currency)s has %(places)s decimals at most (group thousands with spaces, "
                "not a comma)."
            )
            if len(fraction) == 3
            else gettext("%(currency)s has %(places)s decimals at most.")
        )
        raise AmountError(refused % {"currency": currency, "places": places})
    minor: int = int(match["whole"]) * 10**places + int(fraction.ljust(places, "0") or "0")
    check_minor(minor, currency, allow_zero=allow_zero)
    return minor


def check_minor(minor: int, currency: str, *, allow_zero: bool = False) -> None:
    """Refuse amounts that are not a positive int below :data:`MAX_UNITS` units."""
    if not isinstance(minor, int) or isinstance(minor, bool):
        raise AmountError(gettext("An amount must be a whole number of minor units."))
    if minor < 0 or (minor == 0 and not allow_zero):
        raise AmountError(gettext("The amount must be more than zero."))
    if minor > MAX_UNITS * 10 ** decimals(currency):
        raise AmountError(
            gettext("The amount is too large (at most %(most)s %(currency)s).")
            % {"most": local_number(MAX_UNITS), "currency": currency}
        )


def parse_rate(text: str) -> Decimal:
    """A typed exchange rate (one decimal mark, no grouping), or :class:`AmountError`."""
    text = _normalise(text, rate=True)
    if "," in text and "." in text:
        raise AmountError(
            gettext("Type a rate with one decimal mark and no grouping, e.g. 0.0105.")
        )
    if not _RATE.fullmatch(text):
        raise AmountError(gettext("A rate is digits with at most one decimal mark, e.g. 0.0105."))
    return check_rate(Decimal(text.replace(",", ".")))


def check_rate(rate: Decimal) -> Decimal:
    try:
        if not rate.is_finite():
            raise AmountError(gettext("A rate must be a number."))
        if rate <= 0:
            raise AmountError(gettext("A rate must be more than zero."))
        if rate > MAX_RATE:
            raise AmountError(
                gettext("A rate is at most %(most)s %(currency)s a unit.")
                % {"most": local_number(MAX_RATE), "currency": reporting_currency()}
            )
        exponent = rate.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > RATE_DECIMALS:
            raise AmountError(
                gettext("A rate has at most %(places)s decimals.") % {"places": RATE_DECIMALS}
            )
    except InvalidOperation as exc:
        raise AmountError(gettext("A rate must be a number.")) from exc
    return rate


def to_reporting_minor(amount_minor: int, currency: str, rate: Decimal) -> int:
    """``amount_minor`` of ``currency`` at ``rate`` in the reporting currency's minor
    units, rounded half to even (exact: no float, no intermediate rounding)."""
    shift = decimals(reporting_currency()) - decimals(currency)
    exact = _EXACT.multiply(Decimal(amount_minor), rate).scaleb(shift, _EXACT)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN, context=_EXACT))


def format_minor(minor: int, currency: str) -> str:
    """``123450, "EUR"`` → ``"1 234.50"`` in English, ``"1 234,50"`` in Russian: the
    reader's CLDR symbols (the path of ``local_money``, without the currency sign), and
    always a grouping the input rule reads back. Where CLDR groups with a comma or a
    point (English: 1,234.50) a space groups instead: the input rule refuses the one and
    would misread the other, so an amount copied from a page must not carry them."""
    places = decimals(currency)
    locale = cldr_locale()
    pattern = "#,##0" + ("." + "0" * places if places else "")
    # Exact: a Decimal of the minor units, shifted, never a float.
    text = format_decimal(
        Decimal(minor).scaleb(-places), format=pattern, locale=locale, decimal_quantization=True
    )
    group = get_group_symbol(locale)
    return text.replace(group, " ") if group in ",." else text


def format_rate(rate: Decimal) -> str:
    """``Decimal("0.0105")`` → ``"0.0105"`` in English, ``"0,0105"`` in Russian: every
    decimal kept (a rate is not rounded for show), no grouping, as the input rule reads."""
    return f"{rate.normalize():f}".replace(".", get_decimal_symbol(cldr_locale()))


def units_to_minor(units: str, currency: str) -> int:
    """A setting given in whole units (``"500"``) in minor units, exactly."""
    try:
        value = Decimal(str(units).strip())
    except InvalidOperation as exc:
        raise AmountError(f"{units!r} is not an amount.") from exc
    minor = value.scaleb(decimals(currency), _EXACT)
    if not minor.is_finite() or minor != minor.to_integral_value() or minor < 0:
        raise AmountError(f"{units!r} is not an amount in {currency}.")
    return int(minor)
