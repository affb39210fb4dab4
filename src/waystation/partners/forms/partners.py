"""Forms for partners, their keys, the import of a package. Plain form fields: the
services check everything again and seal what is sealed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from waystation.partners.models import WorkKind
from waystation.partners.services.partners import PartnerDetails


class PartnerForm(forms.Form):
    name = forms.CharField(
        max_length=120,
        label=_("Name"),
        help_text=_("The organisation's name, never a person's."),
    )
    country = forms.CharField(
        max_length=2, required=False, label=_("Country"), help_text=_("Two letters, like DE.")
    )
    kinds = forms.MultipleChoiceField(
        choices=WorkKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Kinds of work"),
    )
    contacts = forms.CharField(
        max_length=2_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label=_("Contacts"),
        help_text=_("Who to reach there and how. Sealed."),
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
        max_length=200, label=_("age public key"), help_text=_("It starts with age1.")
    )
    replaces = forms.CharField(max_length=32, required=False, widget=forms.HiddenInput)


class ActiveForm(forms.Form):
    """Deactivate or reactivate a partner; the reason is sealed."""

    active = forms.TypedChoiceField(
        choices=[("0", _("Deactivate")), ("1", _("Reactivate"))], coerce=lambda v: v == "1"
    )
    reason = forms.CharField(
        max_length=1_000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Reason"),
        help_text=_("Why. Sealed; the audit log records who and when."),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("refuse", _("Refuse"))])


class ImportForm(forms.Form):
    partner = forms.ChoiceField(label=_("Sent by"))
    package = forms.FileField(label=_("Package (.age)"))

    def __init__(self, *args: Any, partners: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        partner = self.fields["partner"]
        assert isinstance(partner, forms.ChoiceField)
        partner.choices = [("", "—"), *partners]
