"""Middleware of the public process: what every answer carries, and what every request
must look like, before any view runs."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.encoding import escape_uri_path, iri_to_uri

from waystation.intake import conf

Handler = Callable[[HttpRequest], HttpResponse]

# Nothing inline, nothing from elsewhere, no script at all: the pages work without it.
PUBLIC_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
# Request bodies beyond the attachment limit plus room for the text fields are refused
# before a byte of them is read.
_BODY_MARGIN = 1024 * 1024


class NoTraceHeadersMiddleware:
    """Headers that keep an applicant's visit out of caches, referrers and other sites'
    frames. Outermost, so that static files and error pages carry them too."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Not even the stylesheet is cached: a browser cache is a record of the visit.
        response["Cache-Control"] = "no-store, max-age=0"
        response["Pragma"] = "no-cache"
        response["Referrer-Policy"] = "no-referrer"
        response["Content-Security-Policy"] = PUBLIC_CSP
        response["Permissions-Policy"] = (
            "camera=(), microphone=(), geolocation=(), interest-cohort=(), browsing-topics=()"
        )
        response["X-Frame-Options"] = "DENY"
        response["X-Content-Type-Options"] = "nosniff"
        response["Cross-Origin-Opener-Policy"] = "same-origin"
        response["Cross-Origin-Resource-Policy"] = "same-origin"
        # No cookie is ever set here; make sure nothing below slipped one in.
        response.cookies.clear()
        if "Set-Cookie" in response:
            del response["Set-Cookie"]
        return response


class BodySizeMiddleware:
    """A body announced larger than any acceptable request gets the calm 413 page at
    once; bodies that lie about their size are cut by the upload handler."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > conf.limits().max_request_bytes + _BODY_MARGIN:
            from waystation.intake.public_views import too_large

            return too_large(request)
        return self.get_response(request)


class SameOriginPostMiddleware:
    """Refuses form posts sent from another site.

    Django's CSRF protection needs a cookie, and a cookie is a trace on the applicant's
    device. Nothing on these pages acts for a visitor without the codename, so a forged
    post could not read or change anyone's mailbox; what is left is noise, which these
    browser-set headers stop: ``Sec-Fetch-Site`` and ``Origin`` cannot be set by a page.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            site = request.META.get("HTTP_SEC_FETCH_SITE", "")
            origin = request.META.get("HTTP_ORIGIN", "")
            if site in {"cross-site", "same-site"} or (
                origin and origin != "null" and origin.split("://", 1)[-1] != request.get_host()
            ):
                from waystation.intake.public_views import forbidden

                return forbidden(request)
        return self.get_response(request)


# A language tag as a path prefix: a language, perhaps a region or script ("pt-br").
_LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})?")


def _redirect_for_language_prefix(path: str) -> tuple[str, str] | None:
    """Where a language prefix these pages do not answer should go, as (language, rest
    of the path), else None. A language Django knows but these pages do not have
    (``/de/mailbox/``) goes to the default language; one they have, written in another
    case (``/RU/mailbox/``: the prefixes are matched exactly), to its own spelling.
    Only a whole tag counts: ``/no-such-path`` is an unknown page, not Norwegian."""
    first, _slash, rest = path.lstrip("/").partition("/")
    code = first.lower()
    if not _LANGUAGE_TAG.fullmatch(code):
        return None
    if code not in LANG_INFO and code.split("-")[0] not in LANG_INFO:
        return None
    offered = translation.get_language_from_path(f"/{code}/")
    if offered is None:
        return settings.LANGUAGE_CODE, rest
    if first != offered:
        return offered, rest
    return None


class PathLanguageMiddleware:
    """The language comes from the URL prefix (/ru/…) and nowhere else: no cookie, no
    session. A language these pages do not have (/de/…) is sent to the same page in the
    default language, whose language list is at the top; other unknown prefixes get the
    not-found page in the default language."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in {"GET", "HEAD"}:
            redirect = _redirect_for_language_prefix(request.path_info)
            if redirect is not None:
                language, rest = redirect
                # A redirect, not a cookie: nothing remembers the choice. The rest is
                # quoted again as Django quotes a path (APPEND_SLASH does the same): it
                # was decoded once, and "%3F" or "%23" must stay part of the path, not
                # become a query or a fragment. The query goes along as received.
                location = f"{get_script_prefix()}{language}/{escape_uri_path(rest)}"
                query = request.META.get("QUERY_STRING", "")
                if query:
                    location = f"{location}?{iri_to_uri(query)}"
                return HttpResponseRedirect(location)
        language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()
        response.headers.setdefault("Content-Language", language)
        return response
