"""The administrators' status page and the monitoring probe. Both read the checks of
``checks.py`` and decide nothing themselves."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_safe

from waystation.status import checks

VIEW_STATUS = "accounts.view_status"


@login_required
@permission_required(VIEW_STATUS, raise_exception=True)
@require_GET
def status_page(request: HttpRequest) -> HttpResponse:
    return render(request, "status/page.html", {"report": checks.run_checks()})


# Reached only through status.middleware.HealthMiddleware, never through the URLconf.
@require_safe
def health(request: HttpRequest) -> HttpResponse:
    if request.META.get("QUERY_STRING"):
        return HttpResponseBadRequest(
            "/health takes no query string.\n", content_type="text/plain; charset=utf-8"
        )
    found = checks.health()
    response = JsonResponse(
        {"sealed": found.sealed, "ok": found.ok}, status=200 if found.ok else 503
    )
    # CommonMiddleware, which would add the length, is not reached: a length, not chunks.
    response["Content-Length"] = str(len(response.content))
    if request.method == "HEAD":
        response.content = b""  # the length stays that of the GET (RFC 9110)
    response["Cache-Control"] = "no-store"
    return response
