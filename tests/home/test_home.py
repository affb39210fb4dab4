"""The home page: for each role, each count is what the owning app's list selector
shows that member (less what only someone else may decide), nothing on a case the
member may not see is counted, and each role sees only its own parts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import signed_in_client
from tests.home.conftest import World
from waystation.accounts.models import StaffUser
from waystation.cases.selectors import alerts as case_alerts
from waystation.cases.services import access
from waystation.home.selectors import Home, home_for
from waystation.intake import public_services as intake
from waystation.intake import screening
from waystation.intake.selectors import unanswered_requests
from waystation.relocation.selectors.money import awaiting_approval

pytestmark = pytest.mark.django_db


def _end_of_today():
    local = timezone.localtime()
    return local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


def _as_the_lists_show(user: StaffUser) -> dict[str, int]:
    """The same figures read from the alerts page's and the approvals page's selectors."""
    tasks = case_alerts.my_open_tasks(user=user)
    return {
        "alerts": sum(a.case_visible for a in case_alerts.my_alerts(user=user)),
        "overdue_check_ins": len(case_alerts.overdue_check_ins(user=user)),
        "open_tasks": len(tasks),
        "tasks_due": sum(1 for _, _, due in tasks if due is not None and due <= _end_of_today()),
    }


def _counts(home: Home) -> dict[str, int]:
    assert home.casework is not None
    return {
        "alerts": home.casework.alerts,
        "overdue_check_ins": home.casework.overdue_check_ins,
        "open_tasks": home.casework.open_tasks,
        "tasks_due": home.casework.tasks_due,
    }


CASEWORK_ROLES = [
    "caseworker",
    "other_caseworker",
    "logistics",
    "manager",
    "other_manager",
    "documentation",
    "screener",
]


@pytest.mark.parametrize("role", CASEWORK_ROLES)
def test_casework_counts_equal_what_the_selectors_list(world: World, role: str):
    user = getattr(world.staff, role)
    assert _counts(home_for(user=user)) == _as_the_lists_show(user)


@pytest.mark.parametrize("role", ["manager", "other_manager", "logistics", "caseworker"])
def test_payment_count_equals_the_approvals_list_less_ones_own(world: World, role: str):
    user = getattr(world.staff, role)
    home = home_for(user=user)
    listed = [row for row in awaiting_approval(user=user) if not row.mine]
    if user.has_perm("relocation.approve_payment"):
        assert home.payments == len(listed)
    else:
        assert home.payments is None and listed == []


@pytest.mark.parametrize("role", ["manager", "other_manager"])
def test_stage_approval_count_equals_the_alerts_page_less_ones_own(world: World, role: str):
    user = getattr(world.staff, role)
    home = home_for(user=user)
    assert home.casework is not None
    assert home.casework.approvals == sum(
        not row.mine for row in case_alerts.pending_approvals(user=user)
    )


def test_the_caseworker_counts_only_the_case_they_may_see(world: World):
    home = home_for(user=world.staff.caseworker)
    # Each of these exists on the hidden case too, for the caseworker (an alert, an
    # overdue task from when they were on it): one, not two.
    assert _counts(home) == {"alerts": 1, "overdue_check_ins": 1, "open_tasks": 3, "tasks_due": 1}
    # Approving is not a caseworker's: those parts are absent, not zero.
    assert home.casework is not None
    assert home.casework.approvals is None and home.casework.shred_confirmations is None
    assert home.payments is None and home.referrals is None and home.key_changes is None
    assert home.status is None


def test_the_manager_counts_what_waits_for_a_second_person_on_their_team_only(world: World):
    home = home_for(user=world.staff.manager)
    assert home.casework is not None
    # The visible case's move, payment, shred request and referral; none of the hidden's.
    assert home.casework.approvals == 1
    assert home.casework.shred_confirmations == 1
    assert home.payments == 1
    assert home.referrals is not None and home.referrals.count == 1
    assert home.referrals.oldest == world.visible.id
    # The manager proposed the pending key: another programme manager decides it.
    assert home.key_changes is not None and home.key_changes.count == 0
    other = home_for(user=world.staff.other_manager)
    assert other.key_changes is not None and other.key_changes.count == 1
    assert other.key_changes.oldest == world.partner.id


@pytest.mark.parametrize("role", ["caseworker", "manager", "logistics"])
def test_the_hidden_case_would_count_once_visible(world: World, role: str):
    """The leak tests above prove something only if the hidden case really holds work
    for the member: given access to it, their counts grow."""
    user = getattr(world.staff, role)
    before = home_for(user=user)
    access.grant_access(
        user=world.staff.other_manager,
        case_id=world.hidden.id,
        grantee_id=user.pk,
        reason="covering for a colleague",
        until=timezone.now() + timedelta(days=1),
    )
    after = home_for(user=user)
    assert before.casework is not None and after.casework is not None
    assert after.casework.alerts == before.casework.alerts + 1
    assert after.casework.overdue_check_ins == before.casework.overdue_check_ins + 1
    assert after.casework.open_tasks == before.casework.open_tasks + 1
    if role == "manager":
        assert before.casework.approvals is not None and before.payments is not None
        assert before.referrals is not None and after.referrals is not None
        assert after.casework.approvals == before.casework.approvals + 1
        assert after.payments == before.payments + 1
        assert after.referrals.count == before.referrals.count + 1


def test_the_administrator_sees_the_installation_and_no_case_count(world: World):
    home = home_for(user=world.staff.admin)
    assert home.casework is None and home.payments is None and home.queue is None
    assert home.referrals is None and home.key_changes is None
    assert home.status is not None
    assert {f.name for f in home.status} >= {"workers", "backup"}
    page = signed_in_client(world.staff.admin).get(reverse("home")).content.decode()
    assert 'id="home-status"' in page and 'id="home-backup"' in page
    assert 'id="home-casework"' not in page and 'id="home-approvals"' not in page


def test_the_queue_shows_how_long_the_oldest_request_waited_not_what_it_says(world: World):
    screening.ensure_intake_key(actor_id=None)
    intake.submit_request(
        new=intake.NewRequest(
            urgency=2,
            language="ru",
            country="RU",
            story="Wqzmarker they came to my flat.",
            contact_channel="signal",
            contact_handle="+7 912 345 67 89",
        )
    )
    home = home_for(user=world.staff.screener)
    assert home.queue == unanswered_requests()
    assert home.queue is not None and home.queue.count == 1
    page = signed_in_client(world.staff.screener).get(reverse("home")).content.decode()
    assert "The longest has waited" in page
    assert "Wqzmarker" not in page
    assert home_for(user=world.staff.logistics).queue is None  # logistics does not screen


@pytest.mark.parametrize("role", [*CASEWORK_ROLES, "admin"])
def test_every_role_gets_a_page_with_its_counts_linked(world: World, role: str):
    user = getattr(world.staff, role)
    response = signed_in_client(user).get(reverse("home"))
    assert response.status_code == 200
    page = response.content.decode()
    home = home_for(user=user)
    assert "<script" not in page
    if home.casework is not None:
        assert f'{reverse("cases:alerts")}#alerts-heading"><strong>{home.casework.alerts}<' in page
    if home.payments is not None:
        assert f'{reverse("relocation:money_approvals")}"><strong>{home.payments}<' in page
    assert world.hidden.id not in page


def test_the_caseworker_page_says_the_counts_in_words(world: World):
    page = signed_in_client(world.staff.caseworker).get(reverse("home")).content.decode()
    assert "open alert on your cases" in page  # one: the singular
    assert "check-in overdue" in page
    assert "task of yours due today or overdue" in page
    assert "(3 open in all)" in page
    assert 'id="home-approvals"' not in page
    assert world.visible.id not in page  # counts only: no case is named
