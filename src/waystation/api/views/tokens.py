"""API tokens in "My account": the list, a new one (after the password and a fresh code
again), revoking one. Pages, not API routes: a token is never made with a token."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from waystation.accounts.decorators import recent_authentication_required
from waystation.api.forms import NewTokenForm
from waystation.api.selectors import tokens as token_selectors
from waystation.api.services import tokens
from waystation.web.actions import actor


@login_required
@require_GET
def token_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "api/tokens.html",
        {"tokens": token_selectors.my_tokens(user=actor(request)), "form": NewTokenForm()},
    )


@login_required
@recent_authentication_required
@require_http_methods(["GET", "POST"])
def token_create(request: HttpRequest) -> HttpResponse:
    """The token is in this one response only (sent no-store, like every staff page):
    it is not in the session, a message or a redirect, which are stored."""
    form = NewTokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = tokens.create_token(
                user=actor(request),
                scope=form.cleaned_data["scope"],
                days=form.cleaned_data["days"],
            )
        except tokens.TokenError as exc:
            form.add_error(None, str(exc))
        else:
            return render(request, "api/token_created.html", {"issued": issued})
    status = 400 if form.errors else 200
    return render(request, "api/token_new.html", {"form": form}, status=status)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: str) -> HttpResponse:
    try:
        revoked = tokens.revoke_token(user=actor(request), token_id=token_id)
    except tokens.TokenError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Token %(prefix)s… revoked: it no longer works.") % {"prefix": revoked.prefix},
        )
    return redirect("api_tokens:list")
