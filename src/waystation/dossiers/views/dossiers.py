"""A case's dossiers: the list with the form for a new one, one dossier (opened,
audited) with the forms that build it, and its actions. Every route names the case,
and a case the user may not see is a 404 before anything else is looked at or said
(``CaseNotFound`` is never caught)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from waystation.cases.selectors import visibility as case_visibility
from waystation.dossiers.forms.dossiers import (
    CaseFileForm,
    ConsentForm,
    CoverLetterForm,
    DossierForm,
    RecipientForm,
    StatementForm,
    TimelineForm,
    UploadForm,
)
from waystation.dossiers.models import DossierState
from waystation.dossiers.selectors import dossiers as selectors
from waystation.dossiers.services import dossiers as services
from waystation.dossiers.services import exports
from waystation.dossiers.services.common import APPROVE_DOSSIER, BUILD_DOSSIER, DossierError
from waystation.web.actions import (
    Done,
    actor,
    back_to,
    form_errors_to_messages,
    reads_body_itself,
    tell,
)

MAX_UPLOAD_BODY = 30 * 1024 * 1024  # above any upload the intake's checks accept


class _InMemoryUpload(MemoryFileUploadHandler):
    """Holds an exhibit upload in memory whatever its size (the view capped the body
    first): the file as sent, metadata and all, never reaches a temporary file, as
    Django's default handlers would write one above 2 MB."""

    def handle_raw_input(self, *args: Any, **kwargs: Any) -> None:
        self.activated = True


def _act(
    request: HttpRequest,
    case_id: str,
    dossier_id: str,
    form: Any | None,
    call: Callable[[], Any],
    done: Done,
) -> HttpResponse:
    # Outsiders get the 404 before anything about their input is said.
    case_visibility.visible_case(user=actor(request), case_id=case_id)
    tell(request, form, call, done, refused=DossierError)
    return back_to("dossiers:dossier", case_id, dossier_id)


@login_required
@require_GET
def case_dossiers(request: HttpRequest, case_id: str) -> HttpResponse:
    user = actor(request)
    case, rows = selectors.case_dossiers(user=user, case_id=case_id)
    form = DossierForm(auto_id="dossier-%s") if user.has_perm(BUILD_DOSSIER) else None
    return render(request, "dossiers/case.html", {"case": case, "dossiers": rows, "form": form})


@login_required
@require_POST
def create_dossier(request: HttpRequest, case_id: str) -> HttpResponse:
    user = actor(request)
    case_visibility.visible_case(user=user, case_id=case_id)
    form = DossierForm(request.POST)
    made: list[str] = []

    def call() -> object:
        dossier = services.create_dossier(
            user=user,
            case_id=case_id,
            purpose=form.cleaned_data["purpose"],
            country=form.cleaned_data["country"],
            language=form.cleaned_data["language"],
        )
        made.append(dossier.id)
        return dossier

    tell(request, form, call, _("Dossier started."), refused=DossierError)
    if made:
        return back_to("dossiers:dossier", case_id, made[0])
    return back_to("dossiers:case", case_id)


@login_required
@require_GET
def dossier_detail(request: HttpRequest, case_id: str, dossier_id: str) -> HttpResponse:
    user = actor(request)
    shown = selectors.open_dossier(user=user, case_id=case_id, dossier_id=dossier_id)
    dossier = shown.dossier
    building = dossier.state == DossierState.DRAFT and user.has_perm(BUILD_DOSSIER)
    statement = StatementForm(
        auto_id="statement-%s",
        initial={
            "statement": shown.statement,
            "statement_language": dossier.statement_language,
            "translation": shown.translation,
            "translator": shown.translator,
        },
    )
    return render(
        request,
        "dossiers/dossier.html",
        {
            "case_id": case_id,
            "shown": shown,
            "dossier": dossier,
            "building": building,
            "statement_form": statement if building else None,
            "cover_form": CoverLetterForm(auto_id="cover-%s", initial={"text": shown.cover_letter})
            if building
            else None,
            "timeline_form": TimelineForm(auto_id="timeline-%s", choices=shown.timeline_choices)
            if building
            else None,
            "file_form": CaseFileForm(auto_id="file-%s", choices=shown.file_choices)
            if building and shown.file_choices
            else None,
            "upload_form": UploadForm(auto_id="upload-%s") if building else None,
            "recipient_form": RecipientForm(auto_id="recipient-%s", choices=shown.partner_choices)
            if building
            else None,
            "consent_form": ConsentForm(auto_id="consent-%s") if building else None,
            "can_request": building and dossier.requested_by_id is None,
            "can_approve": dossier.state == DossierState.DRAFT
            and dossier.requested_by_id is not None
            and user.has_perm(APPROVE_DOSSIER)
            and dossier.requested_by_id != user.pk,
            "downloadable": dossier.state == DossierState.APPROVED and user.has_perm(BUILD_DOSSIER),
            "can_cancel": dossier.state in (DossierState.DRAFT, DossierState.APPROVED)
            and user.has_perm(BUILD_DOSSIER),
        },
    )


