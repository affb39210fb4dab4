from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict

from waystation.web import invisible

if TYPE_CHECKING:
    from django.http.request import _ImmutableQueryDict


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


class ShowInvisibleCharactersMiddleware:
    """Every staff page shows bidi controls, zero-width and other invisible characters
    as visible markers (see :mod:`waystation.web.invisible`), whichever template,
    form or message put them there; and markers that come back in a form's fields turn
    into the characters again, so that saving a form unchanged changes nothing.

    It sits outside everything that renders, so it sees each page as sent."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (query := _restored(request.GET)) is not None:
            request.GET = query
        response = self.get_response(request)
        if not response.streaming and response.get("Content-Type", "").startswith("text/html"):
            charset = response.charset
            page = response.content.decode(charset, errors="surrogateescape")
            shown = invisible.neutralise_html(page)
            if shown != page:
                response.content = shown.encode(charset, errors="surrogateescape")
                if response.has_header("Content-Length"):
                    response["Content-Length"] = str(len(response.content))
        return response

    def process_view(
        self, request: HttpRequest, view: Callable[..., HttpResponse], *args: object
    ) -> None:
        # Here, not in __call__: a view marked ``reads_body_itself`` (an upload with a
        # size check of its own) is reached without anything having read its body. It
        # runs before CsrfViewMiddleware's process_view, so CSRF sees the form restored.
        if getattr(view, "reads_body_itself", False):
            return
        if request.method == "POST" and (form := _restored(request.POST)) is not None:
            request.POST = form


def _restored(data: QueryDict) -> _ImmutableQueryDict | None:
    """A copy of the form data with markers turned back into characters; None when
    there are none (the usual case: nothing is copied)."""
    if not any(invisible.MARKER_START in value for _, values in data.lists() for value in values):
        return None
    restored = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        restored.setlist(key, [invisible.restore(value) for value in values])
    restored._mutable = False
    return cast("_ImmutableQueryDict", restored)
