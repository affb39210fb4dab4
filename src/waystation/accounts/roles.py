"""The roles of docs/design.md §1.1, as Django groups with permissions.

``ROLE_PERMISSIONS`` is the only place where a role's permissions are decided. The
groups in the database follow it: a data migration creates them, every ``migrate``
re-applies it (see ``apps.py``), and ``waystation roles sync`` does so on demand.
Permissions given to a group by hand are taken away again at the next sync.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    """The value is the group's name in the database (never translated); ``label`` is
    what pages show, in the reader's language."""

    SCREENER = "intake screener"
    CASEWORKER = "caseworker"
    LOGISTICS = "logistics coordinator"
    PROGRAMME_MANAGER = "programme manager"
    DOCUMENTATION = "documentation officer"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> Promise:
        return _ROLE_LABELS[self]


_ROLE_LABELS: dict[Role, Promise] = {
    Role.SCREENER: _("Intake screener"),
    Role.CASEWORKER: _("Caseworker"),
    Role.LOGISTICS: _("Logistics coordinator"),
    Role.PROGRAMME_MANAGER: _("Programme manager"),
    Role.DOCUMENTATION: _("Documentation officer"),
    Role.ADMINISTRATOR: _("Administrator"),
}


# Permissions per role, as "app_label.codename". Administrators manage users and keys
# but get no case permission: they read cases only if granted like anyone else.
ROLE_PERMISSIONS: dict[Role, set[str]] = {
    Role.SCREENER: {"intake.screen_request", "cases.open_case"},
    Role.CASEWORKER: {
        "intake.screen_request",
        "cases.open_case",
        "cases.work_case",
        "cases.break_glass",
        "partners.make_referral",
        "dossiers.build_dossier",
    },
    Role.LOGISTICS: {
        "cases.work_case",
        "cases.break_glass",
        "relocation.manage_safe_houses",
        "relocation.record_payment",
    },
    Role.PROGRAMME_MANAGER: {
        "vault.seal_now",
        "intake.screen_request",
        "cases.open_case",
        "cases.work_case",
        "cases.approve_stage",
        "cases.grant_access",
        "cases.manage_teams",
        "cases.shred_case",
        "cases.break_glass",
        "relocation.manage_safe_houses",
        "relocation.record_payment",
        "relocation.approve_payment",
        "relocation.manage_budgets",
        "relocation.view_numbers",
        "partners.manage_partners",
        "partners.make_referral",
        "partners.approve_referral",
        "documentation.read_events",
        "dossiers.build_dossier",
        "dossiers.approve_dossier",
    },
    # Documentation officers read cases only through grants (docs/design.md §1.1); the
    # record's persons and sources linked to a case follow that case's need to know.
    Role.DOCUMENTATION: {
        "cases.work_case",
        "documentation.record_events",
        "documentation.read_events",
    },
    Role.ADMINISTRATOR: {"vault.seal_now", "accounts.manage_staff", "accounts.view_status"},
}

# Apps whose permissions open people's data. docs/design.md §2.5: an administrator holds none
# of them by role; the sync refuses a ROLE_PERMISSIONS that would give them one.
CASEWORK_APPS = frozenset(
    {"cases", "intake", "relocation", "partners", "documentation", "dossiers"}
)


@dataclass
class SyncReport:
    created_groups: list[str] = field(default_factory=list)
    granted: list[str] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created_groups or self.granted or self.revoked)


def check_role_permissions() -> None:
    """The invariants of the table itself, independent of any database."""
    for perm in ROLE_PERMISSIONS[Role.ADMINISTRATOR]:
        if perm.split(".", 1)[0] in CASEWORK_APPS:
            raise ImproperlyConfigured(
                f"administrators must hold no casework permission, but were given {perm}"
            )
    for role, perms in ROLE_PERMISSIONS.items():
        for perm in perms:
            if perm.count(".") != 1:
                raise ImproperlyConfigured(f"{role}: {perm!r} is not 'app_label.codename'")
    if set(ROLE_PERMISSIONS) != set(Role):
        raise ImproperlyConfigured("ROLE_PERMISSIONS must name every role")


def sync_role_groups(
    *, group_model: Any, permission_model: Any, using: str = "default", strict: bool = True
) -> SyncReport:
    """Make one group per role hold exactly the permissions ROLE_PERMISSIONS gives it.

    Takes the model classes so that a migration can pass its historical models. With
    ``strict``, a permission that does not exist is an error (a typo in the table); a
    migration runs before later apps have created theirs, so it passes ``strict=False``
    and the sync after ``migrate`` completes the job.
    """
    check_role_permissions()
    report = SyncReport()
    for role, wanted in ROLE_PERMISSIONS.items():
        group, created = group_model.objects.using(using).get_or_create(name=role.value)
        if created:
            report.created_groups.append(role.value)
        wanted_ids: dict[int, str] = {}
        for perm in sorted(wanted):
            app_label, codename = perm.split(".", 1)
            found = (
                permission_model.objects.using(using)
                .filter(content_type__app_label=app_label, codename=codename)
                .values_list("pk", flat=True)
                .first()
            )
            if found is None:
                if strict:
                    raise ImproperlyConfigured(f"{role}: permission {perm} does not exist")
                report.missing.append(f"{role}: {perm}")
                continue
            wanted_ids[found] = perm
        current = {
            pk: f"{app_label}.{codename}"
            for pk, app_label, codename in group.permissions.values_list(
                "pk", "content_type__app_label", "codename"
            )
        }
        to_add = sorted(set(wanted_ids) - set(current))
        to_remove = sorted(set(current) - set(wanted_ids))
        if to_add:
            group.permissions.add(*to_add)
            report.granted.extend(f"{role}: {wanted_ids[pk]}" for pk in to_add)
        if to_remove:
            group.permissions.remove(*to_remove)
            report.revoked.extend(f"{role}: {current[pk]}" for pk in to_remove)
    return report
