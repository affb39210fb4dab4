"""The record of what was done to people, after HURIDOCS Events Standard Formats: events,
the acts done to one person in an event, the persons (victims and witnesses), the
perpetrators, and the sources that speak of them, each source graded on the Admiralty
scale and placed in an independence group. Then the lists of persons that sources
contribute, matched across lists for the estimate of how many people no list saw.

Which key seals what (docs/documentation.md "The record"):

- An **event** has a data key of its own: its title, summary and exact place, its
  perpetrators' names or units and its acts' places of detention are sealed with it, so
  one event can be forgotten without touching the rest.
- A **person** linked to a case is sealed with **the case's data key**
  (``data_key_id == case.data_key_id``): shredding the case forgets who they were, and
  the case's need to know decides who may see them, and every act and source that names
  them. A person not linked to a case has a data key of their own.
- A **source** from casework (a case's account as testimony) is sealed with the case's
  key, for the same reasons; any other source has a key of its own.
- A **list** of persons has a key of its own, sealing what it says of each person.

Operational (in clear, for statistics and for the rule): random ids, kinds and types,
dates and their precision, country and region codes, grades, stances, independence
groups (ids, never a name), the corroboration level last computed, who recorded what and
when, and keyed digests (blind indexes) of the identifiers a list gives.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from waystation.cases.models import Case
from waystation.ids import random_id_field
from waystation.vault.fields import (
    BlindIndexField,
    SealedFileField,
    SealedJSONField,
    SealedTextField,
)
from waystation.vault.models import DataKey


class EventKind(models.TextChoices):
    DETENTION = "detention", _("Detention")
    ABDUCTION = "abduction", _("Abduction")
    TORTURE = "torture", _("Torture")
    KILLING = "killing", _("Killing")
    DISAPPEARANCE = "disappearance", _("Disappearance")
    THREAT = "threat", _("Threat")
    EXTORTION = "extortion", _("Extortion")
    FORCED_OUTING = "forced_outing", _("Forced outing")
    FAMILY_VIOLENCE = "family_violence", _("Violence by family")
    ONLINE_ENTRAPMENT = "online_entrapment", _("Entrapment online")


class DatePrecision(models.TextChoices):
    """How much of a date is known. A date is stored as its first day (the 1st of the
    month, the 1st of January); the precision says how to read it."""

    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")
    ABOUT = "about", _("About")  # the day is given, but only as an approximation


class Level(models.IntegerChoices):
    """``corroboration.Level``, stored: the same numbers, so a row sorts and filters by
    it. The services recompute it whenever a source is linked, changed or unlinked."""

    UNSOURCED = 0, _("Unsourced")
    SINGLE_SOURCE = 1, _("Single source")
    SEVERAL_WEAK_SOURCES = 2, _("Several weak sources")
    CREDIBLE = 3, _("Credible")
    CORROBORATED = 4, _("Corroborated")
    DISPUTED = 5, _("Disputed")


class Event(models.Model):
    id = random_id_field()
    data_key = models.OneToOneField(DataKey, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    started_on = models.DateField()
    started_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    ended_on = models.DateField(null=True, blank=True)
    ended_precision = models.CharField(max_length=5, choices=DatePrecision.choices, blank=True)
    # Coarse, in clear for statistics: ISO 3166-1 alpha-2 and an ISO 3166-2 subdivision
    # code (``RU-CE``), never a town.
    country = models.CharField(max_length=2)
    region = models.CharField(max_length=6, blank=True)
    level = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.UNSOURCED)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by_id = models.BigIntegerField()
    changed_at = models.DateTimeField(auto_now=True)
    # sealed, with the event's key
    title = SealedTextField(max_length=200)
    summary = SealedTextField(max_length=20_000)
    place = SealedTextField(max_length=500)

    class Meta:
        permissions = [
            ("record_events", "Can record events, persons, acts and sources"),
            ("read_events", "Can read the documentation record and its figures"),
        ]
        indexes = [
            models.Index(fields=["kind", "started_on"]),
            models.Index(fields=["country", "region"]),
            models.Index(fields=["level"]),
        ]

    def __str__(self) -> str:
        return f"event {self.id}"


class PersonRole(models.TextChoices):
    VICTIM = "victim", _("Victim")
    WITNESS = "witness", _("Witness")


class Person(models.Model):
    """A victim or a witness. Linked to a case, it is sealed with the case's key and
    seen only by those who may see the case."""

    id = random_id_field()
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    # The event they were recorded in: an act's victim is a person of the act's event,
    # and a witness is a witness of it.
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="persons")
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    role = models.CharField(max_length=8, choices=PersonRole.choices, default=PersonRole.VICTIM)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by_id = models.BigIntegerField()
    # Set when the linked case was shredded: the row stays so that counts stay, but who
    # it was can no longer be read (its key is gone).
    forgotten_at = models.DateTimeField(null=True, blank=True)
    # sealed
    name = SealedTextField(max_length=300)
    # what else identifies them: birth year, gender, occupation, as typed
    details = SealedJSONField()

    class Meta:
        indexes = [models.Index(fields=["case"])]

    def __str__(self) -> str:
        return f"person {self.id}"


class PerpetratorKind(models.TextChoices):
    POLICE = "police", _("Police")
    SECURITY_UNIT = "security_unit", _("Security unit")
    MILITARY = "military", _("Military")
    MILITIA = "militia", _("Militia")
    OFFICIAL = "official", _("Official")
    FAMILY = "family", _("Family member")
    UNKNOWN = "unknown", _("Unknown")


class Perpetrator(models.Model):
    """Who did it, as far as known, in one event. The unit or name is sealed with the
    event's key."""

    id = random_id_field()
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="perpetrators")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=14, choices=PerpetratorKind.choices)
    recorded_at = models.DateTimeField(auto_now_add=True)
    name = SealedTextField(max_length=300)  # a unit, a rank, a name: as known

    def __str__(self) -> str:
        return f"perpetrator {self.id}"


