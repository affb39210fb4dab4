"""A partner organisation's API tokens, from its page (``/partners/<id>/api-tokens/``):
the list, a new one (after the password and a fresh code again, as for a personal
token) and revoking one. For programme managers (``partners.manage_partners``); pages,
not API routes: no token is made with a token."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from waystation.accounts.decorators import recent_authentication_required
from waystation.api.forms import NewPartnerTokenForm
from waystation.api.selectors import tokens as token_selectors
from waystation.api.services import tokens
from waystation.partners.models import Partner
from waystation.partners.services.common import MANAGE_PARTNERS, PartnerError
from waystation.partners.services.partners import partner_for
from waystation.web.actions import actor


def _managed_partner(request: HttpRequest, partner_id: str) -> Partner:
    user = actor(request)
    if not user.has_perm(MANAGE_PARTNERS):
        raise PermissionDenied
    try:
        return partner_for(partner_id)
    except PartnerError:
        raise Http404(_("No such partner.")) from None


@login_required
@require_GET
def partner_token_list(request: HttpRequest, partner_id: str) -> HttpResponse:
    partner = _managed_partner(request, partner_id)
    return render(
        request,
        "api/partner_tokens.html",
        {
            "partner": partner,
            "tokens": token_selectors.partner_tokens(user=actor(request), partner_id=partner_id),
        },
    )


@login_required
@recent_authentication_required
@require_http_methods(["GET", "POST"])
def partner_token_create(request: HttpRequest, partner_id: str) -> HttpResponse:
    """Shown in this one response only, as a personal token is: the programme manager
    hands it to the partner by a route they trust."""
    partner = _managed_partner(request, partner_id)
    form = NewPartnerTokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = tokens.create_partner_token(
                user=actor(request), partner_id=partner_id, days=form.cleaned_data["days"]
            )
        except tokens.TokenError as exc:
            form.add_error(None, str(exc))
        else:
            return render(
                request, "api/partner_token_created.html", {"issued": issued, "partner": partner}
            )
    status = 400 if form.errors else 200
    return render(
        request, "api/partner_token_new.html", {"form": form, "partner": partner}, status=status
    )


@login_required
@require_POST
def partner_token_revoke(request: HttpRequest, partner_id: str, token_id: str) -> HttpResponse:
    _managed_partner(request, partner_id)
    try:
        revoked = tokens.revoke_partner_token(
            user=actor(request), partner_id=partner_id, token_id=token_id
        )
    except tokens.TokenError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Token %(prefix)s… revoked: it no longer works.") % {"prefix": revoked.prefix},
        )
    return redirect("api_partner_tokens:list", partner_id=partner_id)
