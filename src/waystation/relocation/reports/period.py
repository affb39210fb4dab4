"""The period (and optional programme) the figures cover, parsed from a GET form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from waystation.relocation.models import Programme

MAX_DAYS = 5 * 366  # five years, leap days included
EARLIEST = dt.date(2000, 1, 1)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    programme: Programme | None = None

    @property
    def start_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    @property
    def end_before(self) -> dt.datetime:
        """The first moment after the period (timestamps are compared with ``<``)."""
        return timezone.make_aware(
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min)
        )

    def query(self) -> str:
        """The period as a query string, for the CSV and PDF links."""
        from urllib.parse import urlencode

        params = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.programme is not None:
            params["programme"] = self.programme.pk
        return urlencode(params)


def default_period(today: dt.date | None = None) -> Period:
    """The last twelve months, today included."""
    today = today or timezone.localdate()
    return Period(start=today - dt.timedelta(days=364), end=today)


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To (included)"), widget=forms.DateInput(attrs={"type": "date"}))
    programme = forms.ModelChoiceField(
        queryset=Programme.objects.order_by("name"),
        required=False,
        empty_label=_("All programmes"),
        label=_("Programme (money only)"),
    )

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
            raise forms.ValidationError(gettext("A period is limited to five years."))
        return data

    def period(self) -> Period:
        data = self.cleaned_data
        return Period(start=data["start"], end=data["end"], programme=data.get("programme"))


def period_from(params: Any) -> tuple[Period | None, PeriodForm]:
    """The period asked for (the default when nothing is asked), or None and the form
    with its errors."""
    if not any(params.get(name) for name in ("start", "end", "programme")):
        period = default_period()
        initial = {"start": period.start, "end": period.end}
        return period, PeriodForm(initial=initial)
    form = PeriodForm(params)
    if form.is_valid():
        return form.period(), form
    return None, form
