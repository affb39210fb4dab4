"""Forms for referrals out: what goes (nothing ticked by default), consent, what the
partner told us."""

from __future__ import annotations

from typing import Any

from django import forms

from waystation.partners import workflow
from waystation.partners.models import Part, ReferralState
from waystation.partners.services.referrals import CONTACT_CHANNELS, ReferralDraft


class ReferralForm(forms.Form):
    partner = forms.ChoiceField()
    purpose = forms.CharField(max_length=2_000, help_text="What you ask the partner to do.")
    parts = forms.MultipleChoiceField(
        choices=Part.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="What goes",
        help_text="Only what you tick is sent. Nothing is ticked for you.",
    )
    summary = forms.CharField(
        required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 4})
    )
    contact_channel = forms.ChoiceField(
        required=False, choices=[("", "—"), *[(c, c) for c in CONTACT_CHANNELS]]
    )
    contact_handle = forms.CharField(required=False, max_length=200)
    documents = forms.CharField(
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Documents held",
    )
    relocation_needs = forms.CharField(
        required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 3})
    )
    chosen_files = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Chosen files"
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
    given_by = forms.CharField(max_length=300, label="Who gave consent")
    given_at = forms.DateTimeField(label="When (YYYY-MM-DD HH:MM)")
    how = forms.CharField(max_length=500, label="How", help_text="A phone call, a meeting, …")


class UpdateForm(forms.Form):
    state = forms.ChoiceField(
        choices=[(s.value, s.label) for s in ReferralState if s in workflow.PARTNER_UPDATES]
    )
    note = forms.CharField(required=False, max_length=2_000)
