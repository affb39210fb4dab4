"""The roles of DESIGN §1, as Django groups with permissions."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    SCREENER = "intake screener"
    CASEWORKER = "caseworker"
    LOGISTICS = "logistics coordinator"
    PROGRAMME_MANAGER = "programme manager"
    DOCUMENTATION = "documentation officer"
    ADMINISTRATOR = "administrator"


# Permissions per role, as "app_label.codename". Administrators manage users and keys
# but get no case permission: they read cases only if granted like anyone else.
ROLE_PERMISSIONS: dict[Role, set[str]] = {
    Role.SCREENER: set(),
    Role.CASEWORKER: set(),
    Role.LOGISTICS: set(),
    Role.PROGRAMME_MANAGER: {"vault.seal_now"},
    Role.DOCUMENTATION: set(),
    Role.ADMINISTRATOR: {"vault.seal_now", "accounts.manage_staff"},
}
