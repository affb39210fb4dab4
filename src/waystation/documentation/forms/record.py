"""Forms of the record: an event and its filters, a person, a perpetrator, an act, a
source, what to take from a case, a citation, a file. Plain fields; the services check
everything again (ids of other events, the rules of dates and codes) and seal what is
sealed. Ids the page offers in a list are taken as typed (:class:`IdChoiceField`): which
ones are allowed is the service's question, asked with the acting user."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from waystation.documentation.models import (
    ActType,
    Credibility,
    DatePrecision,
    EventKind,
    Level,
    PerpetratorKind,
    PersonRole,
    Reliability,
    SourceKind,
    Stance,
)
from waystation.documentation.selectors.record import EventFilters
from waystation.documentation.services.record import (
    ActDetails,
    EventDetails,
    FromCase,
    PersonDetails,
    SourceDetails,
)
from waystation.ids import RANDOM_ID_LENGTH

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _day(label: Any, *, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=_DATE, input_formats=["%Y-%m-%d"])


def _precision(label: Any, *, required: bool = True) -> forms.ChoiceField:
    choices: list[tuple[str, Any]] = list(DatePrecision.choices)
    if not required:
        choices.insert(0, ("", "—"))
    return forms.ChoiceField(
        label=label, choices=choices, required=required, initial=DatePrecision.DAY
    )


class IdChoiceField(forms.ChoiceField):
    """A list of ids the page offers; any id of a sane length is passed on, and the
    service decides whether it may be used."""

    def valid_value(self, value: str) -> bool:
        return isinstance(value, str) and len(value) <= RANDOM_ID_LENGTH


class IdMultipleChoiceField(forms.MultipleChoiceField):
    def valid_value(self, value: str) -> bool:
        return isinstance(value, str) and len(value) <= RANDOM_ID_LENGTH


class EventForm(forms.Form):
    title = forms.CharField(
        max_length=200,
        label=_("Title"),
        help_text=_("A short name for the event, as the team says it. Sealed."),
    )
    kind = forms.ChoiceField(choices=EventKind.choices, label=_("Kind of event"))
    started_on = _day(_("Start"))
    started_precision = _precision(_("Precision of the start"))
    ended_on = _day(_("End"), required=False)
    ended_precision = _precision(_("Precision of the end"), required=False)
    country = forms.CharField(
        max_length=2, label=_("Country"), help_text=_("Two letters, like RU.")
    )
    region = forms.CharField(
        max_length=6,
        required=False,
        label=_("Region"),
        help_text=_("An ISO 3166-2 code, like RU-CE; never a town."),
    )
    place = forms.CharField(
        max_length=500,
        required=False,
        label=_("Place"),
        help_text=_("Where exactly, as known. Sealed."),
    )
    summary = forms.CharField(
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        label=_("Summary"),
        help_text=_("What happened, in short. Sealed."),
    )

    def to_input(self) -> EventDetails:
        data = self.cleaned_data
        return EventDetails(
            kind=data["kind"],
            started_on=data["started_on"],
            started_precision=data["started_precision"],
            ended_on=data["ended_on"],
            ended_precision=data["ended_precision"]
            or (DatePrecision.DAY if data["ended_on"] else ""),
            country=data["country"],
            region=data["region"],
            title=data["title"],
            summary=data["summary"],
            place=data["place"],
        )


class EventFilterForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("", _("any")), *EventKind.choices], required=False, label=_("Kind")
    )
    started_from = _day(_("From"), required=False)
    started_until = _day(_("Until"), required=False)
    country = forms.CharField(max_length=2, required=False, label=_("Country"))
    region = forms.CharField(max_length=6, required=False, label=_("Region"))
    level = forms.TypedChoiceField(
        choices=[("", _("any")), *Level.choices],
        coerce=int,
        empty_value=None,
        required=False,
        label=_("Corroboration"),
    )

    def to_filters(self) -> EventFilters:
        data = self.cleaned_data
        return EventFilters(
            kind=data["kind"],
            started_from=data["started_from"],
            started_until=data["started_until"],
            country=(data["country"] or "").strip().upper(),
            region=(data["region"] or "").strip().upper(),
            level=data["level"],
        )


class PersonForm(forms.Form):
    role = forms.ChoiceField(choices=PersonRole.choices, label=_("Role"))
    name = forms.CharField(
        max_length=300,
        required=False,
        label=pgettext_lazy("a person's", "Name"),
        help_text=_("As known. Sealed."),
    )
    birth_year = forms.CharField(max_length=4, required=False, label=_("Birth year"))
    gender = forms.CharField(max_length=100, required=False, label=_("Gender"))
    occupation = forms.CharField(max_length=200, required=False, label=_("Occupation"))

    def to_input(self) -> PersonDetails:
        data = self.cleaned_data
        return PersonDetails(
            role=data["role"],
            name=data["name"],
            details={k: data[k] for k in ("birth_year", "gender", "occupation") if data[k]},
        )


class PerpetratorForm(forms.Form):
    kind = forms.ChoiceField(choices=PerpetratorKind.choices, label=_("Kind of perpetrator"))
    name = forms.CharField(
        max_length=300,
        required=False,
        label=_("Unit or name"),
        help_text=_("A unit, a rank, a name: as known. Sealed."),
    )


class ActForm(forms.Form):
    victim = IdChoiceField(label=_("Victim"))
    act_type = forms.ChoiceField(choices=ActType.choices, label=_("Act"))
    happened_on = _day(_("Date"), required=False)
    happened_precision = _precision(_("Precision of the date"), required=False)
    perpetrators = IdMultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label=_("By")
    )
    place_of_detention = forms.CharField(
        max_length=500, required=False, label=_("Place of detention"), help_text=_("Sealed.")
    )
    notes = forms.CharField(
        max_length=10_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Notes"),
        help_text=_("Sealed."),
    )

    def __init__(
        self,
        *args: Any,
        victims: list[tuple[str, str]] = (),  # type: ignore[assignment]
        perpetrators: list[tuple[str, str]] = (),  # type: ignore[assignment]
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        victim = self.fields["victim"]
        assert isinstance(victim, forms.ChoiceField)
        victim.choices = [("", "—"), *victims]
        chosen = self.fields["perpetrators"]
        assert isinstance(chosen, forms.ChoiceField)
        chosen.choices = list(perpetrators)

    def to_input(self) -> ActDetails:
        data = self.cleaned_data
        return ActDetails(
            victim_id=data["victim"],
            act_type=data["act_type"],
            happened_on=data["happened_on"],
            happened_precision=data["happened_precision"]
            or (DatePrecision.DAY if data["happened_on"] else ""),
            perpetrator_ids=data["perpetrators"],
            place_of_detention=data["place_of_detention"],
            notes=data["notes"],
        )


def _optional(choices: list[tuple[Any, Any]], required: bool) -> list[tuple[Any, Any]]:
    return list(choices) if required else [("", "—"), *choices]


def _reliability(*, required: bool = True) -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=_optional(Reliability.choices, required),
        required=required,
        label=_("Reliability of the source"),
    )


def _credibility(*, required: bool = True) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        choices=_optional(Credibility.choices, required),
        coerce=int,
        empty_value=None,
        required=required,
        label=_("Credibility of the information"),
    )


def _stance() -> forms.ChoiceField:
    return forms.ChoiceField(choices=Stance.choices, label=_("Stance"), initial=Stance.SUPPORTS)


class _Origin(forms.Form):
    same_origin_as = IdChoiceField(
        required=False,
        label=_("Origin"),
        help_text=_(
            "A retelling of another source (a newspaper quoting our hotline, a second "
            "interview of one witness) is of the same origin and counts once."
        ),
    )

    def __init__(
        self,
        *args: Any,
        sources: list[tuple[str, str]] = (),  # type: ignore[assignment]
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        origin = self.fields["same_origin_as"]
        assert isinstance(origin, forms.ChoiceField)
        origin.choices = [
            ("", _("a new origin")),
            *[
                (value, _("same origin as %(source)s") % {"source": label})
                for value, label in sources
            ],
        ]


class SourceForm(_Origin):
    kind = forms.ChoiceField(choices=SourceKind.choices, label=_("Kind of source"))
    reliability = _reliability()
    credibility = _credibility()
    obtained_on = _day(_("Obtained on"))
    reference = forms.CharField(
        max_length=2_000,
        required=False,
        label=_("Reference"),
        help_text=_("A citation, an address, a file number. Sealed."),
    )
    summary = forms.CharField(
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("What it says"),
        help_text=_("In short. Sealed."),
    )
    stance = _stance()

    field_order = [
        "kind",
        "reliability",
        "credibility",
        "obtained_on",
        "reference",
        "summary",
        "same_origin_as",
        "stance",
    ]

    def to_input(self) -> SourceDetails:
        data = self.cleaned_data
        return SourceDetails(
            kind=data["kind"],
            reliability=data["reliability"],
            credibility=data["credibility"],
            obtained_on=data["obtained_on"],
            reference=data["reference"],
            summary=data["summary"],
            same_origin_as=data.get("same_origin_as") or "",
        )


class SourceChangeForm(forms.Form):
    kind = forms.ChoiceField(choices=SourceKind.choices, label=_("Kind of source"))
    reliability = _reliability()
    credibility = _credibility()
    obtained_on = _day(_("Obtained on"))
    reference = forms.CharField(max_length=2_000, required=False, label=_("Reference"))
    summary = forms.CharField(
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("What it says"),
    )

    def to_input(self) -> SourceDetails:
        data = self.cleaned_data
        return SourceDetails(
            kind=data["kind"],
            reliability=data["reliability"],
            credibility=data["credibility"],
            obtained_on=data["obtained_on"],
            reference=data["reference"],
            summary=data["summary"],
        )


class FromCaseForm(_Origin):
    case_id = forms.CharField(max_length=RANDOM_ID_LENGTH, label=_("Case"))
    person_role = forms.ChoiceField(
        choices=[("", _("do not add")), *PersonRole.choices],
        required=False,
        initial=PersonRole.VICTIM,
        label=_("Add the case's person as"),
    )
    add_account = forms.BooleanField(
        required=False, initial=True, label=_("Add the case's account as a testimony source")
    )
    # Needed only with the account; the service says so when one is missing.
    reliability = _reliability(required=False)
    credibility = _credibility(required=False)
    obtained_on = _day(_("Account obtained on"), required=False)
    summary = forms.CharField(
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("What it says of this event"),
        help_text=_("In short. Sealed with the case's key."),
    )
    stance = _stance()

    field_order = [
        "case_id",
        "person_role",
        "add_account",
        "reliability",
        "credibility",
        "obtained_on",
        "summary",
        "same_origin_as",
        "stance",
    ]

    def to_input(self) -> FromCase:
        data = self.cleaned_data
        source = None
        if data["add_account"]:
            source = SourceDetails(
                kind=SourceKind.VICTIM_TESTIMONY,
                reliability=data["reliability"],
                credibility=data["credibility"],
                obtained_on=data["obtained_on"],
                summary=data["summary"],
                same_origin_as=data.get("same_origin_as") or "",
            )
        return FromCase(
            case_id=data["case_id"].strip(),
            person_role=data["person_role"],
            source=source,
            stance=data["stance"],
        )


class CiteForm(forms.Form):
    source = IdChoiceField(label=_("Source"))
    act = IdChoiceField(required=False, label=_("On"))
    stance = _stance()

    def __init__(
        self,
        *args: Any,
        sources: list[tuple[str, str]] = (),  # type: ignore[assignment]
        acts: list[tuple[str, str]] = (),  # type: ignore[assignment]
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        source = self.fields["source"]
        assert isinstance(source, forms.ChoiceField)
        source.choices = [("", "—"), *sources]
        act = self.fields["act"]
        assert isinstance(act, forms.ChoiceField)
        act.choices = [("", _("the event as a whole")), *acts]


class CiteElsewhereForm(forms.Form):
    event_id = forms.CharField(max_length=RANDOM_ID_LENGTH, label=_("Event"))
    act_id = forms.CharField(
        max_length=RANDOM_ID_LENGTH,
        required=False,
        label=_("Act"),
        help_text=_("Leave empty to cite the event as a whole."),
    )
    stance = _stance()


class SourceFileForm(forms.Form):
    file = forms.FileField(
        label=_("File"), help_text=_("A photo (JPEG, PNG, WebP) or a PDF; its metadata is removed.")
    )