@login_required
@require_POST
def save_statement(request: HttpRequest, case_id: str, dossier_id: str) -> HttpResponse:
    form = StatementForm(request.POST)
    return _act(
        request,
        case_id,
        dossier_id,
        form,
        lambda: services.save_statement(
            user=actor(request),
            case_id=case_id,
            dossier_id=dossier_id,
            given=services.StatementInput(**form.cleaned_data),
        ),
        _("Statement saved."),
    )


@login_required
@require_POST
def save_cover_letter(request: HttpRequest, case_id: str, dossier_id: str) -> HttpResponse:
    form = CoverLetterForm(request.POST)
    return _act(
        request,
        case_id,
        dossier_id,
        form,
        lambda: services.save_cover_letter(
            user=actor(request),
            case_id=case_id,
            dossier_id=dossier_id,
            text=form.cleaned_data["text"],
        ),
        _("Cover letter saved."),
    )


@login_required
@require_POST
def choose_timeline(request: HttpRequest, case_id: str, dossier_id: str) -> HttpResponse:
    return _act(
        request,
        case_id,
        dossier_id,
        None,
        lambda: services.choose_timeline(
            user=actor(request),
            case_id=case_id,
            dossier_id=dossier_id,
            keys=request.POST.getlist("entries"),
        ),
        _("Timeline entries chosen."),
    )


@login_required
@require_POST
def add_case_file(request: HttpRequest, case_id: str, dossier_id: str) -> HttpResponse:
    # Any id is accepted here: the service checks it is one of this case's files.
    return _act(
        request,
        case_id,
        dossier_id,
        None,
        lambda: services.add_case_file(
            user=actor(request),
            case_id=case_id,
            dossier_id=dossier_id,
            document_id=request.POST.get("document", ""),
            title=request.POST.get("title", ""),
        ),
        _("Exhibit added."),
    )


