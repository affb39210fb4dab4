from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.urls import Resolver404, resolve

from waystation.vault import runtime

# Paths that need no keys and reveal nothing: static assets only. Even the sign-in page
# shows "sealed", so that nobody works on while the keys are gone.
_OPEN_PREFIXES = (settings.STATIC_URL,)
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

logger = logging.getLogger(__name__)


# The API's URL namespace: its clients read JSON, so they get the API's one error shape
# (``{"detail": ...}``, docs/api.md) rather than the staff side's HTML page.
_API_NAMESPACE = "api"
SEALED_DETAIL = "The vault is sealed: nothing can be read or changed until the trustees unseal."


def _is_api(request: HttpRequest) -> bool:
    try:
        return resolve(request.path_info).app_names[:1] == [_API_NAMESPACE]
    except Resolver404:
        return False


def _route(request: HttpRequest) -> str:
    """The route's name, never the path: a path holds a case's id, or whatever a
    client typed when it matches no route."""
    try:
        return resolve(request.path_info).view_name or "(unnamed route)"
    except Resolver404:
        return "(no route)"


def _log_refusal(request: HttpRequest, response: HttpResponse) -> None:
    """One readable WARNING line: being sealed is expected operation, not a server error.
    Method and route name only: no path, no address, nothing anyone typed."""
    method = request.method if request.method in _METHODS else "(other method)"
    logger.warning(
        "Sealed: staff page refused with 503 until the trustees unseal: %s %s",
        method,
        _route(request),
    )
    # Django's request logger would add a bare ERROR line for the same 503; this
    # attribute is how Django itself marks a response as already logged.
    response._has_been_logged = True  # type: ignore[attr-defined]


class SealedMiddleware:
    """Every staff page answers with the plain "sealed" page while this process has no
    keys: after "seal now", before unsealing, or when the key agent is gone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # path_info, which URLs are resolved on: request.path also holds SCRIPT_NAME.
        if not request.path_info.startswith(_OPEN_PREFIXES) and not runtime.is_unsealed():
            response: HttpResponse
            if _is_api(request):
                response = JsonResponse({"detail": SEALED_DETAIL}, status=503)
            else:
                response = TemplateResponse(request, "vault/sealed.html", status=503)
                response.render()
            response["Retry-After"] = "300"
            response["Cache-Control"] = "no-store"
            _log_refusal(request, response)
            return response
        return self.get_response(request)
