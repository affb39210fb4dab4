"""Forms check the shape of what was typed; the rules (who may, what is allowed) are in
services.py and come back as AccountError, which the views attach to the form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from waystation.accounts import services
from waystation.accounts.roles import Role

# Long enough for a TOTP code or a recovery code typed with spaces or dashes.
CODE_MAX_LENGTH = 32

ROLE_CHOICES = [(role.value, role.label) for role in Role]


def _password_help_text() -> str:
    return " ".join(password_validators_help_texts())


def _password_field(label: Any, autocomplete: str, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        max_length=services.PASSWORD_MAX_LENGTH,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


def _code_field(label: Any, help_text: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=CODE_MAX_LENGTH,
        help_text=help_text,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "off",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )


class StaffAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, with the password step of services.py behind it (the
    throttle, the audit entries, one answer for every kind of failure)."""

    password = _password_field(_("Password"), "current-password")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Django sets only the HTML maxlength here; a hostile client ignores that.
        self.fields["username"].validators.append(MaxLengthValidator(services.USERNAME_MAX_LENGTH))

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = services.authenticate_staff(username=username, password=password)
            except services.AccountLocked as exc:
                raise ValidationError(str(exc), code="locked") from None
            except services.AccountError as exc:
                raise ValidationError(str(exc), code="invalid_login") from None
        return self.cleaned_data


class SecondFactorForm(forms.Form):
    code = _code_field(
        _("Code"),
        _("The six-digit code from your authenticator app, or one of your recovery codes."),
    )


class EnrolmentForm(forms.Form):
    code = _code_field(_("Code from your app"), _("The six-digit code the app shows now."))


class ReauthenticationForm(forms.Form):
    password = _password_field(_("Password"), "current-password")
    code = _code_field(
        _("Code from your app"), _("The six-digit code your authenticator app shows now.")
    )


class SecurityKeyForm(forms.Form):
    """Only the name: the key itself is added by the page's script."""

    label = forms.CharField(
        label=_("Name for this key"),
        max_length=services.SECURITY_KEY_LABEL_MAX_LENGTH,
        help_text=_("So you can tell your keys apart, e.g. “blue key”. Kept sealed."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class ChangePasswordForm(forms.Form):
    current_password = _password_field(_("Current password"), "current-password")
    new_password = _password_field(
        _("New password"), "new-password", lazy(_password_help_text, str)()
    )
    new_password_again = _password_field(_("New password again"), "new-password")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        new, again = cleaned.get("new_password"), cleaned.get("new_password_again")
        if new and again and new != again:
            self.add_error("new_password_again", _("The two new passwords differ."))
        return cleaned


class StaffCreateForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=services.USERNAME_MAX_LENGTH,
        validators=[UnicodeUsernameValidator()],
        help_text=_(
            "Letters, digits and @ . + - _ only. Not the person's real name if "
            "that would endanger them."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "off"}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)
    password = _password_field(
        _("Temporary password"),
        "new-password",
        _("Give it to the person by a safe channel. They choose their own at first sign-in."),
    )

    def clean_role(self) -> Role:
        return Role(self.cleaned_data["role"])


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)

    def clean_role(self) -> Role:
        return Role(self.cleaned_data["role"])


class LanguageForm(forms.Form):
    """The language of the staff pages. Each language is named in itself."""

    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
