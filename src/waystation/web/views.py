from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

# Error pages: plain words, the demo banner, never a trace or the request's data.


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return render(
        request, "waystation/error.html", {"title": title, "message": message}, status=status
    )


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
        return _error(
            request,
            400,
            _("Too large"),
            _(
                "What you sent is too large: the site takes at most %(limit)s MB at once, "
                "and text in scripts other than Latin counts up to six times. Nothing was "
                "saved. Go back and shorten it, or send it in parts."
            )
            % {"limit": limit},
        )
    return _error(request, 400, _("Bad request"), _("The request could not be understood."))


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(request, 403, _("Not allowed"), _("Your role does not allow this."))


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(
        request, 404, _("Not found"), _("There is nothing here, or nothing you have access to.")
    )


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: whatever failed (the database, a session) must not fail again.
    html = render_to_string(
        "waystation/error.html",
        {
            "title": _("Something went wrong"),
            "message": _(
                "The error is logged, without what you typed. If you were saving "
                "something, look whether it was saved before you try again."
            ),
            "demo_mode": settings.DEMO_MODE,
            "bare": True,
        },
    )
    return HttpResponseServerError(html)
