"""The demo organisation's record: a few invented events with graded sources, so that the
documentation pages are not empty. One is taken from the first demo case, which the demo
documentation officer is granted access to, as a real officer would be."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from waystation.accounts.models import StaffUser
from waystation.cases.models import Case
from waystation.cases.services.access import grant_access
from waystation.documentation.services import record


def _source(
    kind: str, grade: str, obtained: date, reference: str, **more: str
) -> record.SourceDetails:
    return record.SourceDetails(
        kind=kind,
        reliability=grade[0],
        credibility=int(grade[1]),
        obtained_on=obtained,
        reference=reference,
        **more,  # summary, same_origin_as
    )


def demo_record(*, manager: StaffUser, officer: StaffUser, case: Case) -> None:
    grant_access(
        user=manager,
        case_id=case.id,
        grantee_id=officer.pk,
        reason="(Demo) Documenting the invented detention in the case's account",
        until=timezone.now() + timedelta(days=30),
    )
    # Corroborated: the case's account (B2) and an invented press report of a new origin.
    detention = record.record_event(
        user=officer,
        details=record.EventDetails(
            kind="detention",
            started_on=date(2017, 3, 1),
            started_precision="month",
            country="RU",
            region="RU-CE",
            title="(Demo) Invented detentions at a checkpoint",
            summary="(Demo) Invented: men stopped at a checkpoint and held for days.",
            place="(Demo) An invented checkpoint",
        ),
    )
    unit = record.add_perpetrator(
        user=officer, event_id=detention.id, kind="police", name="(Demo) An invented unit"
    )
    victim, _account = record.add_from_case(
        user=officer,
        event_id=detention.id,
        taken=record.FromCase(
            case_id=case.id,
            person_role="victim",
            source=_source(
                "victim_testimony", "B2", date(2017, 5, 2), "", summary="(Demo) Invented account."
            ),
        ),
    )
    record.add_act(
        user=officer,
        event_id=detention.id,
        details=record.ActDetails(
            victim_id=victim.id,
            act_type="arrest",
            happened_on=date(2017, 3, 14),
            perpetrator_ids=[unit.id],
            place_of_detention="(Demo) An invented basement",
        ),
    )
    press = record.add_source(
        user=officer,
        event_id=detention.id,
        details=_source("media", "C3", date(2017, 4, 1), "(Demo) An invented newspaper"),
    )
    # A retelling of the press report: the same origin, so it adds nothing.
    record.add_source(
        user=officer,
        event_id=detention.id,
        details=_source(
            "ngo_report",
            "B2",
            date(2017, 4, 9),
            "(Demo) An invented report",
            same_origin_as=press.id,
        ),
    )
    # A single weak source.
    threat = record.record_event(
        user=officer,
        details=record.EventDetails(
            kind="threat",
            started_on=date(2019, 1, 1),
            started_precision="year",
            country="RU",
            title="(Demo) Invented threats by relatives",
        ),
    )
    record.add_person(
        user=officer,
        event_id=threat.id,
        details=record.PersonDetails(role="victim", name="(Demo) Invented person"),
    )
    record.add_source(
        user=officer,
        event_id=threat.id,
        details=_source("hotline_case", "C3", date(2019, 2, 1), "(Demo) Invented hotline note"),
    )
    # Disputed: an official denial, fairly graded.
    outing = record.record_event(
        user=officer,
        details=record.EventDetails(
            kind="forced_outing",
            started_on=date(2020, 6, 5),
            country="GE",
            title="(Demo) Invented forced outing online",
        ),
    )
    record.add_source(
        user=officer,
        event_id=outing.id,
        details=_source("partner", "B3", date(2020, 6, 20), "(Demo) An invented partner"),
    )
    record.add_source(
        user=officer,
        event_id=outing.id,
        details=_source("official", "C3", date(2020, 7, 1), "(Demo) An invented denial"),
        stance="contradicts",
    )
