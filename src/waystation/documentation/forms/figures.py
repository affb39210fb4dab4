"""The figures page's two GET forms: what the figures cover (a period of whole months,
kind, country, region) and which lists the estimate uses. Each refuses bad input with a
message and changes nothing (nothing is written by either).

A period is whole months, never days: with days, "1 to 20 March" against "1 to 19 March"
would single out what was recorded on the 20th, one event, its kind, level and region.
The finest slice is a month, the slice the table of acts per month shows already."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from waystation.documentation.models import EventKind, PersonList
from waystation.documentation.selectors.capture import MAX_LISTS, MIN_LISTS
from waystation.documentation.selectors.figures import Filters

# The record reaches back to the persecutions it documents; a period is at most ten
# years (120 months of rows on the page).
EARLIEST = dt.date(1990, 1, 1)
MAX_MONTHS = 10 * 12
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_COUNTRY = re.compile(r"[A-Z]{2}")
_REGION = re.compile(r"[A-Z]{2}-[A-Z0-9]{1,3}")


def default_filters(today: dt.date | None = None) -> Filters:
    """The last twelve months, this one included, every kind and place."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    year, month = divmod(first.year * 12 + first.month - 1 - 11, 12)
    return Filters(start=dt.date(year, month + 1, 1), end=month_end(first))


def month_end(first: dt.date) -> dt.date:
    """The last day of the month of ``first``."""
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


class MonthField(forms.CharField):
    """A month, as ``YYYY-MM`` (what ``<input type="month">`` sends, and what is typed in
    a browser that draws it as a plain text box); its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": _("YYYY-MM"), "maxlength": "7"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.date):
            return value.strftime("%Y-%m")
        return value

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        found = _MONTH.fullmatch(text)
        if found is None or not 1 <= int(found[2]) <= 12:
            raise forms.ValidationError(gettext("Give a month as year and month: 2026-03."))
        return dt.date(int(found[1]), int(found[2]), 1)


class FiltersForm(forms.Form):
    start = MonthField(label=_("From month"))
    end = MonthField(label=_("To month (included)"))
    kind = forms.ChoiceField(
        label=_("Kind of event"),
        choices=[("", _("Every kind")), *EventKind.choices],
        required=False,
    )
    country = forms.CharField(
        label=_("Country (two letters)"), max_length=2, required=False, strip=True
    )
    region = forms.CharField(
        label=_("Region (ISO 3166-2 code)"), max_length=6, required=False, strip=True
    )

    def clean_country(self) -> str:
        value = str(self.cleaned_data.get("country") or "").upper()
        if value and not _COUNTRY.fullmatch(value):
            raise forms.ValidationError(gettext("A country is two Latin letters."))
        return value

    def clean_region(self) -> str:
        value = str(self.cleaned_data.get("region") or "").upper()
        if value and not _REGION.fullmatch(value):
            raise forms.ValidationError(
                gettext("A region is a country's two letters, a hyphen and up to three more.")
            )
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start is None or end is None:
            return data
        if start < EARLIEST or end < EARLIEST:
            raise forms.ValidationError(
                gettext("Dates before %(year)s are not covered.") % {"year": EARLIEST.year}
            )
        if end < start:
            raise forms.ValidationError(gettext("The end of the period comes before its start."))
        if end > timezone.localdate() + dt.timedelta(days=366):
            raise forms.ValidationError(gettext("The period ends more than a year from today."))
        if (end.year - start.year) * 12 + end.month - start.month + 1 > MAX_MONTHS:
            raise forms.ValidationError(gettext("A period is limited to ten years."))
        region, country = data.get("region"), data.get("country")
        if region and country and not str(region).startswith(f"{country}-"):
            raise forms.ValidationError(gettext("The region is not in the country chosen."))
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            start=data["start"],
            end=month_end(data["end"]),
            kind=data.get("kind") or "",
            country=data.get("country") or "",
            region=data.get("region") or "",
        )


FILTER_FIELDS = ("start", "end", "kind", "country", "region")


def filters_from(params: Any) -> tuple[Filters | None, FiltersForm]:
    """The filters asked for (the default when nothing is asked), or None and the form
    with its errors."""
    if not any(params.get(name) for name in FILTER_FIELDS):
        filters = default_filters()
        return filters, FiltersForm(initial={"start": filters.start, "end": filters.end})
    form = FiltersForm(params)
    if form.is_valid():
        return form.filters(), form
    return None, form


class ListsForm(forms.Form):
    """Which lists the estimate uses: at least two, at most what the estimator takes."""

    lists = forms.ModelMultipleChoiceField(
        queryset=PersonList.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        label=_("Lists"),
        error_messages={
            "invalid_choice": _("One of the lists asked for does not exist."),
            "invalid_pk_value": _("One of the lists asked for does not exist."),
        },
    )

    def clean_lists(self) -> list[PersonList]:
        chosen = list(self.cleaned_data.get("lists") or [])
        if not MIN_LISTS <= len(chosen) <= MAX_LISTS:
            raise forms.ValidationError(
                gettext("Choose between %(least)s and %(most)s lists.")
                % {"least": MIN_LISTS, "most": MAX_LISTS}
            )
        return chosen
