"""Need to know (docs/design.md §2.5): who sees a case, grants, break-glass, the audit of reads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from waystation.audit.models import AuditEntry
from waystation.cases.models import AccessGrant, Alert, AlertKind
from waystation.cases.selectors import case_file, visibility
from waystation.cases.selectors.visibility import CaseNotFound
from waystation.cases.services import access, check_ins, common, daily_work, stages, verification
from waystation.cases.services.common import CaseError


def visible_to(user) -> set[str]:
    return set(visibility.visible_cases(user).values_list("pk", flat=True))


def test_assignees_and_the_supervisor_see_a_case_and_nobody_else(case, staff):
    seeing = {name for name, user in staff.everyone().items() if case.id in visible_to(user)}
    assert seeing == {"caseworker", "manager"}


def test_an_administrator_sees_no_case_by_role(case, staff):
    assert visible_to(staff.admin) == set()
    assert not staff.admin.has_perm("cases.work_case")


def test_an_inactive_assignee_sees_nothing(case, staff):
    staff.caseworker.is_active = False
    staff.caseworker.save()
    assert visible_to(staff.caseworker) == set()


def test_a_grant_shows_the_case_until_its_date_and_not_after_revocation(case, staff):
    grant = access.grant_access(
        user=staff.manager,
        case_id=case.id,
        grantee_id=staff.documentation.pk,
        reason="Corroborating an incident",
        until=timezone.now() + timedelta(days=2),
    )
    assert case.id in visible_to(staff.documentation)
    AccessGrant.objects.filter(pk=grant.pk).update(until=timezone.now() - timedelta(seconds=1))
    assert case.id not in visible_to(staff.documentation)
    AccessGrant.objects.filter(pk=grant.pk).update(until=timezone.now() + timedelta(days=1))
    access.revoke_access(user=staff.manager, case_id=case.id, grant_id=grant.pk)
    assert case.id not in visible_to(staff.documentation)


def test_the_grant_reason_is_sealed_under_the_case_key(case, staff):
    grant = access.grant_access(
        user=staff.manager,
        case_id=case.id,
        grantee_id=staff.documentation.pk,
        reason="Corroborating an incident",
        until=timezone.now() + timedelta(days=2),
    )
    assert grant.data_key_id == case.data_key_id
    raw = AccessGrant.objects.filter(pk=grant.pk).values_list("reason", flat=True).get()
    assert b"Corroborating" not in bytes(raw.data)


def test_grants_need_a_reason_a_future_end_and_a_manager(case, staff):
    until = timezone.now() + timedelta(days=1)
    with pytest.raises(CaseError, match="reason"):
        access.grant_access(
            user=staff.manager,
            case_id=case.id,
            grantee_id=staff.logistics.pk,
            reason=" ",
            until=until,
        )
    with pytest.raises(CaseError, match="future"):
        access.grant_access(
            user=staff.manager,
            case_id=case.id,
            grantee_id=staff.logistics.pk,
            reason="r",
            until=timezone.now() - timedelta(hours=1),
        )
    with pytest.raises(CaseError, match="supervisor or a programme manager"):
        access.grant_access(
            user=staff.caseworker,
            case_id=case.id,
            grantee_id=staff.logistics.pk,
            reason="r",
            until=until,
        )
    with pytest.raises(CaseNotFound):
        access.grant_access(
            user=staff.other_manager,
            case_id=case.id,
            grantee_id=staff.other_manager.pk,
            reason="r",
            until=until,
        )


def test_a_team_supervisor_without_the_manager_role_grants_and_revokes(staff):
    """docs/design.md §2.5 and docs/casework.md: the team's supervisor grants access, whatever
    their role; a caseworker who merely works the case does not."""
    from tests.cases.conftest import new_case
    from tests.factories import make_staff
    from waystation.accounts.roles import Role

    lead = make_staff(Role.CASEWORKER, "teamlead")
    assert not lead.has_perm(common.GRANT_ACCESS)
    team = access.create_team(actor_id=None, name="East", supervisor_id=lead.pk)
    case = new_case(team, [staff.caseworker])
    until = timezone.now() + timedelta(days=1)
    with pytest.raises(CaseError, match="supervisor or a programme manager"):
        access.grant_access(
            user=staff.caseworker,
            case_id=case.id,
            grantee_id=staff.documentation.pk,
            reason="r",
            until=until,
        )

    grant = access.grant_access(
        user=lead,
        case_id=case.id,
        grantee_id=staff.documentation.pk,
        reason="Archive the passport copy",
        until=until,
    )

    assert case.id in visible_to(staff.documentation)
    with pytest.raises(CaseError, match="supervisor or a programme manager"):
        access.revoke_access(user=staff.caseworker, case_id=case.id, grant_id=grant.pk)
    access.revoke_access(user=lead, case_id=case.id, grant_id=grant.pk)
    assert case.id not in visible_to(staff.documentation)
    assert AuditEntry.objects.filter(action="case.access_granted", actor_id=lead.pk).exists()


def test_a_programme_manager_who_sees_the_case_grants_without_supervising(staff, team):
    from tests.cases.conftest import new_case

    case = new_case(team, [staff.caseworker, staff.other_manager])
    assert not visibility.is_supervisor(staff.other_manager, case)

    access.grant_access(
        user=staff.other_manager,
        case_id=case.id,
        grantee_id=staff.logistics.pk,
        reason="Book the transport",
        until=timezone.now() + timedelta(days=1),
    )

    assert case.id in visible_to(staff.logistics)


def test_break_glass_asks_a_reason_grants_briefly_and_tells_the_managers(case, staff):
    with pytest.raises(CaseError, match="reason"):
        access.break_glass(user=staff.other_caseworker, case_id=case.id, reason="")
    now = timezone.now()
    grant = access.break_glass(
        user=staff.other_caseworker,
        case_id=case.id,
        reason="Caller in danger, owner away",
        now=now,
    )
    assert grant.break_glass
    assert grant.until == now + timedelta(hours=access.BREAK_GLASS_HOURS)
    assert case.id in visible_to(staff.other_caseworker)
    told = set(
        Alert.objects.filter(kind=AlertKind.BREAK_GLASS, case=case).values_list(
            "recipient_id", flat=True
        )
    )
    assert told == {staff.manager.pk, staff.other_manager.pk}
    assert AuditEntry.objects.filter(
        action="case.break_glass", actor_id=staff.other_caseworker.pk, object_id=case.id
    ).exists()


def test_break_glass_is_refused_to_roles_without_it(case, staff):
    for user in (staff.admin, staff.screener):
        with pytest.raises(CaseError):
            access.break_glass(user=user, case_id=case.id, reason="curious")
    assert visible_to(staff.admin) == set()


def test_break_glass_on_an_unknown_id_is_a_404_and_is_audited(staff):
    with pytest.raises(CaseNotFound):
        access.break_glass(user=staff.other_caseworker, case_id="nosuchcase000000", reason="r")
    assert AuditEntry.objects.filter(
        action="case.break_glass_refused", actor_id=staff.other_caseworker.pk
    ).exists()


def test_opening_a_case_is_an_audit_entry(case, staff):
    opened = case_file.open_case(user=staff.caseworker, case_id=case.id)
    assert opened.full_name == "Test Person"
    assert (
        AuditEntry.objects.filter(
            action="case.opened", actor_id=staff.caseworker.pk, object_id=case.id
        ).count()
        == 1
    )


def test_opening_an_invisible_case_is_the_same_404_as_a_missing_one(case, staff):
    for case_id in (case.id, "nosuchcase000000", "x" * 500):
        with pytest.raises(CaseNotFound) as caught:
            case_file.open_case(user=staff.other_caseworker, case_id=case_id)
        assert str(caught.value) == "No such case."
    assert not AuditEntry.objects.filter(action="case.opened").exists()


def test_every_service_hides_an_invisible_case(case, staff):
    user = staff.other_caseworker
    calls = [
        lambda: daily_work.add_note(user=user, case_id=case.id, text="x"),
        lambda: stages.change_stage(user=user, case_id=case.id, to_stage="verification"),
        lambda: verification.record_reference(
            user=user, case_id=case.id, organisation="o", text="t"
        ),
        lambda: daily_work.assess_risk(user=user, case_id=case.id, urgency=1, reasons="r"),
        lambda: daily_work.add_task(user=user, case_id=case.id, title="t"),
        lambda: check_ins.set_check_in_schedule(user=user, case_id=case.id, every_hours=12),
        lambda: check_ins.record_check_in(user=user, case_id=case.id),
        lambda: access.assign(user=user, case_id=case.id, assignee_id=user.pk),
    ]
    for call in calls:
        with pytest.raises(CaseNotFound):
            call()


def test_every_sealed_row_of_a_case_uses_the_case_key(case, staff):
    from django.apps import apps

    daily_work.add_note(user=staff.caseworker, case_id=case.id, text="n")
    daily_work.add_task(user=staff.caseworker, case_id=case.id, title="t")
    verification.record_reference(
        user=staff.caseworker, case_id=case.id, organisation="o", text="t"
    )
    daily_work.assess_risk(user=staff.caseworker, case_id=case.id, urgency=1, reasons="r")
    daily_work.record_message(
        user=staff.caseworker, case_id=case.id, direction="in", channel="phone", text="m"
    )
    for model in apps.get_app_config("cases").get_models():
        fields = {f.name for f in model._meta.get_fields()}
        if "data_key" in fields and "case" in fields:
            keys = set(model.objects.filter(case=case).values_list("data_key_id", flat=True))
            assert keys <= {case.data_key_id}, model.__name__
