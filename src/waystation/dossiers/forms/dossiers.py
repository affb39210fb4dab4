"""Forms for dossiers: they parse input, nothing more (the services check it)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from waystation.dossiers.models import Language, Purpose


class DossierForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    country = forms.CharField(
        label=_("Country of the claim"),
        max_length=2,
        required=False,
        help_text=_("Two letters, such as CA or DE; needed for an asylum claim."),
    )
    language = forms.ChoiceField(
        label=_("The recipient's language"), choices=Language.choices, initial=Language.EN
    )


class StatementForm(forms.Form):
    statement_language = forms.CharField(
        label=_("Language of the statement"),
        max_length=12,
        help_text=_("A code such as ru, ar or fa."),
    )
    statement = forms.CharField(
        label=_("Statement, in the person's words"),
        max_length=60_000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    translation = forms.CharField(
        label=_("Translation"), max_length=60_000, widget=forms.Textarea(attrs={"rows": 8})
    )
    translator = forms.CharField(label=_("Translated by"), max_length=300)


class CoverLetterForm(forms.Form):
    text = forms.CharField(
        label=_("Cover letter"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 6})
    )


class TimelineForm(forms.Form):
    entries = forms.MultipleChoiceField(
        label=_("Entries of the case's timeline"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["entries"].choices = choices  # type: ignore[attr-defined]  # a ChoiceField


class CaseFileForm(forms.Form):
    document = forms.ChoiceField(label=_("File of the case"))
    title = forms.CharField(label=_("Name of the exhibit"), max_length=300)

    def __init__(self, *args: Any, choices: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["document"].choices = choices  # type: ignore[attr-defined]  # a ChoiceField


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Photo or PDF"))
    title = forms.CharField(label=_("Name of the exhibit"), max_length=300)


class RecipientForm(forms.Form):
    partner = forms.ChoiceField(label=_("Partner"), required=False)
    age_key = forms.CharField(
        label=_("Or an age key typed for this export"),
        max_length=100,
        required=False,
        help_text=_("The recipient's public key, starting age1 (a lawyer's, for example)."),
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["partner"].choices = [("", "—"), *choices]  # type: ignore[attr-defined]


class ConsentForm(forms.Form):
    given_by = forms.CharField(max_length=300, label=_("Who gave consent"))
    given_at = forms.DateTimeField(label=_("When (YYYY-MM-DD HH:MM)"))
    how = forms.CharField(max_length=500, label=_("How"), help_text=_("A phone call, a meeting, …"))
