"""What the relocation views share: acting on a case from its relocation page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from waystation.cases.selectors import visibility as case_visibility
from waystation.relocation.services.common import RelocationError
from waystation.web.actions import Done, actor, back_to, tell


def act(
    request: HttpRequest,
    case_id: str,
    form: Any | None,
    call: Callable[[], Any],
    done: Done,
    anchor: str = "",
) -> HttpResponse:
    """Validate, call the service, tell the person what happened, back to the page.
    Refusals go back as messages and the page is reloaded, never re-rendered here, so
    sealed data is only ever shown with the page's own audit entry."""
    # Outsiders get the 404 before anything about their input is said.
    case_visibility.visible_case(user=actor(request), case_id=case_id)
    tell(request, form, call, done, refused=RelocationError)
    return back_to("relocation:case", case_id, anchor=anchor)
