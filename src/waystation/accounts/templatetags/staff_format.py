# ruff: noqa: RUF002  # Russian examples on purpose
"""``{% load staff_format %}``: dates, times, numbers and money in the reader's language,
from CLDR (Babel), for the staff pages.

- ``{{ value|local_date }}``: 7 Dec 2026 · 7 дек. 2026 г.
- ``{{ value|local_datetime }}``: 7 Dec 2026, 18:16 · 7 дек. 2026 г., 18:16 (in
  settings.TIME_ZONE, UTC)
- ``{{ value|local_number }}``: 12,345.5 · 12 345,5
- ``{{ amount|local_money:"EUR" }}``: €1,234.50 · 1 234,50 €

The language is the active one (the member's choice, else the browser's); an empty
value shows as an empty string, so ``|default:"—"`` works after these filters.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers
from django import template
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

register = template.Library()

# The CLDR locale for each language of the staff side. English is British English:
# 24-hour times and day-month-year dates, as the rest of the product's spelling.
_CLDR_LOCALES = {"en": "en_GB", "ru": "ru"}


def cldr_locale(language: str | None = None) -> Locale:
    """The CLDR locale of ``language`` (by default the active one)."""
    code = (language or translation.get_language() or settings.LANGUAGE_CODE).lower()
    base = code.split("-")[0]
    return Locale.parse(_CLDR_LOCALES.get(code) or _CLDR_LOCALES.get(base) or base)


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@register.filter
def local_date(value: date | datetime | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(_zone()).date() if value.tzinfo else value.date()
    return dates.format_date(value, format="medium", locale=cldr_locale())


@register.filter
def local_datetime(value: datetime | None) -> str:
    if value is None or value == "":
        return ""
    locale = cldr_locale()
    if value.tzinfo:
        value = value.astimezone(_zone())
    day = dates.format_date(value.date(), format="medium", locale=locale)
    time = dates.format_time(value.time(), format="short", locale=locale)
    pattern = locale.datetime_formats["medium"]
    return str(pattern).replace("{1}", day).replace("{0}", time)


@register.filter
def local_number(value: int | float | Decimal | None) -> str:
    if value is None or value == "":
        return ""
    return numbers.format_decimal(value, locale=cldr_locale())


@register.filter
def local_money(value: int | float | Decimal | None, currency: str) -> str:
    if value is None or value == "":
        return ""
    return numbers.format_currency(value, currency, locale=cldr_locale())


def local_age(age: timedelta) -> str:
    """How long ago, or how long something has waited, to the minute: "2 d 2 h",
    "3 h 5 min", "under a minute". One wording for every staff page (the status page,
    the last backup line)."""
    minutes = max(int(age.total_seconds() // 60), 0)
    if minutes < 1:
        return _("under a minute")
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}
