import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from tests.factories import make_staff
from waystation.accounts import roles
from waystation.accounts.roles import CASEWORK_APPS, ROLE_PERMISSIONS, Role

pytestmark = pytest.mark.django_db


def _group_perms(role: Role) -> set[str]:
    group = Group.objects.get(name=role.value)
    return {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


@pytest.mark.parametrize("role", list(Role))
def test_every_role_is_a_group_with_exactly_its_permissions(role):
    assert _group_perms(role) == ROLE_PERMISSIONS[role]


def test_administrators_hold_no_casework_permission():
    admin_apps = {perm.split(".")[0] for perm in _group_perms(Role.ADMINISTRATOR)}
    assert not admin_apps & CASEWORK_APPS


def test_an_administrator_cannot_read_cases_by_role():
    admin = make_staff(Role.ADMINISTRATOR)
    case_perms = Permission.objects.filter(content_type__app_label__in=CASEWORK_APPS)
    assert case_perms.exists()  # the cases app does define permissions to be refused
    for perm in case_perms:
        assert not admin.has_perm(f"{perm.content_type.app_label}.{perm.codename}")


def test_administrator_manages_staff_and_caseworker_does_not():
    assert make_staff(Role.ADMINISTRATOR).has_perm("accounts.manage_staff")
    assert not make_staff(Role.CASEWORKER).has_perm("accounts.manage_staff")


def test_roles_sync_takes_back_a_permission_granted_by_hand(capsys):
    group = Group.objects.get(name=Role.ADMINISTRATOR.value)
    group.permissions.add(Permission.objects.get(codename="view_case"))

    call_command("roles", "sync")

    assert _group_perms(Role.ADMINISTRATOR) == ROLE_PERMISSIONS[Role.ADMINISTRATOR]
    assert "revoked administrator: cases.view_case" in capsys.readouterr().out


def test_roles_sync_recreates_a_deleted_group():
    Group.objects.filter(name=Role.LOGISTICS.value).delete()

    call_command("roles", "sync")

    assert _group_perms(Role.LOGISTICS) == ROLE_PERMISSIONS[Role.LOGISTICS]


def test_sync_refuses_to_give_administrators_a_casework_permission(monkeypatch):
    patched = {**ROLE_PERMISSIONS, Role.ADMINISTRATOR: {"cases.view_case"}}
    monkeypatch.setattr(roles, "ROLE_PERMISSIONS", patched)

    with pytest.raises(ImproperlyConfigured, match="no casework permission"):
        roles.sync_role_groups(group_model=Group, permission_model=Permission)
    assert "cases.view_case" not in _group_perms(Role.ADMINISTRATOR)


def test_sync_refuses_a_permission_that_does_not_exist(monkeypatch):
    patched = {**ROLE_PERMISSIONS, Role.CASEWORKER: {"cases.no_such_thing"}}
    monkeypatch.setattr(roles, "ROLE_PERMISSIONS", patched)

    with pytest.raises(ImproperlyConfigured, match="does not exist"):
        roles.sync_role_groups(group_model=Group, permission_model=Permission)
