"""A case's legs and travel documents, read as the relocation page reads them: through
``relocation.selectors.travel.open_relocation``, under its one ``case.opened`` entry."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from waystation.api.serializers import relocation as shapes
from waystation.api.serializers.common import PageQuerySerializer
from waystation.api.views.common import CASE_ID, READ_ERRORS, actor, page_of_rows, query
from waystation.relocation.selectors.travel import open_relocation


class Legs(APIView):
    @extend_schema(
        operation_id="cases_legs_list",
        summary="The case's travel legs, in order",
        parameters=[CASE_ID, PageQuerySerializer],
        responses={200: shapes.LegPageSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, case_id: str) -> Response:
        asked = query(PageQuerySerializer, request)
        opened = open_relocation(user=actor(request), case_id=case_id)
        return Response(page_of_rows(opened.legs, shapes.LegSerializer, asked["page"]))


class Documents(APIView):
    @extend_schema(
        operation_id="cases_documents_list",
        summary="The case's travel documents",
        parameters=[CASE_ID, PageQuerySerializer],
        responses={200: shapes.DocumentPageSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, case_id: str) -> Response:
        asked = query(PageQuerySerializer, request)
        opened = open_relocation(user=actor(request), case_id=case_id)
        return Response(page_of_rows(opened.documents, shapes.DocumentSerializer, asked["page"]))
