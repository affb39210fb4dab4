"""What a token's scope lets it do. Who may see or do what on a case is not decided
here: the selectors and services of ``cases`` and ``relocation`` decide it, for the API
exactly as for the pages."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from waystation.api.models import ApiToken, Scope

# Which methods each scope may use. A scope not listed (a future partner scope, before
# its endpoints exist) may use none.
ALLOWED_METHODS: dict[str, frozenset[str]] = {
    Scope.READ: frozenset(SAFE_METHODS),
    Scope.WRITE: frozenset(SAFE_METHODS) | {"POST"},
}


class TokenScope(BasePermission):
    message = "This token is read-only: make a read-and-write token in My account to do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        return request.method in ALLOWED_METHODS.get(token.scope, frozenset())
