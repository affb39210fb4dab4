"""Forms of the plan and the legs: they parse input, nothing more. Rules that involve
other rows (overlapping legs, the workflow) are the services'."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, available_timezones

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from waystation.relocation.models import Pathway, TransportMode
from waystation.relocation.services import travel
from waystation.relocation.services.common import RelocationError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

_WHEN = {"type": "datetime-local"}
_WHEN_FORMAT = "%Y-%m-%dT%H:%M"
TIMEZONE_LIST = "relocation-timezones"  # the id of the page's <datalist> of zone names
COUNTRY_HELP = _("Two letters, e.g. GE or DE.")


@cache
def timezone_names() -> list[str]:
    return sorted(available_timezones())


def country_code(value: Any, label: str) -> str:
    try:
        return travel.clean_country(str(value or ""), label=label)
    except RelocationError as exc:
        raise forms.ValidationError(str(exc)) from exc


def _when_field(
    label: StrOrPromise, *, required: bool = True, help_text: StrOrPromise = ""
) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=[_WHEN_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs=_WHEN, format=_WHEN_FORMAT),
    )


def _in_zone(value: datetime | None, zone: str) -> datetime | None:
    """The wall-clock time typed in, read in the named zone instead of the server's."""
    if value is None:
        return None
    wall = timezone.localtime(value).replace(tzinfo=None)
    return wall.replace(tzinfo=ZoneInfo(zone))


class _Zoned(forms.Form):
    zone = forms.CharField(
        label=_("Time zone of these times"),
        max_length=64,
        required=False,
        help_text=_("A zone name such as Europe/Moscow or Asia/Tbilisi; empty for the server's."),
        widget=forms.TextInput(attrs={"list": TIMEZONE_LIST, "autocomplete": "off"}),
    )

    def clean_zone(self) -> str:
        zone = str(self.cleaned_data.get("zone") or "").strip()
        if not zone:
            return timezone.get_current_timezone_name()
        if zone not in available_timezones():
            raise forms.ValidationError(gettext("Unknown time zone: pick one from the list."))
        return zone


class PlanForm(forms.Form):
    pathway = forms.ChoiceField(label=_("Pathway"), choices=Pathway.choices)
    destination_country = forms.CharField(
        label=_("Destination country"), max_length=2, required=False, help_text=COUNTRY_HELP
    )
    destination = forms.CharField(
        label=_("Destination"),
        max_length=500,
        required=False,
        help_text=_("City, host organisation or sponsor (sealed)."),
    )
    notes = forms.CharField(
        label=_("Notes"),
        max_length=10_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_destination_country(self) -> str:
        return country_code(
            self.cleaned_data.get("destination_country"), gettext("The destination country")
        )

    def to_input(self) -> travel.PlanInput:
        data = self.cleaned_data
        return travel.PlanInput(
            pathway=data["pathway"],
            destination_country=data["destination_country"],
            destination=data["destination"],
            notes=data["notes"],
        )


class LegForm(_Zoned):
    mode = forms.ChoiceField(label=_("How they travel"), choices=TransportMode.choices)
    from_country = forms.CharField(
        label=_("From country"), max_length=2, required=False, help_text=COUNTRY_HELP
    )
    to_country = forms.CharField(
        label=_("To country"), max_length=2, required=False, help_text=COUNTRY_HELP
    )
    planned_departure = _when_field(_("Planned departure"))
    planned_arrival = _when_field(
        _("Planned arrival"), help_text=_("The check-in deadline: arrived or heard from by then.")
    )
    grace_hours = forms.IntegerField(
        label=_("Hours before the supervisor is alerted"),
        min_value=0,
        max_value=travel.MAX_GRACE_HOURS,
        initial=6,
    )
    origin = forms.CharField(label=_("Leaves from"), max_length=300, required=False)
    destination = forms.CharField(label=_("Arrives at"), max_length=300, required=False)
    escort = forms.CharField(label=_("Escort"), max_length=300, required=False)
    notes = forms.CharField(
        label=_("Notes"), max_length=5_000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    field_order = [
        "mode",
        "from_country",
        "to_country",
        "zone",
        "planned_departure",
        "planned_arrival",
        "grace_hours",
        "origin",
        "destination",
        "escort",
        "notes",
    ]

    def clean_from_country(self) -> str:
        return country_code(
            self.cleaned_data.get("from_country"), gettext("The country of departure")
        )

    def clean_to_country(self) -> str:
        return country_code(self.cleaned_data.get("to_country"), gettext("The country of arrival"))

    def to_input(self) -> travel.LegInput:
        data = self.cleaned_data
        departure = _in_zone(data["planned_departure"], data["zone"])
        arrival = _in_zone(data["planned_arrival"], data["zone"])
        assert departure is not None and arrival is not None  # required fields
        return travel.LegInput(
            mode=data["mode"],
            from_country=data["from_country"],
            to_country=data["to_country"],
            planned_departure=departure,
            planned_arrival=arrival,
            grace_hours=data["grace_hours"],
            origin=data["origin"],
            destination=data["destination"],
            escort=data["escort"],
            notes=data["notes"],
        )


class MomentForm(_Zoned):
    """When a departure or arrival happened; empty means now."""

    at = _when_field(_("When"), required=False, help_text=_("Leave empty for now."))

    field_order = ["at", "zone"]

    def moment(self) -> datetime | None:
        return _in_zone(self.cleaned_data.get("at"), self.cleaned_data["zone"])
