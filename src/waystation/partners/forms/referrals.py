"""Forms for referrals out: what goes (nothing ticked by default), consent, what the
partner told us."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from waystation.partners import workflow
from waystation.partners.models import Part, ReferralState
from waystation.partners.services.referrals import CONTACT_CHANNELS, ReferralDraft

# Product names stay as they are; the rest in the reader's language.
_CHANNEL_LABELS = {
    "phone": _("phone"),
    "signal": "Signal",
    "whatsapp": "WhatsApp",
    "telegram": "Telegram",
    "email": _("e-mail"),
    "other": _("other"),
}


class ReferralForm(forms.Form):
    partner = forms.ChoiceField(label=_("Partner"))
    purpose = forms.CharField(
        max_length=2_000, label=_("Purpose"), help_text=_("What you ask the partner to do.")
    )
    parts = forms.MultipleChoiceField(
        choices=Part.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("What goes"),
        help_text=_("Only what you tick is sent. Nothing is ticked for you."),
    )
    summary = forms.CharField(
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        label=_("Summary"),
    )
    contact_channel = forms.ChoiceField(
        required=False,
        choices=[("", "—"), *[(c, _CHANNEL_LABELS.get(c, c)) for c in CONTACT_CHANNELS]],
        label=_("Contact channel"),
    )
    contact_handle = forms.CharField(required=False, max_length=200, label=_("Contact handle"))
    documents = forms.CharField(
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Documents held"),
    )
    relocation_needs = forms.CharField(
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Relocation needs"),
    )
    chosen_files = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label=_("Chosen files")
    )

    def __init__(
        self,
        *args: Any,
        partners: list[tuple[str, str]],
        files: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        partner, chosen = self.fields["partner"], self.fields["chosen_files"]
        assert isinstance(partner, forms.ChoiceField) and isinstance(chosen, forms.ChoiceField)
        partner.choices = [("", "—"), *partners]
        chosen.choices = files or []

    def to_input(self) -> ReferralDraft:
        data = self.cleaned_data
        return ReferralDraft(
            partner_id=data["partner"],
            purpose=data["purpose"],
            parts=data["parts"],
            summary=data["summary"],
            contact_channel=data["contact_channel"],
            contact_handle=data["contact_handle"],
            documents=data["documents"],
            relocation_needs=data["relocation_needs"],
            file_ids=data["chosen_files"],
        )


class ConsentForm(forms.Form):
    given_by = forms.CharField(max_length=300, label=_("Who gave consent"))
    given_at = forms.DateTimeField(label=_("When (YYYY-MM-DD HH:MM)"))
    how = forms.CharField(max_length=500, label=_("How"), help_text=_("A phone call, a meeting, …"))


class UpdateForm(forms.Form):
    state = forms.ChoiceField(
        choices=[(s.value, s.label) for s in ReferralState if s in workflow.PARTNER_UPDATES],
        label=_("State"),
    )
    note = forms.CharField(required=False, max_length=2_000, label=_("Note"))
