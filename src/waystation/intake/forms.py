"""Forms of the public pages. Validation only: what a form returns is plain values and
cleaned files, handed to one service. (The screener's reply form is the staff side's:
``staff_forms``.)"""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from waystation.ids import RANDOM_ID_LENGTH
from waystation.intake import conf, countries
from waystation.intake.models import CheckInKind, Urgency
from waystation.intake.uploads import CleanFile, UploadRefused, clean_upload

CONTACT_CHANNELS = [
    ("", _("Only through this page")),
    ("signal", "Signal"),
    ("telegram", "Telegram"),
    ("whatsapp", "WhatsApp"),
    ("email", _("E-mail")),
    ("phone", _("Phone call or SMS")),
    ("other", _("Something else")),
]

# Languages an applicant may want replies in, each named in itself (no translation: a
# person looks for their own language's name).
PREFERRED_LANGUAGES = [
    ("en", "English"),
    ("ru", "Русский"),
    ("ar", "العربية"),
    ("fa", "فارسی"),
    ("uk", "Українська"),
    ("tr", "Türkçe"),
    ("az", "Azərbaycanca"),
    ("hy", "Հայերեն"),
    ("ka", "ქართული"),
    ("kk", "Қазақша"),
    ("ky", "Кыргызча"),
    ("tg", "Тоҷикӣ"),
    ("uz", "O\u02bbzbekcha"),  # the Uzbek letter U+02BB, as Uzbek writes it
    ("ce", "Нохчийн"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("es", "Español"),
]

_QUIET_TEXT = {"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.Field):
    """Several files, each checked and rebuilt by ``uploads.clean_upload``. Returns a
    list of :class:`CleanFile`; every refused file gets its own message."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs["accept"] = "image/jpeg,image/png,image/webp,application/pdf"

    def clean(self, value: Any) -> list[CleanFile]:
        uploads = [v for v in (value if isinstance(value, list | tuple) else [value]) if v]
        limits = conf.limits()
        if len(uploads) > limits.max_files:
            raise ValidationError(
                _("You can send at most %(count)s files at once.") % {"count": limits.max_files}
            )
        if sum(u.size for u in uploads) > limits.max_request_bytes:
            raise ValidationError(
                _("These files are too large together: at most %(mb)s MB in all.")
                % {"mb": limits.max_request_bytes // 1_000_000}
            )
        errors: list[str] = []
        cleaned: list[CleanFile] = []
        for upload in uploads:
            name = upload.name or ""
            if getattr(upload, "too_large", False):
                errors.append(
                    str(
                        _("The file “%(name)s” is too large: each file may be at most %(mb)s MB.")
                        % {"name": name[:60], "mb": limits.max_file_bytes // 1_000_000}
                    )
                )
                continue
            try:
                cleaned.append(
                    clean_upload(
                        name=name, content_type=upload.content_type or "", data=upload.read()
                    )
                )
            except UploadRefused as refusal:
                errors.append(str(refusal.message))
        if errors:
            raise ValidationError(errors)
        return cleaned


def _limit_text(field: forms.Field) -> None:
    """The text limit is a setting read per form, so tests and operators can change it."""
    limit = conf.limits().max_text_chars
    field.validators.append(MaxLengthValidator(limit))
    field.widget.attrs["maxlength"] = str(limit)


class RequestForm(forms.Form):
    contact_channel = forms.ChoiceField(
        label=_("How can we reach you safely?"),
        help_text=_("Optional. Choose only a way that nobody else can read."),
        choices=CONTACT_CHANNELS,
        required=False,
    )
    contact_handle = forms.CharField(
        label=_("Your number, username or address there"),
        help_text=_("Optional."),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs=_QUIET_TEXT),
    )
    country = forms.ChoiceField(label=_("Which country are you in now?"))
    country_other = forms.CharField(
        label=_("If another country, which one?"), max_length=100, required=False
    )
    city = forms.CharField(
        label=_("City or region"),
        help_text=_("Optional. A region is enough."),
        max_length=100,
        required=False,
    )
    story = forms.CharField(
        label=_("What is happening?"),
        help_text=_("Tell us in your own words what is happening and what help you need."),
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    urgency = forms.TypedChoiceField(
        label=_("How urgent is it?"),
        choices=Urgency.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    language = forms.ChoiceField(
        label=_("In which language should we answer?"), choices=PREFERRED_LANGUAGES
    )
    attachments = AttachmentsField(
        label=_("Photos or documents"),
        help_text=_(
            "Optional. JPEG, PNG, WebP or PDF. We remove location and camera details "
            "from every file."
        ),
    )
    form_token = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = [("", "—"), *countries.choices()]
        _limit_text(self.fields["story"])
        if not self.is_bound:
            language = (get_language() or "en").split("-")[0]
            self.initial.setdefault("language", language)
            self.initial.setdefault("form_token", secrets.token_urlsafe(24))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("country") != countries.OTHER:
            data["country_other"] = ""
        if not data.get("contact_channel"):
            data["contact_handle"] = ""
        return data


class CodenameForm(forms.Form):
    codename = forms.CharField(
        label=_("Your codename"),
        max_length=200,
        # Codename words are English and read left to right, also on an RTL page; the
        # hint under the field (mailbox_enter.html) describes it.
        widget=forms.TextInput(
            attrs={
                **_QUIET_TEXT,
                "autocorrect": "off",
                "dir": "ltr",
                "lang": "en",
                "aria-describedby": "codename-hint",
            }
        ),
    )


class MailboxActionForm(forms.Form):
    """Every mailbox action carries the codename again: there is no session."""

    codename = forms.CharField(widget=forms.HiddenInput, max_length=200)


class ApplicantMessageForm(MailboxActionForm):
    message = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 5}))
    attachments = AttachmentsField(label=_("Photos or documents"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _limit_text(self.fields["message"])


class CheckInForm(MailboxActionForm):
    kind = forms.ChoiceField(choices=CheckInKind.choices)


class ConsentForm(MailboxActionForm):
    consent = forms.CharField(max_length=RANDOM_ID_LENGTH)
    answer = forms.ChoiceField(choices=[("yes", _("Yes, I agree")), ("no", _("No"))])
