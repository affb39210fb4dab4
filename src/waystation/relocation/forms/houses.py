"""Forms for safe houses and stays: they parse input, nothing more. Capacity, overlap and
who may do what are the services' (they need other rows and a lock)."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from waystation.relocation.selectors.houses import DEFAULT_OCCUPANCY_DAYS, MAX_OCCUPANCY_DAYS
from waystation.relocation.services.houses import LABEL_LIMIT, MAX_BEDS, MAX_PLACEMENT_BEDS

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_LABEL_HELP = _(
    "A code name that says nothing about the place (not a street, a district or a "
    "host's name), e.g. House 3."
)


def _date_field(label: StrOrPromise, **kwargs: Any) -> forms.DateField:
    # One format, the one a date input sends: "03/04/2025" is not guessed at.
    return forms.DateField(label=label, input_formats=["%Y-%m-%d"], widget=_DATE, **kwargs)


class HouseForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=LABEL_LIMIT, help_text=_LABEL_HELP)
    country = forms.CharField(
        label=_("Country code"), max_length=2, required=False, help_text=_("Two letters, e.g. GE.")
    )
    beds = forms.IntegerField(label=_("Beds"), min_value=1, max_value=MAX_BEDS)
    address = forms.CharField(
        label=_("Address"),
        max_length=1_000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Sealed: only the house's keyholders and the people working a case "
            "staying there can read it."
        ),
    )
    contacts = forms.CharField(
        label=_("Contacts (host, neighbours, how to get in)"),
        max_length=2_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    notes = forms.CharField(
        label=_("Notes"),
        max_length=5_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_country(self) -> str:
        value = str(self.cleaned_data.get("country", "")).strip().upper()
        if value and not re.fullmatch(r"[A-Z]{2}", value):
            raise forms.ValidationError(gettext("Two letters, like GE or AM."))
        return value


class BedsForm(forms.Form):
    beds = forms.IntegerField(label=_("Beds"), min_value=1, max_value=MAX_BEDS)


class DeactivateForm(forms.Form):
    """The confirmation page's button. A POST without it (a bare POST, a stale form, a
    script) is not a decision: it changes nothing and gets the confirmation page."""

    WORD = "deactivate"
    confirm = forms.CharField(max_length=len(WORD), widget=forms.HiddenInput)

    def clean_confirm(self) -> str:
        if self.cleaned_data.get("confirm") != self.WORD:
            raise forms.ValidationError(gettext("Confirm on this page to deactivate the house."))
        return self.WORD


class KeyholderForm(forms.Form):
    keyholder = forms.TypedChoiceField(label=_("Give a key to"), coerce=int)

    def __init__(self, *args: Any, staff: list[tuple[int, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["keyholder"].choices = list(staff)  # type: ignore[attr-defined]


class RemoveKeyholderForm(forms.Form):
    keyholder = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)


class PlacementForm(forms.Form):
    house = forms.ChoiceField(label=_("Safe house"))
    arrives_on = _date_field(_("Arrives on"))
    leaves_on = _date_field(
        _("Leaves on"), help_text=_("The morning they leave: the last night is the one before.")
    )
    beds = forms.IntegerField(
        label=_("Beds"),
        min_value=1,
        max_value=MAX_PLACEMENT_BEDS,
        initial=1,
        help_text=_("More than one when a family stays together."),
    )
    notes = forms.CharField(
        label=_("Notes"), max_length=5_000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, houses: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["house"].choices = list(houses)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        arrives_on, leaves_on = data.get("arrives_on"), data.get("leaves_on")
        if isinstance(arrives_on, date) and isinstance(leaves_on, date) and leaves_on <= arrives_on:
            raise forms.ValidationError(
                gettext("The day of leaving must come after the day of arrival.")
            )
        return data


class LeftForm(forms.Form):
    left_on = _date_field(
        _("Left on"),
        required=False,
        help_text=_("Leave empty for today (or the booked day, if earlier)."),
    )


class OccupancyForm(forms.Form):
    start = _date_field(_("From"), required=False)
    days = forms.IntegerField(
        label=_("Days"),
        min_value=1,
        max_value=MAX_OCCUPANCY_DAYS,
        required=False,
        initial=DEFAULT_OCCUPANCY_DAYS,
    )
    house = forms.ChoiceField(label=_("House"), required=False)

    def __init__(self, *args: Any, houses: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["house"].choices = [("", gettext("All active houses")), *houses]  # type: ignore[attr-defined]
