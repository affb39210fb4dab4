"""A date of the record as much of it as is known: "12 Mar 2017", "March 2017", "2017",
"about 12 Mar 2017", in the reader's language."""

from __future__ import annotations

from datetime import date

from babel import dates
from django import template
from django.utils.translation import gettext as _

from waystation.accounts.templatetags.staff_format import cldr_locale, local_date

register = template.Library()


@register.filter
def known_date(value: date | None, precision: str = "day") -> str:
    if value is None or value == "":
        return ""
    if precision == "year":
        return str(value.year)
    if precision == "month":
        return dates.format_skeleton("yMMMM", value, locale=cldr_locale())
    if precision == "about":
        return _("about %(date)s") % {"date": local_date(value)}
    return local_date(value)
