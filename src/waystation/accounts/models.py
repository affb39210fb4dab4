from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class StaffUser(AbstractUser):
    """A member of staff. Applicants never have accounts: they have codenames.

    ``session_generation`` is part of every session; raising it ends all of this user's
    sessions at once (an administrator's "sign out everywhere").
    """

    session_generation = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "staff user"
        permissions = [("manage_staff", "Can add staff, set roles and end their sessions")]
