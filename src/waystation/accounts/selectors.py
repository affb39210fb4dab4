"""Reading staff accounts. Queries that list other people's accounts take the acting
user and refuse anyone who may not manage staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404

from waystation.accounts.models import (
    RecoveryCode,
    SealedTOTPDevice,
    SecurityKeyDevice,
    StaffUser,
)
from waystation.accounts.roles import Role

MANAGE_STAFF = "accounts.manage_staff"


@dataclass(frozen=True)
class StaffRow:
    pk: int
    username: str
    role: Role | None
    is_active: bool
    two_factor: bool
    last_login: datetime | None


def role_of(user: StaffUser) -> Role | None:
    names = {group.name for group in user.groups.all()}
    return next((role for role in Role if role.value in names), None)


def has_confirmed_totp(user: StaffUser) -> bool:
    return bool(SealedTOTPDevice.objects.filter(user=user, confirmed=True).exists())


@dataclass(frozen=True)
class SecurityKeyRow:
    pk: int
    label: str
    created_at: datetime | None
    last_used_at: datetime | None


def security_keys(user: StaffUser) -> list[SecurityKeyRow]:
    """One's own keys, with the names one gave them (opened from the vault)."""
    return [
        SecurityKeyRow(
            pk=device.pk,
            label=str(device.label or ""),
            created_at=device.created_at,
            last_used_at=device.last_used_at,
        )
        for device in SecurityKeyDevice.objects.filter(user=user, confirmed=True).order_by("pk")
    ]


def has_security_key(user: StaffUser) -> bool:
    return bool(SecurityKeyDevice.objects.filter(user=user, confirmed=True).exists())


def recovery_codes_left(user: StaffUser) -> int:
    return int(RecoveryCode.objects.filter(device__user=user, device__confirmed=True).count())


def staff_directory(*, user: StaffUser) -> list[StaffRow]:
    _require_manage_staff(user)
    members = (
        StaffUser.objects.order_by("username")
        .prefetch_related(Prefetch("groups", queryset=Group.objects.only("name")))
        .annotate(
            has_totp=Exists(SealedTOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
        )
    )
    return [
        StaffRow(
            pk=member.pk,
            username=member.get_username(),
            role=role_of(member),
            is_active=member.is_active,
            two_factor=bool(member.has_totp),
            last_login=member.last_login,
        )
        for member in members
    ]


def staff_member(*, user: StaffUser, pk: int) -> StaffUser:
    _require_manage_staff(user)
    member = StaffUser.objects.filter(pk=pk).first()
    if member is None:
        raise Http404("No such member of staff.")
    return member


def _require_manage_staff(user: StaffUser) -> None:
    if not user.has_perm(MANAGE_STAFF):
        raise PermissionDenied