class ActType(models.TextChoices):
    ARREST = "arrest", _("Arrest or detention")
    ABDUCTION = "abduction", _("Abduction")
    BEATING = "beating", _("Beating")
    TORTURE = "torture", _("Torture")
    SEXUAL_VIOLENCE = "sexual_violence", _("Sexual violence")
    KILLING = "killing", _("Killing")
    DISAPPEARANCE = "disappearance", _("Enforced disappearance")
    THREAT = "threat", _("Threat")
    EXTORTION = "extortion", _("Extortion")
    FORCED_OUTING = "forced_outing", _("Forced outing")
    DEVICE_SEIZURE = "device_seizure", _("Phone or device seized")
    OTHER = "other", _("Other")


class Act(models.Model):
    """What was done to one person in one event. Sealed with the event's key; seen only
    by those who may see its victim."""

    id = random_id_field()
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="acts")
    victim = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="acts")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    act_type = models.CharField(max_length=16, choices=ActType.choices)
    happened_on = models.DateField(null=True, blank=True)
    happened_precision = models.CharField(max_length=5, choices=DatePrecision.choices, blank=True)
    perpetrators = models.ManyToManyField(Perpetrator, blank=True, related_name="acts")
    level = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.UNSOURCED)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by_id = models.BigIntegerField()
    place_of_detention = SealedTextField(max_length=500)
    notes = SealedTextField(max_length=10_000)

    class Meta:
        indexes = [models.Index(fields=["act_type", "happened_on"])]

    def __str__(self) -> str:
        return f"act {self.id}"


class SourceKind(models.TextChoices):
    VICTIM_TESTIMONY = "victim_testimony", _("Victim's testimony")
    WITNESS_TESTIMONY = "witness_testimony", _("Witness's testimony")
    HOTLINE_CASE = "hotline_case", _("Hotline case")
    PARTNER = "partner", _("Partner organisation")
    MEDIA = "media", _("Media report")
    NGO_REPORT = "ngo_report", _("NGO report")
    OFFICIAL = "official", _("Official statement")
    DOCUMENT = "document", _("Document")


