"""What the relocation views share: acting on a case from its relocation page, or on a
house from its own, after the 404 of one who may not see it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from waystation.cases.selectors import visibility as case_visibility
from waystation.relocation.services.common import RelocationError
from waystation.web.actions import Done, actor, back_to, tell


def act_then(
    request: HttpRequest,
    form: Any | None,
    call: Callable[[], Any],
    done: Done,
    back: HttpResponse,
) -> HttpResponse:
    """Validate, call the service, tell the person what happened, and go ``back``. The
    caller has already raised its 404: outsiders hear nothing about their input. A GET
    (actions that answer it, so that a 404 never differs from a 405) changes nothing.
    Refusals go back as messages and the page is reloaded, never re-rendered here, so
    sealed data is only ever shown with the page's own audit entry."""
    if request.method == "POST":
        tell(request, form, call, done, refused=RelocationError)
    return back


def act(
    request: HttpRequest,
    case_id: str,
    form: Any | None,
    call: Callable[[], Any],
    done: Done,
    anchor: str = "",
) -> HttpResponse:
    """:func:`act_then` on a case, back to its relocation page (at ``anchor``)."""
    # Outsiders get the 404 before anything about their input is said.
    case_visibility.visible_case(user=actor(request), case_id=case_id)
    return act_then(request, form, call, done, back_to("relocation:case", case_id, anchor=anchor))
