"""``Authorization: Bearer <token>``, the API's only way in.

Sessions are not accepted on ``/api/v1/``: a browser sends its session cookie by itself,
so an API that took it would need CSRF tokens on every write, and a page of another
site could ride a signed-in person's session. A bearer token is sent only by a client
that holds it. (The schema and docs pages, read by staff in their browser, accept the
session too: they only read, and show no one's data.)
"""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from waystation.api.models import ApiToken, Scope
from waystation.api.selectors import tokens

KEYWORD = b"bearer"
# One sentence for every refused token, whatever the reason (expired, revoked, ended by
# a seal or "sign out everywhere", its owner deactivated, no such token): the answer
# must not tell someone holding a stolen token which of these happened.
REFUSED = "The token is not valid: it may have expired or been revoked."
MALFORMED = "Send the token as 'Authorization: Bearer <token>'."


class PartnerCaller:
    """``request.user`` for a partner organisation's token: it is no member of staff,
    has no permission and sees no case, so a staff route that somehow let it past the
    scope check would still find nothing (``views.common.actor`` refuses it)."""

    is_authenticated = True
    is_anonymous = False
    is_active = False  # no staff account: every ``user.is_active`` check says no
    is_staff = False
    is_superuser = False
    pk = None

    def __init__(self, token: ApiToken) -> None:
        assert token.partner is not None
        self.partner = token.partner

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return False

    def __str__(self) -> str:
        return f"partner {self.partner.pk}"


class BearerTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = get_authorization_header(request)
        if not header:
            return None
        parts = header.split()
        if len(parts) != 2 or parts[0].lower() != KEYWORD:
            raise AuthenticationFailed(MALFORMED)
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(MALFORMED) from None
        token = tokens.usable_token(secret)
        if token is None:
            raise AuthenticationFailed(REFUSED)
        if token.scope == Scope.PARTNER:
            return PartnerCaller(token), token
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # Makes an unauthenticated request a 401 (with this challenge), not a 403.
        return 'Bearer realm="waystation"'
