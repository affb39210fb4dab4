"""Forms for partners, their keys, the import of a package. Plain form fields: the
services check everything again and seal what is sealed."""

from __future__ import annotations

from typing import Any

from django import forms

from waystation.partners.models import WorkKind
from waystation.partners.services.partners import PartnerDetails


class PartnerForm(forms.Form):
    name = forms.CharField(max_length=120, help_text="The organisation's name, never a person's.")
    country = forms.CharField(max_length=2, required=False, help_text="Two letters, like DE.")
    kinds = forms.MultipleChoiceField(
        choices=WorkKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Kinds of work",
    )
    contacts = forms.CharField(
        max_length=2_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Who to reach there and how. Sealed.",
    )

    def to_input(self) -> PartnerDetails:
        data = self.cleaned_data
        return PartnerDetails(
            name=data["name"],
            country=data["country"],
            kinds=data["kinds"],
            contacts=data["contacts"],
        )


class KeyProposalForm(forms.Form):
    recipient = forms.CharField(
        max_length=200, label="age public key", help_text="It starts with age1."
    )
    replaces = forms.CharField(max_length=32, required=False, widget=forms.HiddenInput)


class ActiveForm(forms.Form):
    """Deactivate or reactivate a partner; the reason is sealed."""

    active = forms.TypedChoiceField(
        choices=[("0", "Deactivate"), ("1", "Reactivate")], coerce=lambda v: v == "1"
    )
    reason = forms.CharField(
        max_length=1_000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why. Sealed; the audit log records who and when.",
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("refuse", "Refuse")])


class ImportForm(forms.Form):
    partner = forms.ChoiceField(label="Sent by")
    package = forms.FileField(label="Package (.age)")

    def __init__(self, *args: Any, partners: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        partner = self.fields["partner"]
        assert isinstance(partner, forms.ChoiceField)
        partner.choices = [("", "—"), *partners]
