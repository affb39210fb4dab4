"""What the API's views share: the acting member of staff, the query parsers, pages of a
list, and the error answers every operation documents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from waystation.accounts.models import Actor, StaffUser
from waystation.api.serializers.common import ErrorSerializer

PAGE_SIZE = 50


def actor(request: Request) -> Actor:
    """The member of staff the request's token speaks for (the authentication and
    permission classes ran first; anyone else here is a bug, and refused)."""
    user = request.user
    if not isinstance(user, StaffUser):
        raise NotAuthenticated
    return user


def query(serializer_class: type[serializers.Serializer[Any]], request: Request) -> dict[str, Any]:
    """The query string, checked by ``serializer_class`` (a 400 with the field's
    sentence if it does not fit)."""
    checked = serializer_class(data=request.query_params)
    checked.is_valid(raise_exception=True)
    return dict(checked.validated_data)


def page_of_rows(
    rows: Sequence[Any], serializer_class: type[serializers.Serializer[Any]], page: int
) -> dict[str, Any]:
    """One page of a list the selector has already cut to what the user may see. A page
    past the end is the last one (as on the pages)."""
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(max(1, page), pages)
    start = (page - 1) * PAGE_SIZE
    return {
        "count": len(rows),
        "page": page,
        "pages": pages,
        "page_size": PAGE_SIZE,
        "next": page + 1 if page < pages else None,
        "previous": page - 1 if page > 1 else None,
        "results": serializer_class(rows[start : start + PAGE_SIZE], many=True).data,
    }


_DESCRIPTIONS = {
    400: "Refused: the input did not fit, or the action was refused (the sentence says why).",
    401: "No token, a malformed Authorization header, or a token that no longer works.",
    403: "The token is read-only, or your role does not allow this.",
    404: "No such thing, or one you may not see: the two answers are the same.",
    413: "The request body is too large.",
    415: "The body is not JSON.",
    429: "Too many requests with this token: wait for Retry-After seconds.",
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {
        code: OpenApiResponse(response=ErrorSerializer, description=_DESCRIPTIONS[code])
        for code in codes
    }


READ_ERRORS = errors(400, 401, 403, 404, 429)
WRITE_ERRORS = errors(400, 401, 403, 404, 413, 415, 429)

# Row ids are 16 characters of lowercase base32 (waystation.ids). Saying so lets a
# client (and the schemathesis run) tell an id from a path that is no route at all.
ID_PATTERN = "^[a-z2-7]{16}$"


def path_id(name: str, what: str) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        str,
        OpenApiParameter.PATH,
        required=True,
        pattern=ID_PATTERN,
        description=f"The {what}'s id.",
    )


CASE_ID = path_id("case_id", "case")
TASK_ID = path_id("task_id", "task")
ALERT_ID = path_id("alert_id", "alert")
