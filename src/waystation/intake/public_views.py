"""Pages of the public process. Each parses a form, calls one service, renders.

Pages that show a codename or a mailbox answer a POST directly (never a redirect): the
codename must not appear in a URL, a history entry or a server log, and there is no
session to carry it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from waystation.intake import forms, public_services
from waystation.intake.models import CheckInKind, Urgency
from waystation.intake.upload_handlers import BODY_INCOMPLETE, REQUEST_TOO_LARGE

DEFAULT_NEUTRAL_SITE = "https://www.wikipedia.org/"
# Pages that answer GET and can be shown in another language at their own address.
_TRANSLATABLE = {"request_form", "mailbox", "about"}


def _neutral_site() -> str:
    return str(getattr(settings, "WAYSTATION_PUBLIC_QUICK_EXIT_URL", DEFAULT_NEUTRAL_SITE))


def _page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    title: str = "",
    status: int = 200,
) -> HttpResponse:
    language = translation.get_language() or settings.LANGUAGE_CODE
    info = translation.get_language_info(language)
    match = getattr(request, "resolver_match", None)
    url_name = match.url_name if match is not None else None
    links = []
    for code, name in settings.LANGUAGES:
        if url_name in _TRANSLATABLE:
            url = translate_url(request.path, code)
        else:
            with translation.override(code):
                url = reverse("intake_public:request_form")
        links.append(
            {
                "code": code,
                # Named as settings.LANGUAGES names it, in itself ("Français", not
                # Django's lower-case "français").
                "name": str(name),
                "url": url,
                "current": code == language,
            }
        )
    neutral_title = getattr(settings, "WAYSTATION_PUBLIC_NEUTRAL_TITLE", "")
    full_context = {
        "language_code": language,
        "language_bidi": info["bidi"],
        "language_links": links,
        "page_title": neutral_title or title or _("Request help"),
        "heading": title,
        "neutral_title": bool(neutral_title),
        "quick_exit_url": reverse("leave"),
        **(context or {}),
    }
    return render(request, template, full_context, status=status)


def _unreadable_body(request: HttpRequest) -> HttpResponse | None:
    """Read the body (the upload handler marks it while Django parses it), then refuse
    it whole if it was too large or did not arrive complete."""
    request.POST  # noqa: B018  # parsing is what sets the marks
    request.FILES  # noqa: B018
    if getattr(request, REQUEST_TOO_LARGE, False):
        return too_large(request)
    if getattr(request, BODY_INCOMPLETE, False):
        return incomplete(request)
    return None


# --- the request ----------------------------------------------------------------------


def root(request: HttpRequest) -> HttpResponse:
    """``/``: to the visitor's browser language if we have it (Accept-Language only; no
    cookie is read or set)."""
    language = translation.get_language_from_request(request, check_path=False)
    with translation.override(language):
        return HttpResponseRedirect(reverse("intake_public:request_form"))


@require_http_methods(["GET", "POST"])
def request_form(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            # Before the body is read: a flood past the limit costs no parsing.
            public_services.admit_request_form()
        except public_services.TryLater as limit:
            return try_later(request, retry_after=limit.retry_after)
        unreadable = _unreadable_body(request)
        if unreadable is not None:
            return unreadable
        form = forms.RequestForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            new = public_services.NewRequest(
                urgency=data["urgency"],
                language=data["language"],
                country=data["country"],
                country_other=data["country_other"],
                city=data["city"],
                story=data["story"],
                contact_channel=data["contact_channel"],
                contact_handle=data["contact_handle"],
                files=data["attachments"],
                form_token=data["form_token"] or None,
            )
            try:
                receipt = public_services.submit_request(new=new)
            except public_services.TryLater as limit:
                return try_later(request, retry_after=limit.retry_after)
            except public_services.IntakeUnavailable:
                return try_later(request, retry_after=300, status=503)
            except public_services.AlreadyReceived:
                return _page(request, "intake/public/already_received.html", status=200)
            return _page(
                request,
                "intake/public/received.html",
                {"codename": receipt.codename, "words": receipt.codename.split(" ")},
                title=_("Request received"),
            )
    else:
        form = forms.RequestForm()
    return _page(
        request,
        "intake/public/request_form.html",
        {"form": form, "urgent_value": Urgency.NOW},
        status=400 if form.is_bound else 200,
    )


@require_GET
def about(request: HttpRequest) -> HttpResponse:
    return _page(request, "intake/public/about.html", title=_("Staying safe"))


# --- the mailbox -----------------------------------------------------------------------


def _mailbox_page(
    request: HttpRequest,
    mailbox: public_services.Mailbox,
    *,
    notice: str = "",
    message_form: forms.ApplicantMessageForm | None = None,
    status: int = 200,
) -> HttpResponse:
    view = public_services.read_mailbox(mailbox)
    return _page(
        request,
        "intake/public/mailbox.html",
        {
            "view": view,
            "codename": mailbox.codename,
            "notice": notice,
            "message_form": message_form
            or forms.ApplicantMessageForm(initial={"codename": mailbox.codename}),
            "safe": CheckInKind.SAFE,
            "need_help": CheckInKind.NEED_HELP,
        },
        title=_("Your mailbox"),
        status=status,
    )


def _wrong_codename(request: HttpRequest, form: forms.CodenameForm) -> HttpResponse:
    # One message for every reason: malformed, unknown, or too many attempts right now.
    return _page(
        request,
        "intake/public/mailbox_enter.html",
        {"form": form, "wrong": True},
        title=_("Your mailbox"),
        status=403,
    )


@require_http_methods(["GET", "POST"])
def mailbox(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = forms.CodenameForm(request.POST)
        typed = str(form.data.get("codename", ""))
        opened = public_services.open_mailbox(typed_codename=typed)
        if opened is None:
            return _wrong_codename(request, forms.CodenameForm())
        return _mailbox_page(request, opened)
    return _page(
        request,
        "intake/public/mailbox_enter.html",
        {"form": forms.CodenameForm()},
        title=_("Your mailbox"),
    )


@require_POST
def mailbox_message(request: HttpRequest) -> HttpResponse:
    unreadable = _unreadable_body(request)
    if unreadable is not None:
        return unreadable
    opened = public_services.open_mailbox(typed_codename=str(request.POST.get("codename", "")))
    if opened is None:
        return _wrong_codename(request, forms.CodenameForm())
    try:
        public_services.admit_message(opened)  # before any file is checked and rebuilt
    except public_services.TryLater as limit:
        return try_later(request, retry_after=limit.retry_after)
    form = forms.ApplicantMessageForm(request.POST, request.FILES)
    if not form.is_valid():
        return _mailbox_page(request, opened, message_form=form, status=400)
    try:
        public_services.send_message(
            mailbox=opened,
            text=form.cleaned_data["message"],
            files=form.cleaned_data["attachments"],
        )
    except public_services.TryLater as limit:
        return try_later(request, retry_after=limit.retry_after)
    except public_services.IntakeUnavailable:
        return try_later(request, retry_after=300, status=503)
    return _mailbox_page(request, opened, notice=_("Your message was received."))


@require_POST
def mailbox_check_in(request: HttpRequest) -> HttpResponse:
    opened = public_services.open_mailbox(typed_codename=str(request.POST.get("codename", "")))
    if opened is None:
        return _wrong_codename(request, forms.CodenameForm())
    form = forms.CheckInForm(request.POST)
    if not form.is_valid():
        return _mailbox_page(request, opened, status=400)
    kind = CheckInKind(form.cleaned_data["kind"])
    try:
        public_services.record_check_in(mailbox=opened, kind=kind)
    except public_services.TryLater as limit:
        return try_later(request, retry_after=limit.retry_after)
    notice = (
        _("Thank you. We have noted that you are safe.")
        if kind == CheckInKind.SAFE
        else _("We have received your call for help. We will answer as fast as we can.")
    )
    return _mailbox_page(request, opened, notice=notice)


@require_POST
def mailbox_consent(request: HttpRequest) -> HttpResponse:
    """Yes or no to a consent question ("I agree that my file goes to <partner>")."""
    opened = public_services.open_mailbox(typed_codename=str(request.POST.get("codename", "")))
    if opened is None:
        return _wrong_codename(request, forms.CodenameForm())
    form = forms.ConsentForm(request.POST)
    if not form.is_valid():
        return _mailbox_page(request, opened, status=400)
    agree = form.cleaned_data["answer"] == "yes"
    try:
        public_services.answer_consent(
            mailbox=opened, consent_id=form.cleaned_data["consent"], agree=agree
        )
    except public_services.ConsentAlreadyGiven:
        return _mailbox_page(
            request, opened, notice=_("You have already answered this question."), status=409
        )
    notice = (
        _("Thank you. We have noted that you agree.")
        if agree
        else _("Thank you. We have noted that you do not agree; your file will not be sent.")
    )
    return _mailbox_page(request, opened, notice=notice)


# --- leaving and errors ------------------------------------------------------------------


def leave(request: HttpRequest) -> HttpResponse:
    """The quick exit: tell the browser to forget this site, then go somewhere neutral."""
    response = HttpResponseRedirect(_neutral_site(), status=303)
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


def try_later(request: HttpRequest, *, retry_after: int = 60, status: int = 429) -> HttpResponse:
    response = _page(
        request, "intake/public/try_later.html", title=_("Please try again later"), status=status
    )
    response["Retry-After"] = str(retry_after)
    return response


def too_large(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        "intake/public/error.html",
        {
            "message": _(
                "What you sent is too large. Please send fewer or smaller files, "
                "or send them one at a time."
            )
        },
        title=_("Too large"),
        status=413,
    )


def incomplete(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        "intake/public/error.html",
        {
            "message": _(
                "What you sent did not arrive complete, so we have not received it. "
                "Please go back and send it again."
            )
        },
        title=_("Please try again"),
        status=400,
    )


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        "intake/public/error.html",
        {"message": _("This form has to be sent from this site itself. Please try again.")},
        title=_("Please try again"),
        status=403,
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        "intake/public/error.html",
        {
            "message": _(
                "We could not read what you sent. It may be too large or incomplete. "
                "Please go back and try again."
            )
        },
        title=_("Please try again"),
        status=400,
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        "intake/public/error.html",
        {"message": _("There is no page at this address.")},
        title=_("Not found"),
        status=404,
    )


def server_error(request: HttpRequest) -> HttpResponse:
    # Never a stack trace: a calm page, and nothing about the error.
    return try_later(request, retry_after=60, status=500)
