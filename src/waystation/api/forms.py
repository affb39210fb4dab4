"""The form of "My account" that asks for a new API token."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from waystation.api.models import Scope
from waystation.api.services.tokens import DEFAULT_DAYS, MAX_DAYS

_AT_MOST = format_lazy(_("At most {days}."), days=MAX_DAYS)


class NewTokenForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("What it may do"),
        choices=[(Scope.READ, Scope.READ.label), (Scope.WRITE, Scope.WRITE.label)],
        initial=Scope.READ,
        widget=forms.RadioSelect,
    )
    days = forms.IntegerField(
        label=_("Days until it expires"),
        min_value=1,
        max_value=MAX_DAYS,
        initial=DEFAULT_DAYS,
        help_text=_AT_MOST,
    )


class NewPartnerTokenForm(forms.Form):
    """A partner's token: it may do one thing (its referrals), so only its life is asked."""

    days = forms.IntegerField(
        label=_("Days until it expires"),
        min_value=1,
        max_value=MAX_DAYS,
        initial=DEFAULT_DAYS,
        help_text=_AT_MOST,
    )
