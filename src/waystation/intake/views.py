"""Staff pages for web requests: the triage queue, one request, answering it, its files.

Each view parses the request, calls one selector or service and renders. The services
check the permission themselves too; the decorators here only turn a refusal into the
right answer before any work is done. Sign-in and the second factor are enforced for
every staff page by the accounts middleware; "sealed" by the vault's.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from waystation.audit import services as audit
from waystation.intake import countries, replies, screening, selectors
from waystation.intake.forms import CONTACT_CHANNELS
from waystation.intake.models import Attachment, Channel, HelpRequest, MessageKind, Status
from waystation.intake.staff_forms import ANSWER_KINDS, ScreenerReplyForm
from waystation.web.actions import actor

screener_required = permission_required(screening.SCREEN_PERMISSION, raise_exception=True)

# What a stored file may be served as. Files are rebuilt on the way in, but the staff
# side does not trust the sealed header blindly: anyone holding the public key can seal.
_SERVABLE_TYPES = {"image/jpeg", "image/png", "image/webp", "application/pdf"}
_SAFE_NAME = re.compile(r"^[a-z]+-[0-9]{1,3}\.(jpg|png|webp|pdf)$")
# A contact channel by its name on the form (the applicant's own word if it is none).
_CONTACT_CHANNELS = {code: name for code, name in CONTACT_CHANNELS if code}
_SENT = {
    MessageKind.REPLY: gettext_lazy("Reply sent."),
    MessageKind.MORE_INFO: gettext_lazy("Request for more information sent."),
    MessageKind.DECLINE: gettext_lazy("Request declined; the applicant has been told."),
}


@login_required
@screener_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    found = selectors.triage_queue(user=actor(request), view=request.GET.get("view", ""))
    return render(request, "intake/staff/queue.html", {"queue": found})


@login_required
@screener_required
@require_POST
def create_key(request: HttpRequest) -> HttpResponse:
    screening.ensure_intake_key(actor_id=request.user.pk)
    messages.success(request, _("The public page can now accept requests."))
    return redirect("intake:queue")


def _imported_by(request_id: str) -> str:
    """Who uploaded a partner referral by hand (its origin is whoever had the file): the
    staff account on the audit entry of its arrival, or "" (none, or the API)."""
    actor_id = audit.first_actor(
        action="intake.partner_referral_received", object_type="request", object_id=request_id
    )
    if actor_id is None:
        return ""
    user = get_user_model().objects.filter(pk=actor_id).first()
    return user.get_username() if user is not None else _("account %(id)s") % {"id": actor_id}


def _request_page(
    request: HttpRequest, opened: screening.OpenedRequest, form: ScreenerReplyForm, status: int
) -> HttpResponse:
    return render(
        request,
        "intake/staff/request.html",
        {
            "opened": opened,
            "help_request": opened.request,
            "payload": opened.payload,
            "form": form,
            # Opening a case is casework's permission, not the screener's: shown only to
            # those whose role holds it, and only while no case was opened from it.
            "can_open_case": not opened.request.case_id
            and request.user.has_perm("cases.open_case"),
            "can_answer": opened.request.status != Status.DECLINED
            and opened.request.channel != Channel.PARTNER,
            "imported_by": _imported_by(opened.request.id)
            if opened.request.channel == Channel.PARTNER
            else "",
            "templates": ANSWER_KINDS,
            "status_label": selectors.STATUS_LABELS[Status(opened.request.status)],
            "channel_label": selectors.CHANNEL_LABELS[Channel(opened.request.channel)],
            "country_name": countries.name(opened.request.country)
            if opened.request.country
            else "",
            "language_name": selectors.language_name(opened.request.language),
            "contact_channel": _CONTACT_CHANNELS.get(
                opened.payload.get("contact_channel", ""), opened.payload.get("contact_channel")
            ),
        },
        status=status,
    )


def _open(request: HttpRequest, request_id: str) -> screening.OpenedRequest:
    try:
        return screening.open_request(user=actor(request), request_id=request_id)
    except HelpRequest.DoesNotExist:
        raise Http404("no such request") from None
    except screening.IntakeKeyDestroyed as gone:
        # Only a request already turned into a case gets here (an open request keeps
        # its key): its contents live on in the case, under the case's own key.
        raise Http404(str(gone)) from None


@login_required
@screener_required
@require_GET
def detail(request: HttpRequest, request_id: str) -> HttpResponse:
    opened = _open(request, request_id)
    initial: dict[str, Any] = {"kind": MessageKind.REPLY}
    asked = request.GET.get("answer", "")
    if asked in MessageKind.values and asked != MessageKind.MESSAGE:
        kind = MessageKind(asked)
        # The starting text in the language the applicant asked to be answered in.
        initial = {"kind": kind, "text": replies.template_text(kind, opened.request.language)}
    return _request_page(request, opened, ScreenerReplyForm(initial=initial), status=200)


@login_required
@screener_required
@require_POST
def answer(request: HttpRequest, request_id: str) -> HttpResponse:
    form = ScreenerReplyForm(request.POST)
    if form.is_valid():
        kind = MessageKind(form.cleaned_data["kind"])
        try:
            screening.answer_request(
                user=actor(request),
                request_id=request_id,
                kind=kind,
                text=form.cleaned_data["text"],
            )
        except HelpRequest.DoesNotExist:
            raise Http404("no such request") from None
        except screening.ScreeningError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _SENT[kind])
            return redirect("intake:queue")
    return _request_page(request, _open(request, request_id), form, status=400)


@login_required
@screener_required
@require_GET
def attachment(request: HttpRequest, request_id: str, attachment_id: str) -> HttpResponse:
    try:
        opened = screening.open_attachment(
            user=actor(request), request_id=request_id, attachment_id=attachment_id
        )
    except Attachment.DoesNotExist:
        raise Http404("no such file") from None
    except screening.IntakeKeyDestroyed as gone:  # a converted request's early file
        raise Http404(str(gone)) from None
    content_type = (
        opened.content_type
        if opened.content_type in _SERVABLE_TYPES
        else "application/octet-stream"
    )
    name = opened.name if _SAFE_NAME.fullmatch(opened.name) else "file.bin"
    response = HttpResponse(opened.data, content_type=content_type)
    # Always a download, never shown inside the staff site; and if a browser showed it
    # anyway, it would run in a sandbox with nothing allowed.
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response
