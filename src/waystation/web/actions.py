"""What the staff pages' views share: the member of staff acting, going back to a page,
and telling the person what became of their form or action.

``web`` sits above ``accounts`` (it knows the :data:`~waystation.accounts.models.Actor`)
and below every app with staff pages (intake, cases, relocation): nothing here knows a
case, a request or a house, so each app keeps its own rule of what to check first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from waystation.accounts.models import Actor, StaffUser

Done = str | Callable[[Any], str]


def actor(request: HttpRequest) -> Actor:
    """The signed-in member of staff this request acts for. Staff views sit behind
    ``login_required`` and the accounts middleware, so anyone else here is a bug: it is
    refused rather than passed on as a user that services would have to doubt."""
    user = request.user
    if not isinstance(user, StaffUser):
        raise PermissionDenied
    return user


def back_to(view: str, *args: str, anchor: str = "") -> HttpResponse:
    """Redirect to a page (POST, redirect, GET), at one of its sections."""
    url = reverse(view, args=args)
    return redirect(f"{url}#{anchor}" if anchor else url)


def form_errors_to_messages(request: HttpRequest, form: Any) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def tell(
    request: HttpRequest,
    form: Any | None,
    call: Callable[[], Any],
    done: Done,
    *,
    refused: type[Exception],
) -> None:
    """Validate, call the service, and say what happened in the person's words: refused
    input or a refused action (``refused``, the app's error) is an error message and
    changes nothing; anything else (a 404 of something one may not see) is not caught."""
    if form is not None and not form.is_valid():
        form_errors_to_messages(request, form)
        return
    try:
        result = call()
    except refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done(result) if callable(done) else done)


def reads_body_itself(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view that reads its own body after checking the announced size: no
    middleware of ours reads it first. The view must check CSRF itself (``csrf_exempt``
    outside, ``csrf_protect`` inside, after the size check)."""
    view.reads_body_itself = True  # type: ignore[attr-defined]
    return view
