"""The OpenAPI schema and the Swagger UI that renders it, for staff signed in on the staff
side (or, for the schema, a client with a token). The schema describes the routes; it
holds nobody's data.

Swagger UI's files come from drf-spectacular-sidecar, served by this process as static
files, and the page starts the UI from a script file of its own
(``SpectacularSwaggerSplitView``): the staff side's Content-Security-Policy allows no
inline script and nothing from elsewhere, and this page keeps that policy. It adds only
``connect-src 'self'``, for the UI to fetch the schema and to try requests on this
server.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from waystation.api.authentication import BearerTokenAuthentication


class Schema(SpectacularAPIView):
    authentication_classes = [BearerTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes: list[type] = []  # reads nobody's data; for the signed-in only


class Docs(SpectacularSwaggerSplitView):
    authentication_classes = [SessionAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes: list[type] = []
    url_name = "api:schema"
    template_name = "api/swagger_ui.html"

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response: Response = super().get(request, *args, **kwargs)  # type: ignore[no-untyped-call]  # drf-spectacular's view is untyped
        response["Content-Security-Policy"] = f"{settings.WAYSTATION_CSP}; connect-src 'self'"
        # The start-up script carries the session's CSRF token (drf-spectacular puts it
        # there for the UI's own requests): no other site may load it as a script. The
        # session cookie is SameSite=Strict as well, so such a load would not be signed in.
        response["Cross-Origin-Resource-Policy"] = "same-origin"
        return response


schema = Schema.as_view()
# A browser that is not signed in is sent to the sign-in page, not shown a 403.
docs = login_required(Docs.as_view())