@reads_body_itself
@csrf_exempt  # CSRF is checked by the view below, once the size is known to be sane
def upload_exhibit(request: HttpRequest, case_id: str, dossier_id: str) -> HttpResponse:
    """The announced size is checked before anything reads the body."""
    try:
        announced = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        announced = 0
    if request.method == "POST" and announced > MAX_UPLOAD_BODY:
        case_visibility.visible_case(user=actor(request), case_id=case_id)
        messages.error(
            request,
            _("The file is larger than %(megabytes)d MB: refused. Nothing was added.")
            % {"megabytes": MAX_UPLOAD_BODY // (1024 * 1024)},
        )
        return back_to("dossiers:dossier", case_id, dossier_id)
    request.upload_handlers = [_InMemoryUpload(request)]
    return _upload_exhibit(request, case_id, dossier_id)


@csrf_protect
@login_required
@require_POST
def _upload_exhibit(request: HttpRequest, case_id: str, dossier_id: str) -> HttpResponse:
    user = actor(request)
    case_visibility.visible_case(user=user, case_id=case_id)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return back_to("dossiers:dossier", case_id, dossier_id)
    upload = form.cleaned_data["file"]
    data = upload.read(MAX_UPLOAD_BODY + 1)
    try:
        services.upload_exhibit(
            user=user,
            case_id=case_id,
            dossier_id=dossier_id,
            title=form.cleaned_data["title"],
            name=upload.name or "",
            content_type=upload.content_type or "",
            data=data,
        )
    except DossierError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Exhibit added; its metadata was removed."))
    return back_to("dossiers:dossier", case_id, dossier_id)


@login_required
@require_GET
def view_exhibit(
    request: HttpRequest, case_id: str, dossier_id: str, exhibit_id: str
) -> HttpResponse:
    opened = selectors.open_exhibit(
        user=actor(request), case_id=case_id, dossier_id=dossier_id, exhibit_id=exhibit_id
    )
    response = HttpResponse(opened.data, content_type=opened.content_type)
    response["Content-Disposition"] = f'attachment; filename="{opened.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def choose_recipient(request: HttpRequest, case_id: str, dossier_id: str) -> HttpResponse:
    return _act(
        request,
        case_id,
        dossier_id,
        None,
        lambda: exports.choose_recipient(
            user=actor(request),
            case_id=case_id,
            dossier_id=dossier_id,
            partner_id=request.POST.get("partner", "")[:40],
            age_key=request.POST.get("age_key", "")[:200],
        ),
        _("Recipient chosen."),
    )


@login_required
@require_POST
def record_consent(request: HttpRequest, case_id: str, dossier_id: str) -> HttpResponse:
    form = ConsentForm(request.POST)
    return _act(
        request,
        case_id,
        dossier_id,
        form,
        lambda: exports.record_consent(
            user=actor(request),
            case_id=case_id,
            dossier_id=dossier_id,
            given_by=form.cleaned_data["given_by"],
            given_at=form.cleaned_data["given_at"],
            how=form.cleaned_data["how"],
        ),
        _("Consent recorded."),
    )


@login_required
@require_POST
def request_export(request: HttpRequest, case_id: str, dossier_id: str) -> HttpResponse:
    return _act(
        request,
        case_id,
        dossier_id,
        None,
        lambda: exports.request_export(user=actor(request), case_id=case_id, dossier_id=dossier_id),
        _("Export asked for: another programme manager approves it."),
    )


@login_required
@require_POST
def approve_export(request: HttpRequest, case_id: str, dossier_id: str) -> HttpResponse:
    return _act(
        request,
        case_id,
        dossier_id,
        None,
        lambda: exports.approve_export(user=actor(request), case_id=case_id, dossier_id=dossier_id),
        _("Export approved: it can be downloaded once."),
    )


@login_required
@require_POST
def download(request: HttpRequest, case_id: str, dossier_id: str) -> HttpResponse:
    """The export, once. A POST, so that no prefetch or crawler can spend it."""
    user = actor(request)
    case_visibility.visible_case(user=user, case_id=case_id)
    try:
        sent = exports.download_export(user=user, case_id=case_id, dossier_id=dossier_id)
    except DossierError as exc:
        messages.error(request, str(exc))
        return back_to("dossiers:dossier", case_id, dossier_id)
    response = HttpResponse(sent.data, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{sent.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def cancel(request: HttpRequest, case_id: str, dossier_id: str) -> HttpResponse:
    return _act(
        request,
        case_id,
        dossier_id,
        None,
        lambda: services.cancel_dossier(
            user=actor(request), case_id=case_id, dossier_id=dossier_id
        ),
        _("Dossier cancelled."),
    )


urlpatterns: list[URLPattern] = [
    path("", case_dossiers, name="case"),
    path("new/", create_dossier, name="create"),
    path("<str:dossier_id>/", dossier_detail, name="dossier"),
    path("<str:dossier_id>/statement/", save_statement, name="statement"),
    path("<str:dossier_id>/cover-letter/", save_cover_letter, name="cover_letter"),
    path("<str:dossier_id>/timeline/", choose_timeline, name="timeline"),
    path("<str:dossier_id>/exhibits/case-file/", add_case_file, name="add_case_file"),
    path("<str:dossier_id>/exhibits/upload/", upload_exhibit, name="upload"),
    path("<str:dossier_id>/exhibits/<str:exhibit_id>/", view_exhibit, name="exhibit"),
    path("<str:dossier_id>/recipient/", choose_recipient, name="recipient"),
    path("<str:dossier_id>/consent/", record_consent, name="consent"),
    path("<str:dossier_id>/request/", request_export, name="request"),
    path("<str:dossier_id>/approve/", approve_export, name="approve"),
    path("<str:dossier_id>/download/", download, name="download"),
    path("<str:dossier_id>/cancel/", cancel, name="cancel"),
]
