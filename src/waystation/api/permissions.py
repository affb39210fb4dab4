"""What a token's scope lets it do. Who may see or do what on a case is not decided
here: the selectors and services of ``cases`` and ``relocation`` decide it, for the API
exactly as for the pages."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from waystation.api.models import ApiToken, Scope

# Which methods each scope may use on the staff routes. The partner scope is not listed:
# a partner's token uses none of them (its routes check ``PartnerScope`` instead).
ALLOWED_METHODS: dict[str, frozenset[str]] = {
    Scope.READ: frozenset(SAFE_METHODS),
    Scope.WRITE: frozenset(SAFE_METHODS) | {"POST"},
}

READ_ONLY = "This token is read-only: make a read-and-write token in My account to do this."
NOT_FOR_PARTNERS = "A partner's token reaches only that partner's referral routes."
PARTNERS_ONLY = "This route is for a partner organisation's token, not a personal one."


class TokenScope(BasePermission):
    """The staff routes (the default permission): a personal token, by its scope."""

    message = READ_ONLY

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        if token.scope == Scope.PARTNER:
            self.message = NOT_FOR_PARTNERS
            return False
        return request.method in ALLOWED_METHODS.get(token.scope, frozenset())


class PartnerScope(BasePermission):
    """The partner routes: a partner's token only, which may read and post there (each
    route then works on that partner's referrals only)."""

    message = PARTNERS_ONLY

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        return (
            isinstance(token, ApiToken)
            and token.scope == Scope.PARTNER
            and token.partner_id is not None
            and request.method in (frozenset(SAFE_METHODS) | {"POST"})
        )
