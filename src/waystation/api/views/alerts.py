"""Your alerts, and acknowledging one, as on the alerts page."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from waystation.api.serializers import cases as shapes
from waystation.api.serializers.common import PageQuerySerializer
from waystation.api.views.common import (
    ALERT_ID,
    READ_ERRORS,
    WRITE_ERRORS,
    actor,
    page_of_rows,
    query,
)
from waystation.cases.selectors import alerts
from waystation.cases.services import alerts as alert_services
from waystation.cases.services.common import CaseError


class AlertList(APIView):
    @extend_schema(
        operation_id="alerts_list",
        summary="Your open alerts, newest first (kinds and case ids: nothing sealed)",
        parameters=[PageQuerySerializer],
        responses={200: shapes.AlertPageSerializer, **READ_ERRORS},
    )
    def get(self, request: Request) -> Response:
        asked = query(PageQuerySerializer, request)
        rows = alerts.my_alerts(user=actor(request))
        return Response(page_of_rows(rows, shapes.AlertSerializer, asked["page"]))


class AlertResolve(APIView):
    @extend_schema(
        operation_id="alerts_resolve",
        summary="Acknowledge one of your alerts",
        parameters=[ALERT_ID],
        request=None,
        responses={204: OpenApiResponse(description="Acknowledged."), **WRITE_ERRORS},
    )
    def post(self, request: Request, alert_id: str) -> Response:
        try:
            alert_services.resolve_alert(user=actor(request), alert_id=alert_id)
        except CaseError as exc:  # "No such open alert." (or someone else's)
            raise NotFound(str(exc)) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)
