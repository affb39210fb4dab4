from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from waystation.vault import runtime

# Paths that need no keys and reveal nothing: static assets only. Even the sign-in page
# shows "sealed", so that nobody works on while the keys are gone.
_OPEN_PREFIXES = (settings.STATIC_URL,)


class SealedMiddleware:
    """Every staff page answers with the plain "sealed" page while this process has no
    keys: after "seal now", before unsealing, or when the key agent is gone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # path_info, which URLs are resolved on: request.path also holds SCRIPT_NAME.
        if not request.path_info.startswith(_OPEN_PREFIXES) and not runtime.is_unsealed():
            response = TemplateResponse(request, "vault/sealed.html", status=503)
            response["Retry-After"] = "300"
            return response.render()
        return self.get_response(request)