class Reliability(models.TextChoices):
    """The Admiralty scale's first half: how reliable the source is
    (``corroboration.Reliability``)."""

    A = "A", _("A: completely reliable")
    B = "B", _("B: usually reliable")
    C = "C", _("C: fairly reliable")
    D = "D", _("D: not usually reliable")
    E = "E", _("E: unreliable")
    F = "F", _("F: reliability cannot be judged")


class Credibility(models.IntegerChoices):
    """The second half: how credible the information is (``corroboration.Credibility``)."""

    CONFIRMED = 1, _("1: confirmed by other sources")
    PROBABLY_TRUE = 2, _("2: probably true")
    POSSIBLY_TRUE = 3, _("3: possibly true")
    DOUBTFUL = 4, _("4: doubtful")
    IMPROBABLE = 5, _("5: improbable")
    CANNOT_BE_JUDGED = 6, _("6: truth cannot be judged")


class IndependenceGroup(models.Model):
    """Sources of one origin: a newspaper retelling the hotline's account, two interviews
    of one witness. A group counts once for corroboration. It has no name (a name would
    say whose account it is); the pages show the sources in it."""

    id = random_id_field()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"independence group {self.id}"


class Source(models.Model):
    id = random_id_field()
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=18, choices=SourceKind.choices)
    # A case's account taken as testimony (``services`` "from casework"): the source is
    # then sealed with the case's key and seen only by those who may see the case.
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    group = models.ForeignKey(IndependenceGroup, on_delete=models.PROTECT, related_name="sources")
    reliability = models.CharField(max_length=1, choices=Reliability.choices)
    credibility = models.PositiveSmallIntegerField(choices=Credibility.choices)
    obtained_on = models.DateField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by_id = models.BigIntegerField()
    forgotten_at = models.DateTimeField(null=True, blank=True)
    # sealed: a citation, an address, a file number; what the source says, in short
    reference = SealedTextField(max_length=2_000)
    summary = SealedTextField(max_length=20_000)

    class Meta:
        indexes = [models.Index(fields=["case"])]

    def __str__(self) -> str:
        return f"source {self.id}"


class SourceFile(models.Model):
    """A file of a source (a scan, a photograph, a report), through the same stripping
    and refusals as every upload, sealed with the source's key."""

    id = random_id_field()
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="files")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by_id = models.BigIntegerField()
    file = SealedFileField()

    def __str__(self) -> str:
        return f"source file {self.id}"


class Stance(models.TextChoices):
    SUPPORTS = "supports", _("Supports")
    CONTRADICTS = "contradicts", _("Contradicts")


class Citation(models.Model):
    """A source speaking of an event, or of one act in it (``act`` set). The order the
    citations were recorded in (``recorded_at``, then ``id``) is the order the rule reads
    them in: a group counts at its first source."""

    id = random_id_field()
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="citations")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="citations")
    act = models.ForeignKey(
        Act, on_delete=models.CASCADE, null=True, blank=True, related_name="citations"
    )
    stance = models.CharField(max_length=11, choices=Stance.choices, default=Stance.SUPPORTS)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "event"],
                condition=models.Q(act__isnull=True),
                name="one_citation_per_source_and_event",
            ),
            models.UniqueConstraint(
                fields=["source", "act"],
                condition=models.Q(act__isnull=False),
                name="one_citation_per_source_and_act",
            ),
        ]
        indexes = [models.Index(fields=["event", "recorded_at"])]

    def __str__(self) -> str:
        return f"citation {self.id}"


# --- lists of persons, matched across lists (the estimate) ---------------------------


