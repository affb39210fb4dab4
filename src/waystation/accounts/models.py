from __future__ import annotations

from typing import Any, ClassVar, TypeAlias

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower


class StaffUserManager(UserManager["StaffUser"]):
    def create_superuser(self, *args: Any, **kwargs: Any) -> StaffUser:
        # A superuser passes every permission check, so it would read cases without being
        # granted them (docs/design.md §2.5). Administrators are a role like any other.
        raise ValueError(
            "Waystation has no superusers: create an administrator with "
            "`waystation staff create --role administrator`."
        )


class StaffUser(AbstractUser):
    """A member of staff. Applicants never have accounts: they have codenames.

    ``session_generation`` is part of every session; raising it ends all of this user's
    sessions at once (an administrator's "sign out everywhere").

    ``password_change_required`` is set when an administrator chose the password: the
    administrator knows it, so the first sign-in ends with the person choosing their own.
    """

    session_generation = models.PositiveIntegerField(default=0)
    password_change_required = models.BooleanField(default=False)

    objects: ClassVar[StaffUserManager] = StaffUserManager()

    class Meta:
        verbose_name = "staff user"
        # "Alice" and "alice" would be two people to the database and one to a reader.
        constraints = [
            models.UniqueConstraint(Lower("username"), name="staffuser_username_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(is_superuser=False), name="staffuser_never_superuser"
            ),
        ]
        permissions = [
            ("manage_staff", "Can add staff, set roles and end their sessions"),
            ("view_status", "Can see the installation's status (no personal data)"),
        ]


# The member of staff taking an action: what every service and selector takes as its
# ``user``. Applicants never act as one (they have codenames); the system acts with
# ``actor_id=None``.
Actor: TypeAlias = StaffUser


class LoginThrottle(models.Model):
    """Failed sign-in attempts against one username (or one user's second factor).

    Kept in the database so that every worker of a multi-process server counts the
    same failures. ``key`` is a keyed hash of the normalised username, never the name
    itself, and nothing here says where an attempt came from: Waystation writes no
    client address anywhere (docs/design.md §2.4), so throttling is per account, not per client.
    """

    key = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True, blank=True, db_index=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"throttle {self.key[:8]}… ({self.failures} failures)"
