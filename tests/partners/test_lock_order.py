"""An approval racing a key change waits, never deadlocks (security review, L5): both
lock the partner row first, then the referral. PostgreSQL only: SQLite locks the whole
database and has no row locks to take in the wrong order."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from tests.partners.conftest import draft, with_consent
from waystation.partners.models import Partner, Referral
from waystation.partners.services import referrals

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite locks the database")


@pytest.mark.parametrize("action", ["approve", "download"])
def test_an_approval_racing_a_key_change_waits_and_does_not_deadlock(
    postgres_only, staff, case, keyed, action
):
    referral = referrals.create_referral(
        user=staff.caseworker, case_id=case.id, draft=draft(keyed.partner)
    )
    with_consent(staff, case, referral)
    if action == "download":
        referrals.approve_referral(user=staff.manager, case_id=case.id, referral_id=referral.id)
    errors: list[BaseException] = []
    started = threading.Event()

    def act() -> None:
        try:
            started.set()
            if action == "approve":
                referrals.approve_referral(
                    user=staff.manager, case_id=case.id, referral_id=referral.id
                )
            else:
                referrals.download_package(
                    user=staff.caseworker, case_id=case.id, referral_id=referral.id
                )
        except BaseException as exc:  # reported to the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    # What decide_key_change does: the partner row, then (a moment later) the referrals.
    with transaction.atomic():
        Partner.objects.select_for_update().get(pk=keyed.partner.pk)
        racer = threading.Thread(target=act)
        racer.start()
        started.wait()
        time.sleep(0.5)  # the racer reaches its locks meanwhile
        Referral.objects.filter(pk=referral.pk).update(key_changed_at=timezone.now())
    racer.join(timeout=30)
    assert not racer.is_alive()
    messages = [str(e) for e in errors]
    assert not any("deadlock" in m.lower() for m in messages), messages
    assert all(isinstance(e, referrals.PartnerError) for e in errors), messages
