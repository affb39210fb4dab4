"""Travel documents: refused input saves nothing; an issued document close to its expiry
warns the assignees; the same number on two cases is a match, digests only."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from tests.cases.conftest import new_case
from tests.relocation.test_travel import leg_input
from waystation.cases.models import Alert, AlertKind
from waystation.cases.selectors.visibility import CaseNotFound
from waystation.relocation.models import DocumentKind, DocumentStatus, TravelDocument
from waystation.relocation.selectors.documents import shared_numbers
from waystation.relocation.services import documents, travel
from waystation.relocation.services.common import RelocationError
from waystation.vault import blind

TODAY = timezone.localdate()
START_OF_TODAY = datetime.combine(
    TODAY, datetime.min.time(), tzinfo=timezone.get_current_timezone()
)


def passport(**more: object) -> documents.DocumentInput:
    values: dict[str, object] = {
        "kind": DocumentKind.PASSPORT,
        "status": DocumentStatus.ISSUED,
        "country": "RU",
        "issued_on": date(2020, 5, 1),
        "expires_on": date(2030, 5, 1),
        "number": "75 1234567",
    }
    values.update(more)
    return documents.DocumentInput(**values)  # type: ignore[arg-type]


def test_a_passport_is_sealed_and_indexed(case, staff):
    row = documents.add_document(user=staff.caseworker, case_id=case.id, document=passport())
    row = TravelDocument.objects.get(pk=row.pk)
    assert row.data_key_id == case.data_key_id
    assert row.number == "75 1234567"
    assert row.number_index == blind.blind_index("document", "75-1234567")


@pytest.mark.parametrize(
    "change, message",
    [
        ({"expires_on": date(2019, 1, 1)}, "expire after"),
        ({"expires_on": date(2020, 5, 1)}, "expire after"),
        ({"issued_on": None}, "needs its issue date"),
        ({"kind": DocumentKind.VISA, "issued_on": None}, "needs its issue date"),
        ({"country": "XX"}, "country code"),
        ({"country": "<script>"}, "country code"),
        ({"kind": "spaceship"}, "kind of document"),
        ({"status": "stolen"}, "status"),
        ({"number": "9" * 101}, "100"),
        ({"notes": "x" * 5_001}, "5,000"),
        ({"visa_type": "x" * 41}, "40"),
        ({"visa_type": "humanitarian"}, "Only a visa"),
        ({"issued_on": TODAY + timedelta(days=1), "expires_on": None}, "future"),
        ({"applied_on": date(2021, 1, 1)}, "before it was applied"),
        ({"expires_on": date(9999, 1, 1)}, "out of range"),
        ({"issued_on": date(1, 1, 1)}, "out of range"),
        ({"leg_id": "nosuchleg"}, "Only a ticket"),
        ({"kind": DocumentKind.TICKET, "leg_id": "nosuchleg"}, "No such leg"),
    ],
)
def test_bad_documents_are_refused_and_save_nothing(case, staff, change, message):
    with pytest.raises(RelocationError, match=message):
        documents.add_document(user=staff.caseworker, case_id=case.id, document=passport(**change))
    assert not TravelDocument.objects.exists()


def test_a_ticket_may_name_a_leg_of_its_own_case_only(case, staff, team):
    start = timezone.now() + timedelta(days=1)
    mine = travel.add_leg(user=staff.logistics, case_id=case.id, leg=leg_input(start))
    other = new_case(team, [staff.logistics])
    theirs = travel.add_leg(user=staff.logistics, case_id=other.id, leg=leg_input(start))
    ticket = documents.DocumentInput(kind=DocumentKind.TICKET, status=DocumentStatus.ISSUED)
    with pytest.raises(RelocationError, match="No such leg"):
        documents.add_document(
            user=staff.logistics,
            case_id=case.id,
            document=documents.DocumentInput(**{**vars(ticket), "leg_id": theirs.id}),
        )
    row = documents.add_document(
        user=staff.logistics,
        case_id=case.id,
        document=documents.DocumentInput(**{**vars(ticket), "leg_id": mine.id}),
    )
    assert row.leg_id == mine.id


def test_an_outsider_cannot_add_or_change_documents(case, staff):
    row = documents.add_document(user=staff.caseworker, case_id=case.id, document=passport())
    for outsider in (staff.other_caseworker, staff.other_manager, staff.admin):
        with pytest.raises(CaseNotFound):
            documents.add_document(user=outsider, case_id=case.id, document=passport())
        with pytest.raises(CaseNotFound):
            documents.change_document(
                user=outsider, case_id=case.id, document_id=row.id, document=passport()
            )
    assert TravelDocument.objects.count() == 1


def test_a_document_of_another_case_cannot_be_changed_through_this_one(case, staff, team):
    other = new_case(team, [staff.caseworker])
    theirs = documents.add_document(user=staff.caseworker, case_id=other.id, document=passport())
    with pytest.raises(RelocationError, match="No such document"):
        documents.change_document(
            user=staff.caseworker,
            case_id=case.id,
            document_id=theirs.id,
            document=passport(number="other"),
        )
    assert TravelDocument.objects.get(pk=theirs.pk).number == "75 1234567"


# --- expiry -------------------------------------------------------------------------------------


def _expiring(case, staff, days: int, **more: object) -> TravelDocument:
    return documents.add_document(
        user=staff.caseworker,
        case_id=case.id,
        document=passport(expires_on=TODAY + timedelta(days=days), **more),
    )


@pytest.mark.parametrize("days, alerted", [(31, False), (30, True), (0, True), (-1, True)])
def test_expiry_warns_within_the_warning_days(case, staff, settings, days, alerted):
    settings.WAYSTATION_DOCUMENT_WARNING_DAYS = 30
    row = _expiring(case, staff, days)
    raised = documents.raise_expiry_alerts(now=START_OF_TODAY)
    assert raised == (2 if alerted else 0)  # the caseworker and the logistics coordinator
    if alerted:
        subjects = set(
            Alert.objects.filter(kind=AlertKind.DOCUMENT_EXPIRING).values_list("subject", flat=True)
        )
        assert subjects == {f"{row.id}:{row.expires_on}"}


def test_only_issued_documents_warn(case, staff):
    _expiring(case, staff, 5, status=DocumentStatus.USED)
    _expiring(case, staff, 5, status=DocumentStatus.EXPIRED)
    assert documents.raise_expiry_alerts(now=START_OF_TODAY) == 0


def test_expiry_warns_once_and_anew_for_a_new_expiry(case, staff):
    row = _expiring(case, staff, 10)
    assert documents.raise_expiry_alerts(now=START_OF_TODAY) == 2
    assert documents.raise_expiry_alerts(now=START_OF_TODAY + timedelta(hours=1)) == 0
    documents.change_document(
        user=staff.caseworker,
        case_id=case.id,
        document_id=row.id,
        document=passport(expires_on=TODAY + timedelta(days=20)),
    )
    assert not Alert.objects.filter(resolved_at__isnull=True).exists()  # the old one is over
    assert documents.raise_expiry_alerts(now=START_OF_TODAY) == 2


def test_expiry_through_the_overdue_check(case, staff):
    from waystation.cases.services import alerts as case_alerts

    _expiring(case, staff, 3)
    assert case_alerts.check_overdue(now=START_OF_TODAY).other_alerts == 2


# --- the same number on two cases --------------------------------------------------------------


def test_the_same_number_on_another_case_is_a_match(case, staff, team, other_team):
    mine = documents.add_document(user=staff.caseworker, case_id=case.id, document=passport())
    seen = new_case(team, [staff.caseworker])
    hidden = new_case(other_team, [staff.other_caseworker])
    documents.add_document(
        user=staff.caseworker, case_id=seen.id, document=passport(number="75-123 4567")
    )
    documents.add_document(
        user=staff.other_caseworker, case_id=hidden.id, document=passport(number="751234567")
    )
    documents.add_document(
        user=staff.caseworker, case_id=seen.id, document=passport(number="99 0000000")
    )
    [match] = shared_numbers(user=staff.caseworker, case=case)
    assert match.document_id == mine.id
    assert match.visible_ids == [seen.id]
    assert match.others == 1
    [for_manager] = shared_numbers(user=staff.manager, case=case)
    assert for_manager.visible_ids == [seen.id] and for_manager.others == 1


def test_no_match_without_a_shared_number(case, staff, team):
    documents.add_document(user=staff.caseworker, case_id=case.id, document=passport())
    assert shared_numbers(user=staff.caseworker, case=case) == []
