from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class SecurityHeadersMiddleware:
    """Headers Django does not set by itself: a strict CSP (nothing inline, nothing from
    elsewhere), and no caching of pages that may show personal data."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.WAYSTATION_CSP)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        # path_info, as URL resolution: a page must not pass for a cacheable static file
        # by way of SCRIPT_NAME.
        if not request.path_info.startswith(settings.STATIC_URL):
            response["Cache-Control"] = "no-store"
        return response
