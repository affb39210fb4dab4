"""Forms for lists of persons, their entries and the CSV import. Plain form fields: the
services check everything again and seal what is sealed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from waystation.documentation.models import EventKind, ListKind
from waystation.documentation.services import lists as services


class ListForm(forms.Form):
    name = forms.CharField(
        max_length=services.LIST_NAME_LIMIT,
        label=_("Name of the list"),
        help_text=_(
            'An organisation\'s or a kind\'s ("Partner A", "Press reports 2017"), '
            "never a person's."
        ),
    )
    kind = forms.ChoiceField(choices=ListKind.choices, label=_("Kind"))
    event_kind = forms.ChoiceField(
        choices=[("", "—"), *EventKind.choices], required=False, label=_("Kind of event")
    )
    country = forms.CharField(
        max_length=2, required=False, label=_("Country"), help_text=_("Two letters, like DE.")
    )


class RenameForm(forms.Form):
    name = forms.CharField(max_length=services.LIST_NAME_LIMIT, label=_("New name"))


class EntryForm(forms.Form):
    name = forms.CharField(max_length=services.NAME_LIMIT, label=_("Name"))
    birth_year = forms.CharField(max_length=4, required=False, label=_("Birth year"))
    phone = forms.CharField(max_length=services.PHONE_LIMIT, required=False, label=_("Phone"))
    handle = forms.CharField(
        max_length=services.HANDLE_LIMIT, required=False, label=_("Messenger handle")
    )
    country = forms.CharField(
        max_length=2, required=False, label=_("Country"), help_text=_("Two letters, like DE.")
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        # The column names are the file's format, the same in every language: in <code>
        # (help text is shown as markup; this one is ours, never a user's).
        help_text=_(
            "Columns: <code>name</code>, <code>birth_year</code>, <code>phone</code>, "
            "<code>handle</code>, <code>country</code> (a header row first; "
            "<code>name</code> is needed). UTF-8, commas or semicolons."
        ),
    )