class ListKind(models.TextChoices):
    HOTLINE = "hotline", _("Our hotline")
    PARTNER = "partner", _("Partner organisation")
    MEDIA = "media", _("Media")
    RESEARCHER = "researcher", _("Researcher")
    OFFICIAL = "official", _("Official")
    OTHER = "other", _("Other")


class PersonList(models.Model):
    """One list of persons: the hotline's, a partner's, the media's, a researcher's. Its
    name is an organisation's or a kind's ("Partner A", "Press reports 2017"), never a
    person's, and is shown in the estimate."""

    id = random_id_field()
    data_key = models.OneToOneField(DataKey, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=60, unique=True)
    kind = models.CharField(max_length=10, choices=ListKind.choices)
    event_kind = models.CharField(max_length=20, choices=EventKind.choices, blank=True)
    country = models.CharField(max_length=2, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_id = models.BigIntegerField()

    def __str__(self) -> str:
        return self.name


class ListedPerson(models.Model):
    """One person as one list gives them. Sealed with the list's key; matched across
    lists by keyed digests only."""

    id = random_id_field()
    person_list = models.ForeignKey(PersonList, on_delete=models.CASCADE, related_name="entries")
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    # The person of the record this entry is, when known (a victim already recorded).
    person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    country = models.CharField(max_length=2, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)
    # sealed
    name = SealedTextField(max_length=300)
    birth_year = SealedTextField(max_length=4)
    phone = SealedTextField(max_length=64)
    handle = SealedTextField(max_length=200)
    # indexed
    birth_year_index = BlindIndexField(source="birth_year", kind="birth_year")
    phone_index = BlindIndexField(source="phone", kind="phone", region_from="country")
    handle_index = BlindIndexField(source="handle", kind="handle")

    def __str__(self) -> str:
        return f"listed person {self.id}"


class ListedNameToken(models.Model):
    """Blind indexes of the tokens of a listed person's name (transliterated)."""

    entry = models.ForeignKey(ListedPerson, on_delete=models.CASCADE, related_name="name_tokens")
    digest = models.CharField(max_length=32, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "digest"], name="unique_listed_token")
        ]

    def __str__(self) -> str:
        return f"name token of {self.entry_id}"


class MatchStatus(models.TextChoices):
    PROPOSED = "proposed", _("Waiting for review")
    CONFIRMED = "confirmed", _("Confirmed: the same person")
    REJECTED = "rejected", _("Rejected: different people")


class ProposedMatch(models.Model):
    """Two entries of different lists that may be one person, and why (which digests
    agree). Only confirmed matches join entries into one person for the estimate."""

    id = random_id_field()
    first = models.ForeignKey(ListedPerson, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(ListedPerson, on_delete=models.CASCADE, related_name="+")
    # which identifiers agree: names of ``IdentifierKind``-like reasons, never values
    reasons = models.JSONField(default=list)
    score = models.FloatField(default=0.0)
    status = models.CharField(
        max_length=9, choices=MatchStatus.choices, default=MatchStatus.PROPOSED
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="one_match_per_pair"),
        ]
        indexes = [models.Index(fields=["status", "score"])]

    def __str__(self) -> str:
        return f"proposed match {self.id}"


class ImportState(models.TextChoices):
    CHECKING = "checking", _("Checking the rows")
    SAVING = "saving", _("Saving")
    DONE = "done", _("Imported")
    REFUSED = "refused", _("Refused: nothing was imported")


class ListImport(models.Model):
    """One CSV import into a list: its progress for the page, and the errors per row.
    Errors name a row, a column and what is wrong, never the value. Either every row is
    saved, in one transaction, or none."""

    id = random_id_field()
    person_list = models.ForeignKey(PersonList, on_delete=models.CASCADE, related_name="imports")
    state = models.CharField(
        max_length=8, choices=ImportState.choices, default=ImportState.CHECKING
    )
    total_rows = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list)  # [{"row": 3, "column": "phone", "error": "…"}]
    started_at = models.DateTimeField(auto_now_add=True)
    started_by_id = models.BigIntegerField()
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"list import {self.id}"
