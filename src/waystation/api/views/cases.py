"""Cases, their timeline, notes, tasks and check-ins. Every view asks the same selector
or service as the case page: a case the token's owner may not see is a 404 on every
route (as a case that does not exist), and every opening of sealed data is the page's
``case.opened`` audit entry."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from waystation.api.serializers import cases as shapes
from waystation.api.serializers.common import PageQuerySerializer
from waystation.api.views.common import (
    CASE_ID,
    READ_ERRORS,
    TASK_ID,
    WRITE_ERRORS,
    actor,
    page_of_rows,
    query,
)
from waystation.cases.selectors import case_file, lists, visibility
from waystation.cases.services import check_ins, daily_work
from waystation.cases.services.common import CaseError, CaseNotPermitted


def _checked(request: Request, serializer_class: Any, case_id: str) -> dict[str, Any]:
    """The body, checked, for a case the user may see. The case comes first: a case one
    may not see answers 404 whatever was sent, as the pages do (``cases.views._act``)."""
    visibility.visible_case(user=actor(request), case_id=case_id)
    checked = serializer_class(data=request.data)
    checked.is_valid(raise_exception=True)
    return dict(checked.validated_data)


class CaseList(APIView):
    @extend_schema(
        operation_id="cases_list",
        summary="The case queue (or your cases): operational fields only",
        parameters=[shapes.CaseListQuerySerializer],
        responses={200: shapes.CasePageSerializer, **READ_ERRORS},
    )
    def get(self, request: Request) -> Response:
        asked = query(shapes.CaseListQuerySerializer, request)
        user = actor(request)
        if asked["mine"]:
            found = lists.my_cases(user=user, page=asked["page"])
        else:
            found = lists.case_queue(user=user, page=asked["page"], stage=asked.get("stage", ""))
        page = found.page
        return Response(
            {
                "count": page.paginator.count,
                "page": page.number,
                "pages": page.paginator.num_pages,
                "page_size": page.paginator.per_page,
                "next": page.next_page_number() if page.has_next() else None,
                "previous": page.previous_page_number() if page.has_previous() else None,
                "results": shapes.CaseRowSerializer(found.rows, many=True).data,
            }
        )


class CaseDetail(APIView):
    @extend_schema(
        operation_id="cases_retrieve",
        summary="One case, opened (an audit entry, as the case page)",
        parameters=[CASE_ID],
        responses={200: shapes.CaseSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, case_id: str) -> Response:
        opened = case_file.open_case(user=actor(request), case_id=case_id)
        return Response(shapes.CaseSerializer(opened).data)


class Timeline(APIView):
    @extend_schema(
        operation_id="cases_timeline",
        summary="The case's timeline: messages, notes, stage moves, tasks, risk, check-ins",
        parameters=[CASE_ID, shapes.TimelineQuerySerializer],
        responses={200: shapes.TimelinePageSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, case_id: str) -> Response:
        asked = query(shapes.TimelineQuerySerializer, request)
        opened = case_file.open_case(user=actor(request), case_id=case_id)
        entries = opened.timeline
        if kind := asked.get("kind"):
            entries = [e for e in entries if e.kind == kind]
        return Response(page_of_rows(entries, shapes.TimelineEntrySerializer, asked["page"]))


class Notes(APIView):
    @extend_schema(
        operation_id="cases_notes_create",
        summary="Add a note (as on the case page)",
        parameters=[CASE_ID],
        request=shapes.NoteInputSerializer,
        responses={201: shapes.NoteCreatedSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, case_id: str) -> Response:
        data = _checked(request, shapes.NoteInputSerializer, case_id)
        note = daily_work.add_note(
            user=actor(request), case_id=case_id, text=data["text"], kind=data["kind"]
        )
        return Response(shapes.NoteCreatedSerializer(note).data, status=status.HTTP_201_CREATED)


class Tasks(APIView):
    @extend_schema(
        operation_id="cases_tasks_list",
        summary="The case's tasks, open ones first",
        parameters=[CASE_ID, PageQuerySerializer],
        responses={200: shapes.TaskPageSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, case_id: str) -> Response:
        asked = query(PageQuerySerializer, request)
        opened = case_file.open_case(user=actor(request), case_id=case_id)
        return Response(page_of_rows(opened.tasks, shapes.TaskSerializer, asked["page"]))

    @extend_schema(
        operation_id="cases_tasks_create",
        summary="Add a task, for yourself (as on the case page)",
        parameters=[CASE_ID],
        request=shapes.TaskInputSerializer,
        responses={201: shapes.TaskCreatedSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, case_id: str) -> Response:
        data = _checked(request, shapes.TaskInputSerializer, case_id)
        task = daily_work.add_task(
            user=actor(request), case_id=case_id, title=data["title"], due_at=data["due_at"]
        )
        return Response(shapes.TaskCreatedSerializer(task).data, status=status.HTTP_201_CREATED)


class TaskDone(APIView):
    @extend_schema(
        operation_id="cases_tasks_done",
        summary="Mark an open task done",
        parameters=[CASE_ID, TASK_ID],
        request=None,
        responses={204: OpenApiResponse(description="Done."), **WRITE_ERRORS},
    )
    def post(self, request: Request, case_id: str, task_id: str) -> Response:
        try:
            daily_work.complete_task(user=actor(request), case_id=case_id, task_id=task_id)
        except CaseNotPermitted:
            raise
        except CaseError as exc:  # "No such open task."
            raise NotFound(str(exc)) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class CheckIns(APIView):
    @extend_schema(
        operation_id="cases_check_ins_create",
        summary="Record that you heard from the person: the check-in schedule starts again",
        parameters=[CASE_ID],
        request=None,
        responses={204: OpenApiResponse(description="Recorded."), **WRITE_ERRORS},
    )
    def post(self, request: Request, case_id: str) -> Response:
        check_ins.record_check_in(user=actor(request), case_id=case_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
