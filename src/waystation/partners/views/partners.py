"""Partner pages: the list, one partner (contacts opened, audited), adding and changing
one, proposing and deciding keys, this installation's own public key, importing a
package. Views parse, call one service or selector, and go back (POST, redirect, GET)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from waystation.partners.forms.partners import (
    ActiveForm,
    DecisionForm,
    ImportForm,
    KeyProposalForm,
    PartnerForm,
)
from waystation.partners.selectors import partners as selectors
from waystation.partners.services import identity, incoming
from waystation.partners.services import partners as services
from waystation.partners.services.common import MANAGE_PARTNERS, PartnerError, may_use_partners
from waystation.partners.services.package import MAX_PACKAGE_BYTES
from waystation.web.actions import (
    actor,
    back_to,
    form_errors_to_messages,
    reads_body_itself,
    tell,
)


def _reader(request: HttpRequest) -> None:
    if not may_use_partners(actor(request)):
        raise PermissionDenied


@login_required
@require_GET
def partner_list(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    return render(
        request,
        "partners/list.html",
        {
            "partners": selectors.partner_list(user=user),
            "can_manage": user.has_perm(MANAGE_PARTNERS),
            "form": PartnerForm(auto_id="partner-%s"),
            "key_alerts": services.key_alerts_for(user) if user.has_perm(MANAGE_PARTNERS) else [],
        },
    )


@login_required
@require_POST
def add_partner(request: HttpRequest) -> HttpResponse:
    form = PartnerForm(request.POST)
    done: list[str] = []

    def call() -> object:
        partner = services.add_partner(user=actor(request), details=form.to_input())
        done.append(partner.id)
        return partner

    tell(request, form, call, _("Partner added. Propose its age key next."), refused=PartnerError)
    if done:
        return back_to("partners:detail", done[0])
    return back_to("partners:list")


@login_required
@require_GET
def partner_detail(request: HttpRequest, partner_id: str) -> HttpResponse:
    user = actor(request)
    page = selectors.partner_page(user=user, partner_id=partner_id)
    can_manage = user.has_perm(MANAGE_PARTNERS)
    return render(
        request,
        "partners/detail.html",
        {
            "page": page,
            "partner": page.partner,
            "can_manage": can_manage,
            "key_form": KeyProposalForm(auto_id="key-%s"),
            # The page sets "active" itself (a hidden field: the opposite of now).
            "active_form": ActiveForm(auto_id="active-%s") if can_manage else None,
            "edit_form": PartnerForm(
                auto_id="edit-%s",
                initial={
                    "name": page.partner.name,
                    "country": page.partner.country,
                    "kinds": page.partner.kinds,
                    "contacts": page.contacts,
                },
            )
            if can_manage
            else None,
        },
    )


@login_required
@require_POST
def change_partner(request: HttpRequest, partner_id: str) -> HttpResponse:
    _reader(request)
    form = PartnerForm(request.POST)
    tell(
        request,
        form,
        lambda: services.change_partner(
            user=actor(request), partner_id=partner_id, details=form.to_input()
        ),
        _("Partner saved."),
        refused=PartnerError,
    )
    return back_to("partners:detail", partner_id)


@login_required
@require_POST
def set_active(request: HttpRequest, partner_id: str) -> HttpResponse:
    _reader(request)
    form = ActiveForm(request.POST)
    tell(
        request,
        form,
        lambda: services.set_partner_active(
            user=actor(request),
            partner_id=partner_id,
            active=form.cleaned_data["active"],
            reason=form.cleaned_data["reason"],
        ),
        lambda partner: (
            "Partner reactivated: it can be chosen for referrals again. Its API tokens "
            "from before stay ended: issue a new one if it needs the API."
            if partner.active
            else "Partner deactivated: nothing is referred or sent to it, and its API "
            "tokens no longer work."
        ),
        refused=PartnerError,
    )
    return back_to("partners:detail", partner_id, anchor="status")


@login_required
@require_POST
def propose_key(request: HttpRequest, partner_id: str) -> HttpResponse:
    _reader(request)
    form = KeyProposalForm(request.POST)
    tell(
        request,
        form,
        lambda: services.propose_key(
            user=actor(request),
            partner_id=partner_id,
            recipient=form.cleaned_data["recipient"],
            replaces_id=form.cleaned_data["replaces"],
        ),
        lambda change: (
            _(
                "Key proposed, fingerprint %(fingerprint)s. Read it aloud with the partner; "
                "another programme manager must approve it."
            )
            % {"fingerprint": change.fingerprint}
        ),
        refused=PartnerError,
    )
    return back_to("partners:detail", partner_id, anchor="keys")


@login_required
@require_POST
def decide_key(request: HttpRequest, partner_id: str, change_id: str) -> HttpResponse:
    _reader(request)
    form = DecisionForm(request.POST)
    tell(
        request,
        form,
        lambda: services.decide_key_change(
            user=actor(request),
            change_id=change_id,
            approve=form.cleaned_data["decision"] == "approve",
        ),
        lambda change: (
            _("Key approved: it is now active.")
            if change.status == "approved"
            else _("Key refused.")
        ),
        refused=PartnerError,
    )
    return back_to("partners:detail", partner_id, anchor="keys")


@login_required
@require_POST
def retire_key(request: HttpRequest, partner_id: str, key_id: str) -> HttpResponse:
    _reader(request)
    tell(
        request,
        None,
        lambda: services.retire_key(user=actor(request), key_id=key_id),
        _("Key retired: nothing more is encrypted to it."),
        refused=PartnerError,
    )
    return back_to("partners:detail", partner_id, anchor="keys")


@login_required
@require_http_methods(["GET", "POST"])
def installation_identity(request: HttpRequest) -> HttpResponse:
    """This installation's public key, for partners to encrypt to. Made on first POST."""
    user = actor(request)
    _reader(request)
    if request.method == "POST":
        if not user.has_perm(MANAGE_PARTNERS):
            raise PermissionDenied
        identity.ensure_installation_identity(actor_id=user.pk)
        messages.success(request, _("This installation now has an age key for partners."))
        return redirect("partners:identity")
    return render(
        request,
        "partners/identity.html",
        {"page": selectors.identity_page(user=user), "can_manage": user.has_perm(MANAGE_PARTNERS)},
    )


