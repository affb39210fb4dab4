"""docs/design.md §2.8: closing a case starts its retention clock; at the end the
scheduled run shreds it (docs/casework.md "Retention")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.cases.conftest import new_case
from waystation.audit.models import AuditEntry
from waystation.cases.models import (
    Alert,
    AlertKind,
    Case,
    Note,
    Outcome,
    RetentionExtension,
    ShredCause,
    Stage,
)
from waystation.cases.selectors.visibility import CaseNotFound
from waystation.cases.services import daily_work, retention, stages
from waystation.cases.services.common import CaseError
from waystation.demo.management.commands.demo import SCHEDULED_JOBS
from waystation.vault.datakeys import DataKeyShredded

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def close(case: Case, staff, outcome: str, at: datetime) -> Case:
    """Close through the real services: a decline at once, any other outcome by closing
    from "arrived" with a second person's approval."""
    if outcome == Outcome.DECLINED:
        stages.change_stage(
            user=staff.caseworker, case_id=case.id, to_stage=Stage.DECLINED, reason="r", now=at
        )
    else:
        Case.objects.filter(pk=case.pk).update(stage=Stage.ARRIVED)
        asked = stages.change_stage(
            user=staff.caseworker,
            case_id=case.id,
            to_stage=Stage.CLOSED,
            outcome=outcome,
            now=at,
        )
        assert asked.approval is not None
        stages.decide_approval(
            user=staff.manager, case_id=case.id, approval_id=asked.approval.id, approve=True, now=at
        )
    return Case.objects.get(pk=case.pk)


def test_closing_starts_the_clock_from_the_outcome_s_period(staff, team, settings):
    declined = close(new_case(team, [staff.caseworker]), staff, Outcome.DECLINED, T0)
    relocated = close(new_case(team, [staff.caseworker]), staff, Outcome.RELOCATED, T0)
    assert declined.retain_until == T0 + timedelta(
        days=settings.WAYSTATION_RETENTION_DAYS["declined"]
    )
    assert declined.retain_until == T0 + 90 * DAY
    assert relocated.retain_until == T0 + 730 * DAY
    open_case = new_case(team, [staff.caseworker])
    assert open_case.retain_until is None


def test_a_programme_manager_extends_with_a_reason_audited_and_never_shortens(staff, team):
    case = close(new_case(team, [staff.caseworker]), staff, Outcome.DECLINED, T0)
    end = case.retain_until
    with pytest.raises(CaseError, match="Your role"):
        retention.extend_retention(
            user=staff.caseworker, case_id=case.id, until=end + DAY, reason="asylum claim"
        )
    with pytest.raises(CaseNotFound):
        retention.extend_retention(
            user=staff.other_manager, case_id=case.id, until=end + DAY, reason="asylum claim"
        )
    with pytest.raises(CaseError, match="after the current end"):
        retention.extend_retention(
            user=staff.manager, case_id=case.id, until=end - DAY, reason="asylum claim"
        )
    for bad, message in [("", "required"), ("x" * 2001, "limited"), ("<b>x</b>", "markup")]:
        with pytest.raises(CaseError, match=message):
            retention.extend_retention(
                user=staff.manager, case_id=case.id, until=end + DAY, reason=bad
            )
    assert Case.objects.get(pk=case.pk).retain_until == end
    assert not RetentionExtension.objects.filter(case=case).exists()

    retention.extend_retention(
        user=staff.manager, case_id=case.id, until=end + 30 * DAY, reason="asylum claim"
    )

    assert Case.objects.get(pk=case.pk).retain_until == end + 30 * DAY
    extension = RetentionExtension.objects.get(case=case)
    assert extension.reason == "asylum claim" and extension.previous_until == end
    entry = AuditEntry.objects.get(action="case.retention_extended")
    assert entry.object_id == case.id and entry.actor_id == staff.manager.pk


def test_reopening_stops_the_clock(staff, team):
    case = close(new_case(team, [staff.caseworker]), staff, Outcome.DECLINED, T0)
    retention.reopen_case(user=staff.manager, case_id=case.id, reason="came back", now=T0 + DAY)
    reopened = Case.objects.get(pk=case.pk)
    assert reopened.stage == Stage.SCREENING
    assert reopened.retain_until is None and reopened.closed_at is None

    report = retention.run_retention(now=T0 + 1000 * DAY)

    assert case.id not in report.shredded
    assert Case.objects.get(pk=case.pk).shredded_at is None
    assert AuditEntry.objects.filter(action="case.reopened", object_id=case.id).exists()


def test_people_are_warned_once_before_the_end_and_again_after_an_extension(staff, team):
    case = close(new_case(team, [staff.caseworker]), staff, Outcome.DECLINED, T0)
    end = case.retain_until
    retention.run_retention(now=end - 20 * DAY)  # too early for a warning
    assert not Alert.objects.filter(kind=AlertKind.RETENTION_ENDING).exists()

    retention.run_retention(now=end - 10 * DAY)
    retention.run_retention(now=end - 9 * DAY)

    warned = Alert.objects.filter(kind=AlertKind.RETENTION_ENDING, case=case)
    assert sorted(warned.values_list("recipient_id", flat=True)) == sorted(
        [staff.caseworker.pk, staff.manager.pk]
    )
    retention.extend_retention(
        user=staff.manager, case_id=case.id, until=end + 5 * DAY, reason="r", now=end - 9 * DAY
    )
    retention.run_retention(now=end - 8 * DAY)
    assert warned.count() == 4


