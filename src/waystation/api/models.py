"""Personal API tokens.

A token is 32 random bytes, shown to its owner once. The database keeps only what
cannot be turned back into it: the SHA-256 digest of the whole token (``digest``, how a
request's token is found) and a short prefix (``prefix``: the first characters of the
random part, for the owner to tell tokens apart and for a leaked token to be matched to
its row). A copy of the database therefore holds no usable token (docs/design.md §2.1).

Fields: all operational; no token row holds anything about a person. A personal token's
owner is a member of staff (``user``); ``session_generation`` is the owner's at creation,
so that "sign out everywhere" (which raises the owner's generation) ends every token as
it ends every session.

A partner token (scope ``partner``) belongs to one partner organisation (``partner``)
and to no member of staff (``user`` is empty): it speaks for the partner alone, and
reaches only that partner's referral routes. ``issued_by_id`` is the programme manager
who made it (an id, as in the audit log).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from waystation.ids import random_id_field


class Scope(models.TextChoices):
    """What a token may do. ``read`` reads; ``write`` also takes the actions the pages
    allow (notes, tasks, check-ins, acknowledging alerts). ``partner``: a partner
    organisation's token, its referral routes only (``views.partner``)."""

    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")
    PARTNER = "partner", _("Partner organisation")


class EndedBy(models.TextChoices):
    """Why a token stopped working before its expiry (operational; for its owner)."""

    OWNER = "owner", _("revoked by you")
    SEAL = "seal", _("ended when the vault was sealed")
    MANAGER = "manager", _("revoked by a programme manager")


class ApiToken(models.Model):
    id = random_id_field()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        null=True,
        blank=True,
    )
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.CASCADE,
        related_name="api_tokens",
        null=True,
        blank=True,
    )
    issued_by_id = models.BigIntegerField(null=True, blank=True)
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64, unique=True)  # SHA-256, hex
    scope = models.CharField(max_length=8, choices=Scope.choices)
    session_generation = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.CharField(max_length=8, choices=EndedBy.choices, blank=True)

    objects: ClassVar[models.Manager[ApiToken]] = models.Manager()

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"], name="api_token_user_in_use")]
        constraints = [
            # A token speaks for exactly one: a member of staff (read, write) or a
            # partner (partner). Never both, never neither.
            models.CheckConstraint(
                condition=(
                    models.Q(scope="partner", user__isnull=True, partner__isnull=False)
                    | (
                        models.Q(user__isnull=False, partner__isnull=True)
                        & ~models.Q(scope="partner")
                    )
                ),
                name="api_token_speaks_for_one",
            )
        ]

    def __str__(self) -> str:
        return f"API token {self.prefix}…"

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix}>"