MAX_IMPORT_BODY = MAX_PACKAGE_BYTES + 64 * 1024  # the file and the form around it


@reads_body_itself
@csrf_exempt  # CSRF is checked by the view below, once the size is known to be sane
def import_package(request: HttpRequest) -> HttpResponse:
    """The announced size is checked before anything reads the body: the CSRF check
    and ``request.FILES`` would otherwise spool an upload of any size to disk first."""
    try:
        announced = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        announced = 0
    if request.method == "POST" and announced > MAX_IMPORT_BODY:
        messages.error(
            request,
            _("The file is larger than %(megabytes)d MB: refused. Nothing was imported.")
            % {"megabytes": MAX_PACKAGE_BYTES // (1024 * 1024)},
        )
        return redirect("partners:import")
    return _import_package(request)


@csrf_protect
@login_required
@require_http_methods(["GET", "POST"])
def _import_package(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    choices = selectors.all_partner_choices(user=user)
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, partners=choices)
        if not form.is_valid():
            form_errors_to_messages(request, form)
            return redirect("partners:import")
        upload = form.cleaned_data["package"]
        data = upload.read(MAX_PACKAGE_BYTES + 1)
        try:
            incoming.import_package(
                user=user, partner_id=form.cleaned_data["partner"], package_bytes=data
            )
        except PartnerError as exc:
            messages.error(request, str(exc))
            return redirect("partners:import")
        messages.success(request, _("Referral imported: it is in the triage queue."))
        return redirect("partners:import")
    return render(request, "partners/import.html", {"form": ImportForm(partners=choices)})


urlpatterns: list[URLPattern] = [
    path("", partner_list, name="list"),
    path("add/", add_partner, name="add"),
    path("identity/", installation_identity, name="identity"),
    path("import/", import_package, name="import"),
    path("<str:partner_id>/", partner_detail, name="detail"),
    path("<str:partner_id>/change/", change_partner, name="change"),
    path("<str:partner_id>/active/", set_active, name="set_active"),
    path("<str:partner_id>/keys/", propose_key, name="propose_key"),
    path("<str:partner_id>/keys/<str:change_id>/decide/", decide_key, name="decide_key"),
    path("<str:partner_id>/keys/<str:key_id>/retire/", retire_key, name="retire_key"),
]
