"""The form of "My account" that asks for a new API token."""

from __future__ import annotations

from django import forms

from waystation.api.models import Scope
from waystation.api.services.tokens import DEFAULT_DAYS, MAX_DAYS


class NewTokenForm(forms.Form):
    scope = forms.ChoiceField(
        label="What it may do",
        choices=Scope.choices,
        initial=Scope.READ,
        widget=forms.RadioSelect,
    )
    days = forms.IntegerField(
        label="Days until it expires",
        min_value=1,
        max_value=MAX_DAYS,
        initial=DEFAULT_DAYS,
        help_text=f"At most {MAX_DAYS}.",
    )
