"""The figures page's two GET forms: what the figures cover (period, kind, country,
region) and which lists the estimate uses. Each refuses bad input with a message and
changes nothing (nothing is written by either)."""

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
MAX_DAYS = 10 * 366  # ten years, leap days included
_COUNTRY = re.compile(r"[A-Z]{2}")
_REGION = re.compile(r"[A-Z]{2}-[A-Z0-9]{1,3}")


def default_filters(today: dt.date | None = None) -> Filters:
    """The last twelve months, today included, every kind and place."""
    today = today or timezone.localdate()
    return Filters(start=today - dt.timedelta(days=364), end=today)


class FiltersForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To (included)"), widget=forms.DateInput(attrs={"type": "date"}))
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
        if (end - start).days + 1 > MAX_DAYS:
            raise forms.ValidationError(gettext("A period is limited to ten years."))
        region, country = data.get("region"), data.get("country")
        if region and country and not str(region).startswith(f"{country}-"):
            raise forms.ValidationError(gettext("The region is not in the country chosen."))
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            start=data["start"],
            end=data["end"],
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
