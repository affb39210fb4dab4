from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from waystation.status import views

HEALTH_PATH = "/health"


class HealthMiddleware:
    """Answers ``/health`` (the exact path, nothing under or beside it) before sessions,
    sign-in, CSRF and the seal are looked at.

    Why before them: the answer must depend on nothing the client sends but the method
    and the query string. A stale session cookie must not turn it into a redirect to the
    sign-in page, a cookie must not make it read the session table (with the database
    down that would be a 500, where a monitor needs a 503), and while sealed it must
    answer "sealed" itself instead of the sealed page, so that a monitor can tell a
    sealed server from one that is down. It sits after the security headers, so it is
    sent with ``no-store`` and the CSP like every page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # path_info, which URLs are resolved on: request.path also holds SCRIPT_NAME.
        if request.path_info == HEALTH_PATH:
            # Host checked as for every page (a 400 for a name not in ALLOWED_HOSTS): a
            # page on another site that rebinds its name to this server learns nothing.
            request.get_host()
            return views.health(request)
        return self.get_response(request)
