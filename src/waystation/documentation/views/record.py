"""Pages of the record: the section's front page, the list of events with its filters,
one event with its persons, perpetrators, acts and sources, one person, one source with
its files, and the page reached from a case. Views parse, call one service or selector,
and go back (POST, redirect, GET). Reading needs ``read_events``; every form needs
``record_events``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from waystation.documentation.forms.record import (
    ActForm,
    CiteElsewhereForm,
    CiteForm,
    EventFilterForm,
    EventForm,
    FromCaseForm,
    PerpetratorForm,
    PersonForm,
    SourceChangeForm,
    SourceFileForm,
    SourceForm,
)
from waystation.documentation.selectors import record as selectors
from waystation.documentation.services import record as services
from waystation.documentation.services import record_files
from waystation.documentation.services.record_common import (
    RecordError,
    may_read,
    may_record,
)
from waystation.intake import conf as upload_conf
from waystation.web.actions import actor, back_to, form_errors_to_messages, reads_body_itself, tell


def _reader(request: HttpRequest) -> None:
    if not may_read(actor(request)):
        raise PermissionDenied


def _recorder(request: HttpRequest) -> None:
    if not may_record(actor(request)):
        raise PermissionDenied


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    _reader(request)
    return render(request, "documentation/index.html", {"can_record": may_record(actor(request))})


@login_required
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    _reader(request)
    form = EventFilterForm(request.GET or None)
    filters = selectors.EventFilters()
    if form.is_bound:
        if form.is_valid():
            filters = form.to_filters()
        else:
            form_errors_to_messages(request, form)
    listing = selectors.event_list(
        user=user, filters=filters, page_number=request.GET.get("page", 1)
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "documentation/events.html",
        {
            "listing": listing,
            "filter_form": form if form.is_bound else EventFilterForm(),
            "query": query.urlencode(),
            "can_record": may_record(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_new(request: HttpRequest) -> HttpResponse:
    _recorder(request)
    from_case = request.GET.get("case", "")[:32]
    if request.method == "POST":
        form = EventForm(request.POST)
        if form.is_valid():
            try:
                event = services.record_event(user=actor(request), details=form.to_input())
            except RecordError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Event recorded."))
                url = reverse("documentation:event", args=[event.id])
                if from_case:  # back to what the officer came for: the case's person
                    return redirect(f"{url}?{urlencode({'case': from_case})}#from-case")
                return redirect(f"{url}#sources")
        else:
            form_errors_to_messages(request, form)
    else:
        form = EventForm(initial={"started_precision": "day"})
    return render(request, "documentation/event_new.html", {"form": form, "from_case": from_case})


def _event_forms(page: selectors.EventPage, case_id: str) -> dict[str, Any]:
    event = page.event
    return {
        "edit_form": EventForm(
            auto_id="edit-%s",
            initial={
                "title": page.title,
                "kind": event.kind,
                "started_on": event.started_on,
                "started_precision": event.started_precision,
                "ended_on": event.ended_on,
                "ended_precision": event.ended_precision,
                "country": event.country,
                "region": event.region,
                "place": page.place,
                "summary": page.summary,
            },
        ),
        "person_form": PersonForm(auto_id="person-%s"),
        "perpetrator_form": PerpetratorForm(auto_id="perpetrator-%s"),
        "act_form": ActForm(
            auto_id="act-%s", victims=page.victim_choices, perpetrators=page.perpetrator_choices
        ),
        "source_form": SourceForm(auto_id="source-%s", sources=page.source_choices),
        "case_form": FromCaseForm(
            auto_id="case-%s", sources=page.source_choices, initial={"case_id": case_id}
        ),
        "cite_form": CiteForm(
            auto_id="cite-%s", sources=page.source_choices, acts=page.act_choices
        ),
    }


@login_required
@require_GET
def event_detail(request: HttpRequest, event_id: str) -> HttpResponse:
    user = actor(request)
    page = selectors.event_page(user=user, event_id=event_id)
    can_record = may_record(user)
    context: dict[str, Any] = {"page": page, "event": page.event, "can_record": can_record}
    if can_record:
        context.update(_event_forms(page, request.GET.get("case", "")[:32]))
    return render(request, "documentation/event.html", context)


@login_required
@require_POST
def event_change(request: HttpRequest, event_id: str) -> HttpResponse:
    _recorder(request)
    form = EventForm(request.POST)
    tell(
        request,
        form,
        lambda: services.change_event(
            user=actor(request), event_id=event_id, details=form.to_input()
        ),
        _("Event saved."),
        refused=RecordError,
    )
    return back_to("documentation:event", event_id)


@login_required
@require_POST
def person_add(request: HttpRequest, event_id: str) -> HttpResponse:
    _recorder(request)
    form = PersonForm(request.POST)
    tell(
        request,
        form,
        lambda: services.add_person(
            user=actor(request), event_id=event_id, details=form.to_input()
        ),
        _("Person added."),
        refused=RecordError,
    )
    return back_to("documentation:event", event_id, anchor="persons")


@login_required
@require_POST
def perpetrator_add(request: HttpRequest, event_id: str) -> HttpResponse:
    _recorder(request)
    form = PerpetratorForm(request.POST)
    tell(
        request,
        form,
        lambda: services.add_perpetrator(
            user=actor(request),
            event_id=event_id,
            kind=form.cleaned_data["kind"],
            name=form.cleaned_data["name"],
        ),
        _("Perpetrator added."),
        refused=RecordError,
    )
    return back_to("documentation:event", event_id, anchor="perpetrators")


@login_required
@require_POST
def act_add(request: HttpRequest, event_id: str) -> HttpResponse:
    _recorder(request)
    form = ActForm(request.POST)
    tell(
        request,
        form,
        lambda: services.add_act(user=actor(request), event_id=event_id, details=form.to_input()),
        _("Act added."),
        refused=RecordError,
    )
    return back_to("documentation:event", event_id, anchor="acts")


@login_required
@require_POST
def source_add(request: HttpRequest, event_id: str) -> HttpResponse:
    _recorder(request)
    form = SourceForm(request.POST)
    tell(
        request,
        form,
        lambda: services.add_source(
            user=actor(request),
            event_id=event_id,
            details=form.to_input(),
            stance=form.cleaned_data["stance"],
        ),
        _("Source added and cited."),
        refused=RecordError,
    )
    return back_to("documentation:event", event_id, anchor="sources")


@login_required
@require_POST
def from_case_add(request: HttpRequest, event_id: str) -> HttpResponse:
    """A case the user may not see is a 404 here, as everywhere (not caught)."""
    _recorder(request)
    form = FromCaseForm(request.POST)
    tell(
        request,
        form,
        lambda: services.add_from_case(
            user=actor(request), event_id=event_id, taken=form.to_input()
        ),
        _("Taken from the case."),
        refused=RecordError,
    )
    return back_to("documentation:event", event_id, anchor="sources")


@login_required
@require_POST
def cite(request: HttpRequest, event_id: str) -> HttpResponse:
    _recorder(request)
    form = CiteForm(request.POST)
    tell(
        request,
        form,
        lambda: services.cite(
            user=actor(request),
            source_id=form.cleaned_data["source"],
            event_id=event_id,
            act_id=form.cleaned_data["act"],
            stance=form.cleaned_data["stance"],
        ),
        _("Source cited."),
        refused=RecordError,
    )
    return back_to("documentation:event", event_id, anchor="sources")


@login_required
@require_POST
def unlink(request: HttpRequest, event_id: str, citation_id: str) -> HttpResponse:
    _recorder(request)
    tell(
        request,
        None,
        lambda: services.unlink_citation(
            user=actor(request), event_id=event_id, citation_id=citation_id
        ),
        _("Citation removed."),
        refused=RecordError,
    )
    return back_to("documentation:event", event_id, anchor="sources")


@login_required
@require_GET
def person_detail(request: HttpRequest, person_id: str) -> HttpResponse:
    page = selectors.person_page(user=actor(request), person_id=person_id)
    return render(request, "documentation/person.html", {"page": page})


@login_required
@require_GET
def source_detail(request: HttpRequest, source_id: str) -> HttpResponse:
    user = actor(request)
    page = selectors.source_page(user=user, source_id=source_id)
    can_record = may_record(user) and not page.source.forgotten
    context: dict[str, Any] = {"page": page, "source": page.source, "can_record": can_record}
    if can_record:
        row = page.row
        context.update(
            {
                "change_form": SourceChangeForm(
                    auto_id="change-%s",
                    initial={
                        "kind": row.kind,
                        "reliability": row.reliability,
                        "credibility": row.credibility,
                        "obtained_on": row.obtained_on,
                        "reference": page.source.reference,
                        "summary": page.source.summary,
                    },
                ),
                "cite_form": CiteElsewhereForm(auto_id="cite-%s"),
                "file_form": SourceFileForm(auto_id="file-%s"),
            }
        )
    return render(request, "documentation/source.html", context)


@login_required
@require_POST
def source_change(request: HttpRequest, source_id: str) -> HttpResponse:
    _recorder(request)
    selectors.visible_source(user=actor(request), source_id=source_id)
    form = SourceChangeForm(request.POST)
    tell(
        request,
        form,
        lambda: services.change_source(
            user=actor(request), source_id=source_id, details=form.to_input()
        ),
        _("Source saved; the levels of what it is cited on are computed again."),
        refused=RecordError,
    )
    return back_to("documentation:source", source_id)


@login_required
@require_POST
def source_cite(request: HttpRequest, source_id: str) -> HttpResponse:
    _recorder(request)
    selectors.visible_source(user=actor(request), source_id=source_id)
    form = CiteElsewhereForm(request.POST)
    tell(
        request,
        form,
        lambda: services.cite(
            user=actor(request),
            source_id=source_id,
            event_id=form.cleaned_data["event_id"].strip(),
            act_id=form.cleaned_data["act_id"].strip(),
            stance=form.cleaned_data["stance"],
        ),
        _("Source cited."),
        refused=RecordError,
    )
    return back_to("documentation:source", source_id, anchor="cited")


class _InMemory(MemoryFileUploadHandler):
    """Every upload of this form stays in memory: Django would write one larger than
    2.5 MB to a temporary file, plaintext on the server's disk. The size was checked
    before the body was read (:func:`source_file_add`)."""

    def handle_raw_input(self, *args: Any, **kwargs: Any) -> None:
        super().handle_raw_input(*args, **kwargs)
        self.activated = True


def _max_upload_body() -> int:
    return upload_conf.limits().max_file_bytes + 64 * 1024  # the file and the form around it


@reads_body_itself
@csrf_exempt  # CSRF is checked by the view below, once the size is known to be sane
def source_file_add(request: HttpRequest, source_id: str) -> HttpResponse:
    try:
        announced = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        announced = 0
    if request.method == "POST" and announced > _max_upload_body():
        _recorder(request)
        messages.error(
            request,
            _("The file is larger than %(megabytes)d MB: refused. Nothing was saved.")
            % {"megabytes": upload_conf.limits().max_file_bytes // (1024 * 1024)},
        )
        return back_to("documentation:source", source_id, anchor="files")
    request.upload_handlers = [_InMemory(request)]
    return _source_file_add(request, source_id)


@csrf_protect
@login_required
@require_POST
def _source_file_add(request: HttpRequest, source_id: str) -> HttpResponse:
    _recorder(request)
    selectors.visible_source(user=actor(request), source_id=source_id)
    form = SourceFileForm(request.POST, request.FILES)
    upload = request.FILES.get("file")

    def call() -> object:
        assert upload is not None
        return record_files.attach_source_file(
            user=actor(request),
            source_id=source_id,
            name=upload.name or "",
            content_type=upload.content_type or "",
            data=upload.read(),
        )

    tell(request, form, call, _("File added, without its metadata."), refused=RecordError)
    return back_to("documentation:source", source_id, anchor="files")


_SERVABLE_TYPES = {"image/jpeg", "image/png", "image/webp", "application/pdf"}


@login_required
@require_GET
def source_file(request: HttpRequest, source_id: str, file_id: str) -> HttpResponse:
    opened = selectors.open_source_file(user=actor(request), source_id=source_id, file_id=file_id)
    content_type = (
        opened.content_type
        if opened.content_type in _SERVABLE_TYPES
        else "application/octet-stream"
    )
    extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}.get(
        content_type, "pdf" if content_type == "application/pdf" else "bin"
    )
    response = HttpResponse(opened.data, content_type=content_type)
    # The name people gave it is on the page; the download gets a plain one, so no
    # header ever carries what they typed. Always a download, in a sandbox if shown.
    response["Content-Disposition"] = f'attachment; filename="source-file-{file_id}.{extension}"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def case_record(request: HttpRequest, case_id: str) -> HttpResponse:
    user = actor(request)
    page = selectors.case_record(user=user, case_id=case_id)
    return render(
        request,
        "documentation/event_from_case.html",
        {"page": page, "can_record": may_record(user)},
    )


urlpatterns: list[URLPattern] = [
    path("", index, name="index"),
    path("events/", event_list, name="events"),
    path("events/new/", event_new, name="event_new"),
    path("events/<str:event_id>/", event_detail, name="event"),
    path("events/<str:event_id>/change/", event_change, name="event_change"),
    path("events/<str:event_id>/persons/", person_add, name="person_add"),
    path("events/<str:event_id>/perpetrators/", perpetrator_add, name="perpetrator_add"),
    path("events/<str:event_id>/acts/", act_add, name="act_add"),
    path("events/<str:event_id>/sources/", source_add, name="source_add"),
    path("events/<str:event_id>/from-case/", from_case_add, name="from_case_add"),
    path("events/<str:event_id>/citations/", cite, name="cite"),
    path("events/<str:event_id>/citations/<str:citation_id>/remove/", unlink, name="unlink"),
    path("persons/<str:person_id>/", person_detail, name="person"),
    path("sources/<str:source_id>/", source_detail, name="source"),
    path("sources/<str:source_id>/change/", source_change, name="source_change"),
    path("sources/<str:source_id>/cite/", source_cite, name="source_cite"),
    path("sources/<str:source_id>/files/", source_file_add, name="source_file_add"),
    path("sources/<str:source_id>/files/<str:file_id>/", source_file, name="source_file"),
    path("cases/<str:case_id>/", case_record, name="case"),
]
