"""Rate limits per token (not per client address: Waystation records none, docs/design.md
§2.4), one budget for reads and one for writes. Rates are
``settings.WAYSTATION_API_RATES`` (``"120/min"``, ...), read at every request so that a
change of settings applies at once.

Counts live in Django's cache. With the default local-memory cache each worker process
counts for itself, so a server with N workers lets a token do up to N times the rate;
an operator who needs the exact figure points ``CACHES`` at a shared cache
(docs/api.md#rate-limits)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from waystation.api.models import ApiToken


class _TokenThrottle(SimpleRateThrottle):
    scope = ""
    safe: bool

    def get_rate(self) -> str | None:
        # Called when the throttle is made, once per request.
        rates: dict[str, str] = settings.WAYSTATION_API_RATES
        return rates.get(self.scope)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        token = request.auth
        if not isinstance(token, ApiToken) or (request.method in SAFE_METHODS) != self.safe:
            return None  # another budget's request, or refused before it gets here
        return f"waystation-api-throttle:{self.scope}:{token.pk}"


class ReadThrottle(_TokenThrottle):
    scope = "read"
    safe = True


class WriteThrottle(_TokenThrottle):
    scope = "write"
    safe = False
