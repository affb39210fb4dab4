"""A case's referrals: the list with the form for a new one, one referral (opened,
audited), and its actions. Every route names the case, and a case the user may not see
is a 404 before anything else is looked at or said (``CaseNotFound`` is never caught)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from waystation.accounts.models import Actor
from waystation.cases.models import Case
from waystation.cases.selectors import visibility as case_visibility
from waystation.partners.forms.referrals import ConsentForm, ReferralForm, UpdateForm
from waystation.partners.models import ReferralState
from waystation.partners.selectors import partners as partner_selectors
from waystation.partners.selectors import referrals as selectors
from waystation.partners.services import referrals as services
from waystation.partners.services.common import (
    APPROVE_REFERRAL,
    MAKE_REFERRAL,
    PartnerError,
    may_use_partners,
)
from waystation.web.actions import Done, actor, back_to, tell


def _act(
    request: HttpRequest,
    case_id: str,
    referral_id: str,
    form: Any | None,
    call: Callable[[], Any],
    done: Done,
) -> HttpResponse:
    # Outsiders get the 404 before anything about their input is said.
    case_visibility.visible_case(user=actor(request), case_id=case_id)
    tell(request, form, call, done, refused=PartnerError)
    return back_to("partners:referral", case_id, referral_id)


def _referral_form(user: Actor, case: Case, data: QueryDict | None = None) -> ReferralForm:
    """The new-referral form, shown and posted alike: the active partners with a key
    that this user may refer to (none for a role that may not), and the case's files
    (their names are sealed: listing them is on the audit record)."""
    partners = partner_selectors.partner_choices(user=user) if may_use_partners(user) else []
    return ReferralForm(
        data,
        auto_id="referral-%s",
        partners=partners,
        files=selectors.file_choices(user=user, case=case),
    )


@login_required
@require_GET
def case_referrals(request: HttpRequest, case_id: str) -> HttpResponse:
    user = actor(request)
    case, rows = selectors.case_referrals(user=user, case_id=case_id)
    form = None
    if user.has_perm(MAKE_REFERRAL) and may_use_partners(user):
        form = _referral_form(user, case)
    return render(request, "partners/case.html", {"case": case, "referrals": rows, "form": form})


@login_required
@require_POST
def create_referral(request: HttpRequest, case_id: str) -> HttpResponse:
    user = actor(request)
    case = case_visibility.visible_case(user=user, case_id=case_id)
    form = _referral_form(user, case, request.POST)
    made: list[str] = []

    def call() -> object:
        referral = services.create_referral(user=user, case_id=case_id, draft=form.to_input())
        made.append(referral.id)
        return referral

    tell(
        request,
        form,
        call,
        _("Referral drafted. Record consent, then ask for approval."),
        refused=PartnerError,
    )
    if made:
        return back_to("partners:referral", case_id, made[0])
    return back_to("partners:case", case_id)


@login_required
@require_GET
def referral_detail(request: HttpRequest, case_id: str, referral_id: str) -> HttpResponse:
    user = actor(request)
    shown = selectors.open_referral(user=user, case_id=case_id, referral_id=referral_id)
    referral = shown.referral
    can_work = user.has_perm(MAKE_REFERRAL)
    pending = referral.state in (ReferralState.DRAFT, ReferralState.APPROVED)
    return render(
        request,
        "partners/referral.html",
        {
            "case_id": case_id,
            "shown": shown,
            "referral": referral,
            "can_work": can_work,
            "pending": pending,
            "can_approve": user.has_perm(APPROVE_REFERRAL) and referral.created_by_id != user.pk,
            "consent_form": ConsentForm(auto_id="consent-%s") if can_work and pending else None,
            "update_form": UpdateForm(auto_id="update-%s") if can_work else None,
            "downloadable": referral.state == ReferralState.APPROVED and referral.sent_at is None,
        },
    )


@login_required
@require_POST
def record_consent(request: HttpRequest, case_id: str, referral_id: str) -> HttpResponse:
    form = ConsentForm(request.POST)
    return _act(
        request,
        case_id,
        referral_id,
        form,
        lambda: services.record_consent(
            user=actor(request),
            case_id=case_id,
            referral_id=referral_id,
            given_by=form.cleaned_data["given_by"],
            given_at=form.cleaned_data["given_at"],
            how=form.cleaned_data["how"],
        ),
        _("Consent recorded."),
    )


@login_required
@require_POST
def ask_consent(request: HttpRequest, case_id: str, referral_id: str) -> HttpResponse:
    return _act(
        request,
        case_id,
        referral_id,
        None,
        lambda: services.ask_consent_in_mailbox(
            user=actor(request), case_id=case_id, referral_id=referral_id
        ),
        _("The question is in the person's web mailbox."),
    )


@login_required
@require_POST
def approve(request: HttpRequest, case_id: str, referral_id: str) -> HttpResponse:
    return _act(
        request,
        case_id,
        referral_id,
        None,
        lambda: services.approve_referral(
            user=actor(request), case_id=case_id, referral_id=referral_id
        ),
        _("Referral approved: the package can be downloaded once."),
    )


@login_required
@require_POST
def download(request: HttpRequest, case_id: str, referral_id: str) -> HttpResponse:
    """The package, once. A POST, so that no prefetch or crawler can spend it."""
    user = actor(request)
    case_visibility.visible_case(user=user, case_id=case_id)
    try:
        sent = services.download_package(user=user, case_id=case_id, referral_id=referral_id)
    except PartnerError as exc:
        messages.error(request, str(exc))
        return back_to("partners:referral", case_id, referral_id)
    response = HttpResponse(sent.data, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{sent.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def record_update(request: HttpRequest, case_id: str, referral_id: str) -> HttpResponse:
    form = UpdateForm(request.POST)
    return _act(
        request,
        case_id,
        referral_id,
        form,
        lambda: services.record_update(
            user=actor(request),
            case_id=case_id,
            referral_id=referral_id,
            state=form.cleaned_data["state"],
            note=form.cleaned_data["note"],
        ),
        _("Recorded."),
    )


@login_required
@require_POST
def cancel(request: HttpRequest, case_id: str, referral_id: str) -> HttpResponse:
    return _act(
        request,
        case_id,
        referral_id,
        None,
        lambda: services.cancel_referral(
            user=actor(request), case_id=case_id, referral_id=referral_id
        ),
        _("Referral cancelled."),
    )


urlpatterns: list[URLPattern] = [
    path("", case_referrals, name="case"),
    path("new/", create_referral, name="referral_create"),
    path("<str:referral_id>/", referral_detail, name="referral"),
    path("<str:referral_id>/consent/", record_consent, name="referral_consent"),
    path("<str:referral_id>/ask/", ask_consent, name="referral_ask"),
    path("<str:referral_id>/approve/", approve, name="referral_approve"),
    path("<str:referral_id>/download/", download, name="referral_download"),
    path("<str:referral_id>/state/", record_update, name="referral_state"),
    path("<str:referral_id>/cancel/", cancel, name="referral_cancel"),
]
