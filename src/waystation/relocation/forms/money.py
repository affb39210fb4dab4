"""Forms of the money pages: they parse typed amounts, rates and dates, nothing more.
Who may do what, thresholds and one-rate-a-day are the services' rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from waystation.relocation import currencies
from waystation.relocation.currencies import AmountError
from waystation.relocation.models import BudgetCategory, Programme
from waystation.relocation.services.money import MAX_PAYEE, MAX_PURPOSE, MAX_REASON

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

AMOUNT_HELP = _(
    "Digits, thousands grouped by spaces, one decimal mark (point or comma): 1 234,50. "
    "No more decimals than the currency has."
)
RATE_HELP = _("How much one unit of the currency was worth in %(reporting)s that day, e.g. 0.0105.")


class _DateInput(forms.DateInput):
    input_type = "date"


def _date_field(label: StrOrPromise, **kwargs: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=_DateInput(format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        help_text=_("Year-month-day, e.g. 2024-05-31."),
        **kwargs,
    )


def _amount_field(label: StrOrPromise, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=currencies.MAX_TYPED,
        help_text=AMOUNT_HELP,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        **kwargs,
    )


def _programme_choices(active_only: bool = True) -> list[tuple[str, str]]:
    queryset = Programme.objects.order_by("name")
    if active_only:
        queryset = queryset.filter(active=True)
    return [("", "—"), *queryset.values_list("id", "name")]


def _rate_help() -> str:
    return str(RATE_HELP) % {"reporting": currencies.reporting_currency()}


class PaymentForm(forms.Form):
    programme = forms.ChoiceField(label=_("Programme"))
    category = forms.ChoiceField(label=_("Budget category"), choices=BudgetCategory.choices)
    currency = forms.ChoiceField(label=_("Currency"))
    amount = _amount_field(_("Amount"))
    paid_on = _date_field(_("Paid on"))
    rate = forms.CharField(
        label=_("Exchange rate (only if none is recorded for that day)"),
        max_length=currencies.MAX_TYPED,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    payee = forms.CharField(label=_("Paid to"), max_length=MAX_PAYEE)
    purpose = forms.CharField(
        label=_("What for"),
        max_length=MAX_PURPOSE,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = _programme_choices()  # type: ignore[attr-defined]
        self.fields["currency"].choices = currencies.choices()  # type: ignore[attr-defined]
        self.fields["rate"].help_text = _rate_help()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        currency = data.get("currency")
        if currency and data.get("amount"):
            try:
                data["amount_minor"] = currencies.parse_amount(data["amount"], currency)
            except AmountError as exc:
                self.add_error("amount", str(exc))
        data["rate_value"] = None
        if data.get("rate"):
            try:
                data["rate_value"] = currencies.parse_rate(data["rate"])
            except AmountError as exc:
                self.add_error("rate", str(exc))
        return data


class RateForm(forms.Form):
    currency = forms.ChoiceField(label=_("Currency"))
    day = _date_field(_("Day"))
    rate = forms.CharField(label=_("Rate"), max_length=currencies.MAX_TYPED)
    replace = forms.BooleanField(
        label=_("Replace the rate already recorded for that day (payments keep theirs)"),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reporting = currencies.reporting_currency()
        self.fields["currency"].choices = [  # type: ignore[attr-defined]
            c for c in currencies.choices() if c[0] != reporting
        ]
        self.fields["rate"].help_text = _rate_help()

    def clean_rate(self) -> Any:
        try:
            return currencies.parse_rate(self.cleaned_data.get("rate", ""))
        except AmountError as exc:
            raise forms.ValidationError(str(exc)) from exc


def _reporting_minor(text: str) -> int:
    try:
        return currencies.parse_amount(text, currencies.reporting_currency(), allow_zero=True)
    except AmountError as exc:
        raise forms.ValidationError(str(exc)) from exc


class ProgrammeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    threshold = _amount_field(
        _("Approval threshold"), required=False
    )  # empty: the organisation's default

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["threshold"].label = gettext(
            "Approval threshold in %(currency)s (empty: the default)"
        ) % {"currency": currencies.reporting_currency()}

    def clean_threshold(self) -> int | None:
        text = self.cleaned_data.get("threshold", "")
        return _reporting_minor(text) if text else None


class ThresholdForm(forms.Form):
    threshold = _amount_field(_("New approval threshold"))

    def clean_threshold(self) -> int:
        return _reporting_minor(self.cleaned_data.get("threshold", ""))


class BudgetForm(forms.Form):
    programme = forms.ChoiceField(label=_("Programme"))
    category = forms.ChoiceField(label=_("Budget category"), choices=BudgetCategory.choices)
    period_start = _date_field(_("First day"))
    period_end = _date_field(_("Last day"))
    amount = _amount_field(_("Budget"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = _programme_choices(  # type: ignore[attr-defined]
            active_only=False
        )
        self.fields["amount"].label = gettext("Budget in %(currency)s") % {
            "currency": currencies.reporting_currency()
        }

    def clean_amount(self) -> int:
        return _reporting_minor(self.cleaned_data.get("amount", ""))


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("refuse", _("Refuse"))])
    reason = forms.CharField(
        label=_("Reason (needed to refuse)"),
        max_length=MAX_REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