def test_the_run_shreds_at_the_end_leaves_a_tombstone_and_audits(staff, team):
    case = new_case(team, [staff.caseworker])
    daily_work.add_note(user=staff.caseworker, case_id=case.id, text="met at the station")
    case = close(case, staff, Outcome.DECLINED, T0)
    end = case.retain_until
    keep = new_case(team, [staff.caseworker])

    assert retention.run_retention(now=end - timedelta(seconds=1)).shredded == []
    assert retention.run_retention(now=end).shredded == [case.id]

    tomb = Case.objects.get(pk=case.pk)
    assert tomb.shredded_at == end and tomb.shred_cause == ShredCause.RETENTION
    assert (tomb.stage, tomb.outcome, tomb.closed_at) == (Stage.DECLINED, Outcome.DECLINED, T0)
    assert tomb.retain_until is None
    assert not Note.objects.filter(case=case).exists()
    with pytest.raises(DataKeyShredded):
        _ = tomb.full_name
    assert AuditEntry.objects.filter(action="case.shredded_retention", object_id=case.id).exists()
    assert Case.objects.get(pk=keep.pk).full_name == "Test Person"


def test_the_scheduled_run_is_idempotent(staff, team):
    due = [close(new_case(team, [staff.caseworker]), staff, Outcome.DECLINED, T0) for _ in range(2)]
    later = close(new_case(team, [staff.caseworker]), staff, Outcome.RELOCATED, T0)
    now = T0 + 100 * DAY

    first = retention.run_retention(now=now)
    rows_after_first = list(Case.objects.order_by("pk").values())
    entries_after_first = AuditEntry.objects.count()
    second = retention.run_retention(now=now)

    assert sorted(first.shredded) == sorted(c.id for c in due)
    assert second.shredded == [] and second.warned == 0 and second.failed == 0
    assert list(Case.objects.order_by("pk").values()) == rows_after_first
    assert AuditEntry.objects.count() == entries_after_first
    assert Case.objects.get(pk=later.pk).shredded_at is None


def test_the_minute_s_jobs_include_the_retention_run_and_it_reports(staff, team):
    assert ("cases", "retention") in SCHEDULED_JOBS
    case = close(new_case(team, [staff.caseworker]), staff, Outcome.DECLINED, T0)
    out = StringIO()
    call_command("cases", "retention", "--now", (T0 + 91 * DAY).isoformat(), stdout=out)
    assert "1 case(s) shredded" in out.getvalue()
    assert case.id not in out.getvalue()  # ids of shredded people stay out of cron mail
    call_command("cases", "retention", "--now", (T0 + 91 * DAY).isoformat(), stdout=out)
    assert Case.objects.get(pk=case.pk).shredded_at is not None


def test_a_sealed_vault_postpones_the_shred_to_the_next_run(staff, team, vault, tmp_path):
    from tests.vault.seeding import demo_key_file

    case = close(new_case(team, [staff.caseworker]), staff, Outcome.DECLINED, T0)
    vault.seal()
    report = retention.run_retention(now=T0 + 91 * DAY)
    assert report.failed == 1 and report.shredded == []
    vault.unseal_with_demo_key_file(demo_key_file(tmp_path))
    assert retention.run_retention(now=T0 + 91 * DAY).shredded == [case.id]


# --- the property --------------------------------------------------------------------------

HOURS = st.integers(min_value=0, max_value=3 * 365 * 24)
event = st.one_of(
    st.tuples(st.just("run"), HOURS),
    # an extension asked at some time, to some hours past the end it sees
    st.tuples(st.just("extend"), HOURS, st.integers(min_value=-48, max_value=400 * 24)),
)


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# The edges: a run one hour before the end, at the end itself, and an extension that
# moves the end past a run that would otherwise have shredded.
@example(outcome=Outcome.DECLINED, events=[("run", 90 * 24 - 1), ("run", 90 * 24)])
@example(
    outcome=Outcome.DECLINED,
    events=[("extend", 10, 24), ("run", 90 * 24), ("run", 91 * 24 - 1), ("run", 91 * 24)],
)
@given(
    outcome=st.sampled_from([Outcome.DECLINED, Outcome.RELOCATED, Outcome.WITHDREW]),
    events=st.lists(event, min_size=1, max_size=8),
)
def test_no_case_is_shredded_early_or_kept_past_its_end(staff, team, outcome, events):
    """Whatever the outcome, extensions and the times the run happens to come: after each
    run the case is shredded exactly when that run came at or after its current end."""
    case = close(new_case(team, [staff.caseworker]), staff, outcome, T0)
    end = T0 + retention.period_for(outcome)
    assert case.retain_until == end
    shredded_by: datetime | None = None
    for kind, hours, *more in sorted(events, key=lambda e: e[1]):
        at = T0 + timedelta(hours=hours)
        if kind == "extend":
            until = end + timedelta(hours=more[0])
            try:
                retention.extend_retention(
                    user=staff.manager, case_id=case.id, until=until, reason="kept", now=at
                )
            except CaseNotFound:  # a shredded case exists for nobody
                assert shredded_by is not None
            except CaseError:
                assert shredded_by is None and until <= end
            else:
                assert shredded_by is None and until > end
                end = until
            continue
        retention.run_retention(now=at)
        row = Case.objects.get(pk=case.pk)
        if shredded_by is None and at >= end:
            shredded_by = at  # this run must have shredded it: never kept past its end
        if shredded_by is None:
            assert row.shredded_at is None, "shredded before its end"
            assert row.retain_until == end
        else:
            assert row.shredded_at == shredded_by, "kept past its end, or shredded again"
            assert row.shredded_at >= end, "shredded before its end"
