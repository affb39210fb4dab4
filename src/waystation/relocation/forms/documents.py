"""The travel document form: parses input, nothing more (the services check dates
against each other and legs against the case)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from waystation.relocation.forms.travel import COUNTRY_HELP, country_code
from waystation.relocation.models import DocumentKind, DocumentStatus
from waystation.relocation.services.documents import DocumentInput

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _day(label: StrOrPromise) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    status = forms.ChoiceField(label=_("Status"), choices=DocumentStatus.choices)
    country = forms.CharField(
        label=_("Issuing country (a visa's country)"),
        max_length=2,
        required=False,
        help_text=COUNTRY_HELP,
    )
    visa_type = forms.CharField(
        label=_("Visa type"),
        max_length=40,
        required=False,
        help_text=_("Visas only, e.g. humanitarian, D national. Stored in clear: no names."),
    )
    # Any id is accepted here: the service checks it belongs to this case, so that a
    # leg of another case gets the same clear refusal as a made-up id.
    leg = forms.CharField(
        label=_("Ticket for leg"), max_length=32, required=False, widget=forms.Select()
    )
    applied_on = _day(_("Applied on"))
    issued_on = _day(_("Issued on"))
    expires_on = _day(_("Expires on"))
    number = forms.CharField(label=_("Number"), max_length=100, required=False)
    notes = forms.CharField(
        label=_("Notes"), max_length=5_000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, legs: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["leg"].widget = forms.Select(choices=[("", "—"), *legs])

    def clean_country(self) -> str:
        return country_code(self.cleaned_data.get("country"), gettext("The issuing country"))

    def to_input(self) -> DocumentInput:
        data = self.cleaned_data
        return DocumentInput(
            kind=data["kind"],
            status=data["status"],
            country=data["country"],
            visa_type=data["visa_type"],
            leg_id=data["leg"],
            applied_on=data["applied_on"],
            issued_on=data["issued_on"],
            expires_on=data["expires_on"],
            number=data["number"],
            notes=data["notes"],
        )
