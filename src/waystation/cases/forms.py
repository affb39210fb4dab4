"""Forms of the casework pages: they parse and validate input, nothing more. Rules that
involve other rows (the workflow, who may do what) are the services'."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from waystation.cases.models import Channel, MessageDirection, NoteKind, Outcome, Urgency
from waystation.cases.services.opening import NOBODY_WOULD_SEE

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

_MANUAL_CHANNELS = [(c.value, c.label) for c in Channel if c != Channel.WEB]
_CONTACT_HELP = _(
    "One person per line: a name, then a semicolon, then a phone number, handle or "
    "e-mail address. Example: Aunt; +7 900 000 00 00"
)


def _end_of_day(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(23, 59)))


def parse_contacts(text: str) -> list[dict[str, str]]:
    """Lines of "name; identifier" into contact records, each identifier put under the
    kind it looks like, so that it is indexed as that kind."""
    contacts = []
    for line in text.splitlines():
        if not line.strip():
            continue
        name, _sep, identifier = line.partition(";")
        identifier = identifier.strip()
        contact = {"name": name.strip()}
        if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", identifier):
            contact["email"] = identifier
        elif re.fullmatch(r"[+\d][\d\s().-]{5,}", identifier):
            contact["phone"] = identifier
        elif identifier:
            contact["handle"] = identifier
        contacts.append(contact)
    return contacts


def contacts_text(contacts: list[dict[str, str]]) -> str:
    lines = []
    for contact in contacts:
        identifier = contact.get("phone") or contact.get("handle") or contact.get("email") or ""
        lines.append(f"{contact.get('name', '')}; {identifier}".strip("; "))
    return "\n".join(lines)


class _PersonFields(forms.Form):
    full_name = forms.CharField(
        label=pgettext_lazy("a person's", "Name"), max_length=300, required=False
    )
    birth_year = forms.CharField(
        label=_("Birth year"), max_length=4, required=False, help_text=_("Four digits, e.g. 1994.")
    )
    phone = forms.CharField(label=_("Phone number"), max_length=64, required=False)
    email = forms.CharField(label=_("E-mail address"), max_length=254, required=False)
    handle = forms.CharField(
        label=_("Messenger handle"), max_length=200, required=False, help_text=_("e.g. @name")
    )
    city = forms.CharField(label=_("City"), max_length=200, required=False)
    country = forms.CharField(
        label=_("Country code"), max_length=2, required=False, help_text=_("Two letters, e.g. RU.")
    )
    narrative = forms.CharField(
        label=_("Story"),
        max_length=50_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    contacts = forms.CharField(
        label=_("People they name as contacts"),
        max_length=5_000,
        required=False,
        help_text=_CONTACT_HELP,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_birth_year(self) -> str:
        value = str(self.cleaned_data.get("birth_year", "")).strip()
        if value and not re.fullmatch(r"(19|20)\d\d", value):
            raise forms.ValidationError(_("A birth year is four digits, like 1994."))
        return value

    def clean_country(self) -> str:
        value = str(self.cleaned_data.get("country", "")).strip().upper()
        if value and not re.fullmatch(r"[A-Z]{2}", value):
            raise forms.ValidationError(_("Two letters, like RU or GE."))
        return value

    def clean_contacts(self) -> list[dict[str, str]]:
        return parse_contacts(str(self.cleaned_data.get("contacts", "")))


class _TeamFields(forms.Form):
    team = forms.ChoiceField(
        label=_("Team"),
        required=False,
        help_text=_("Its supervisor will see the case. Choose a team, people below, or both."),
    )
    assignees = forms.TypedMultipleChoiceField(
        label=_("Assign to"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self,
        *args: Any,
        teams: list[tuple[str, str]] = (),  # type: ignore[assignment]
        staff: list[tuple[int, str]] = (),  # type: ignore[assignment]
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", _("— no team —")), *teams]  # type: ignore[attr-defined]
        self.fields["assignees"].choices = list(staff)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        # Need to know: a case with neither a team nor an assignee is seen by nobody.
        data = super().clean() or {}
        if not data.get("team") and not data.get("assignees") and not self.errors:
            raise forms.ValidationError(str(NOBODY_WOULD_SEE))
        return data


class ManualCaseForm(_PersonFields, _TeamFields):
    channel = forms.ChoiceField(label=_("The request came by"), choices=_MANUAL_CHANNELS)
    urgency = forms.TypedChoiceField(label=_("Urgency"), choices=Urgency.choices, coerce=int)


class FromRequestForm(_TeamFields):
    full_name = forms.CharField(
        label=_("Name (if the applicant gave one)"), max_length=300, required=False
    )
    birth_year = forms.CharField(label=_("Birth year"), max_length=4, required=False)


class DetailsForm(_PersonFields):
    pass


class StageForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("Move to"))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=5_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    outcome = forms.ChoiceField(
        label=_("Outcome (when closing)"), choices=[("", "—"), *Outcome.choices], required=False
    )

    def __init__(self, *args: Any, targets: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["to_stage"].choices = list(targets)  # type: ignore[attr-defined]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("refuse", _("Refuse"))])


class ChecklistForm(forms.Form):
    identity_seen = forms.BooleanField(label=_("Identity document seen"), required=False)
    interview_held = forms.BooleanField(label=_("Interview held"), required=False)
    partner_reference = forms.BooleanField(label=_("Partner reference received"), required=False)
    narrative_consistent = forms.BooleanField(label=_("Story consistent"), required=False)


class ReferenceForm(forms.Form):
    organisation = forms.CharField(label=_("Partner organisation"), max_length=200)
    text = forms.CharField(
        label=_("What they said"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 3})
    )
    supports = forms.TypedChoiceField(
        label=_("The reference"),
        choices=[("1", _("supports the request")), ("0", _("raises doubts"))],
        coerce=lambda v: v == "1",
    )


class NoteForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=NoteKind.choices)
    text = forms.CharField(
        label=_("Note"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 3})
    )


class MessageForm(forms.Form):
    direction = forms.ChoiceField(label=_("Who wrote"), choices=MessageDirection.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    text = forms.CharField(
        label=_("Message"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 3})
    )


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=500)
    due = forms.DateField(
        label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def due_at(self) -> datetime | None:
        due = self.cleaned_data.get("due")
        return _end_of_day(due) if due else None


class RiskForm(forms.Form):
    urgency = forms.TypedChoiceField(label=_("Urgency"), choices=Urgency.choices, coerce=int)
    reasons = forms.CharField(
        label=_("Reasons"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ScheduleForm(forms.Form):
    every_hours = forms.IntegerField(label=_("Check in every (hours)"), min_value=1, max_value=336)
    grace_hours = forms.IntegerField(
        label=_("Grace before the supervisor is alerted (hours)"),
        min_value=0,
        max_value=72,
        initial=6,
    )


class GrantForm(forms.Form):
    grantee = forms.TypedChoiceField(label=_("Person"), coerce=int)
    reason = forms.CharField(
        label=_("Reason"), max_length=2_000, widget=forms.Textarea(attrs={"rows": 2})
    )
    until = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, staff: list[tuple[int, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["grantee"].choices = list(staff)  # type: ignore[attr-defined]

    def until_at(self) -> datetime:
        return _end_of_day(self.cleaned_data["until"])


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(label=_("Assign"), coerce=int)

    def __init__(self, *args: Any, staff: list[tuple[int, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = list(staff)  # type: ignore[attr-defined]


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Team name"), max_length=100)
    supervisor = forms.TypedChoiceField(label=_("Supervisor"), coerce=int)

    def __init__(self, *args: Any, staff: list[tuple[int, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].choices = list(staff)  # type: ignore[attr-defined]


class UnassignForm(forms.Form):
    assignee = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class BreakGlassForm(forms.Form):
    case_id = forms.CharField(label=_("Case id"), max_length=16)
    reason = forms.CharField(
        label=_("Why you need this case now"),
        max_length=2_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Case id, name, phone, e-mail or handle"), max_length=200, required=False
    )


class WebReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Reply to the applicant's web mailbox"),
        help_text=_("Sealed to the applicant's codename: only they can read it in their mailbox."),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


# Reasons for retention and shredding: the service judges them (empty, too long, markup)
# and says what is wrong; the form only carries the text, so there is one set of rules.
def _reason_field(label: StrOrPromise) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, strip=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class RetentionForm(forms.Form):
    until = forms.DateField(label=_("Keep until"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = _reason_field(_("Why it must be kept longer"))

    def clean_until(self) -> datetime:
        return _end_of_day(self.cleaned_data["until"])


class ReopenForm(forms.Form):
    reason = _reason_field(_("Why the case is reopened"))


class ShredRequestForm(forms.Form):
    reason = _reason_field(_("Why this case must be shredded now"))
