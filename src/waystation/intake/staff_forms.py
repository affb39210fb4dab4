"""The screener's reply form (staff side). Apart from ``forms``, which the public pages
use: its words are the staff catalogue's (docs/translating.md)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from waystation.intake.models import MessageKind

# The kinds of answer, as the screener picks one (the starting texts are in
# ``replies``, in the applicant's language).
ANSWER_KINDS = [
    (MessageKind.REPLY, _("Reply")),
    (MessageKind.MORE_INFO, _("Ask for more information")),
    (MessageKind.DECLINE, _("Decline")),
]


class ScreenerReplyForm(forms.Form):
    """What a screener sends to an applicant's mailbox."""

    kind = forms.ChoiceField(
        label=_("What this message is"),
        choices=ANSWER_KINDS,
        widget=forms.RadioSelect,
        initial=MessageKind.REPLY,
    )
    text = forms.CharField(
        label=_("Message to the applicant"),
        help_text=_("Sealed to the applicant's codename: only they can read it in their mailbox."),
        widget=forms.Textarea(attrs={"rows": 12}),
        max_length=20_000,
    )
    confirm_decline = forms.BooleanField(
        label=_("Yes, decline: this request will take no further answers."),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == MessageKind.DECLINE and not data.get("confirm_decline"):
            self.add_error("confirm_decline", _("Tick this box to confirm the decline."))
        return data
