"""Every error the API answers has one shape, ``{"detail": "<sentence>"}``, with
``"errors": {field: [sentences]}`` added when the input was refused field by field.
The sentences are the services' own: a refusal reads as it does on the pages.

A refusal never changes anything (docs/design.md §2.9): input is checked before the
service runs, and the service checks before it writes, in one transaction.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from waystation.api.services.tokens import TokenError
from waystation.cases.services.common import CaseError, CaseNotPermitted
from waystation.partners.services.common import PartnerError

REFUSED_INPUT = "The input was refused; nothing changed. See errors for each field."


def handle(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, CaseNotPermitted):
        return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, CaseError | TokenError | PartnerError):
        return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    response = exception_handler(exc, context)
    if response is None:
        return None  # not ours to shape: a 500, which the server's handler answers
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data if isinstance(response.data, dict) else {"": response.data}
        response.data = {"detail": REFUSED_INPUT, "errors": errors}
    elif not (isinstance(response.data, dict) and set(response.data) == {"detail"}):
        response.data = {"detail": str(getattr(exc, "detail", "The request was refused."))}
    return response
