"""Writing the audit log: ids and action names only (docs/design.md §2.6), and an entry exists
exactly when its action happened (written in the action's own transaction)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from waystation.audit import services as audit
from waystation.audit.models import AuditEntry, AuditHead
from waystation.audit.services import verify_chain
from waystation.cases.models import Case, Channel, Urgency
from waystation.cases.services.opening import ManualIntake, open_case_manually
from waystation.vault.models import DataKey

pytestmark = pytest.mark.django_db

FREE_TEXT = [
    "Magomed Evloev",
    "Магомед",
    "magomed@example.com",
    "+79991234567",
    "ivan k",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "case\n#2 forged.entry",
    "trailing-newline\n",
    "tab\there",
    "x" * 65,
    "",
]


def _nothing_written() -> bool:
    return not AuditEntry.objects.exists() and not AuditHead.objects.filter(seq__gt=0).exists()


@pytest.mark.parametrize("action", [*FREE_TEXT, "Case.Opened", "case opened", "1case", "c"])
def test_free_text_as_an_action_is_refused(action):
    with pytest.raises(ValueError, match="not an audit action name"):
        audit.record(actor_id=None, action=action)
    assert _nothing_written()


@pytest.mark.parametrize("value", [v for v in FREE_TEXT if v])
def test_free_text_as_an_object_id_is_refused(value):
    with pytest.raises(ValueError, match="ids only"):
        audit.record(actor_id=None, action="case.opened", object_type="case", object_id=value)
    assert _nothing_written()


@pytest.mark.parametrize("value", [v for v in FREE_TEXT if v])
def test_free_text_as_an_object_type_is_refused(value):
    with pytest.raises(ValueError, match="ids only"):
        audit.record(actor_id=None, action="case.opened", object_type=value)
    assert _nothing_written()


@pytest.mark.parametrize("actor", ["12", "Ivan", True, 1.5, b"1"])
def test_an_actor_that_is_not_a_user_id_is_refused(actor):
    """Regression: actor_id="12" was hashed as a string and stored as a number, so the
    chain read as tampered from that entry on, for ever."""
    with pytest.raises(ValueError, match="actor"):
        audit.record(actor_id=actor, action="case.opened")
    assert _nothing_written()
    audit.record(actor_id=12, action="case.opened")
    assert verify_chain().ok


def test_ids_and_action_names_are_accepted():
    entry = audit.record(
        actor_id=3, action="case.document_added", object_type="case", object_id="abcdefgh23456789"
    )

    assert (entry.seq, entry.actor_id, entry.object_id) == (1, 3, "abcdefgh23456789")
    assert verify_chain().ok


def test_an_action_rolled_back_leaves_no_entry():
    audit.record(actor_id=None, action="case.opened")

    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor_id=None, action="case.closed")
        raise RuntimeError("the action failed after its audit entry")

    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["case.opened"]
    assert AuditHead.objects.get().seq == 1
    follow_up = audit.record(actor_id=None, action="case.closed")
    assert follow_up.seq == 2
    assert verify_chain().ok


def _manual_intake() -> ManualIntake:
    return ManualIntake(
        full_name="Rolled Back",
        phone="+7 999 000 00 02",
        narrative="never saved",
        urgency=Urgency.NOW,
        channel=Channel.PHONE,
    )


@pytest.mark.django_db(transaction=True)
def test_a_service_whose_transaction_fails_writes_no_audit_entry(monkeypatch):
    """Opening a case writes its entry inside its own transaction: when a later step of
    the same action fails, neither the case nor the entry remains."""

    def fail_on_name_tokens(*args, **kwargs):
        raise RuntimeError("storage failed")

    monkeypatch.setattr(
        "waystation.cases.services.indexes.CaseNameToken.objects.bulk_create", fail_on_name_tokens
    )
    with pytest.raises(RuntimeError):
        open_case_manually(actor_id=None, intake=_manual_intake())

    assert not Case.objects.exists()
    assert not DataKey.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_failing_audit_entry_undoes_its_action(monkeypatch):
    """And the other way round: no action without its entry."""

    def refuse(**kwargs):
        raise ValueError("audit write failed")

    monkeypatch.setattr("waystation.cases.services.common.audit.record", refuse)
    with pytest.raises(ValueError):
        open_case_manually(actor_id=None, intake=_manual_intake())

    assert not Case.objects.exists()
    assert not DataKey.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain():
    """Appends from several connections at once never fork the chain."""
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for _ in range(10):
                with transaction.atomic():
                    audit.record(actor_id=worker, action="case.opened")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    report = verify_chain()
    assert report.ok, report.describe()
    assert report.entries == 40
    assert sorted(AuditEntry.objects.values_list("seq", flat=True)) == list(range(1, 41))
