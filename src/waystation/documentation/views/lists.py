"""Lists of persons and their matches: the lists, one list (entries opened, audited),
adding and removing an entry, importing a CSV file and its progress, and the review of
proposed matches. Views parse, call one service or selector, and go back (POST,
redirect, GET)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from waystation.documentation.forms.lists import EntryForm, ImportForm, ListForm, RenameForm
from waystation.documentation.models import ImportState, MatchStatus
from waystation.documentation.selectors import lists as selectors
from waystation.documentation.services import imports, matching
from waystation.documentation.services import lists as services
from waystation.documentation.services.lists import ListError, may_read_lists, may_record_lists
from waystation.web.actions import actor, back_to, form_errors_to_messages, reads_body_itself, tell


def _recorder(request: HttpRequest) -> None:
    if not may_record_lists(actor(request)):
        raise PermissionDenied


@login_required
@require_GET
def list_index(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    can_record = may_record_lists(user)
    return render(
        request,
        "documentation/lists.html",
        {
            "rows": selectors.list_rows(user=user),
            "can_record": can_record,
            "form": ListForm(auto_id="list-%s") if can_record else None,
        },
    )


@login_required
@require_POST
def create_list(request: HttpRequest) -> HttpResponse:
    _recorder(request)
    form = ListForm(request.POST)
    done: list[str] = []

    def call() -> object:
        person_list = services.create_list(user=actor(request), **form.cleaned_data)
        done.append(person_list.id)
        return person_list

    tell(
        request,
        form,
        call,
        _("List created. Add its entries by hand or from a CSV file."),
        refused=ListError,
    )
    return back_to("documentation:list", done[0]) if done else back_to("documentation:lists")


@login_required
@require_GET
def list_detail(request: HttpRequest, list_id: str) -> HttpResponse:
    user = actor(request)
    if not may_read_lists(user):
        raise PermissionDenied
    try:
        page = selectors.list_page(user=user, list_id=list_id, page=request.GET.get("page", 1))
    except selectors.ListNotFound as exc:
        raise Http404 from exc
    can_record = may_record_lists(user)
    return render(
        request,
        "documentation/list.html",
        {
            "page": page,
            "person_list": page.person_list,
            "can_record": can_record,
            "entry_form": EntryForm(auto_id="entry-%s") if can_record else None,
            "rename_form": RenameForm(auto_id="rename-%s", initial={"name": page.person_list.name})
            if can_record
            else None,
            "import_form": ImportForm(auto_id="import-%s") if can_record else None,
            "max_kb": imports.MAX_IMPORT_BYTES // 1024,
            "max_rows": imports.MAX_IMPORT_ROWS,
        },
    )


@login_required
@require_POST
def rename_list(request: HttpRequest, list_id: str) -> HttpResponse:
    _recorder(request)
    form = RenameForm(request.POST)
    tell(
        request,
        form,
        lambda: services.rename_list(
            user=actor(request), list_id=list_id, name=form.cleaned_data["name"]
        ),
        _("List renamed."),
        refused=ListError,
    )
    return back_to("documentation:list", list_id)


@login_required
@require_POST
def add_entry(request: HttpRequest, list_id: str) -> HttpResponse:
    _recorder(request)
    form = EntryForm(request.POST)
    tell(
        request,
        form,
        lambda: services.add_entry(user=actor(request), list_id=list_id, values=form.cleaned_data),
        _("Entry added."),
        refused=ListError,
    )
    return back_to("documentation:list", list_id, anchor="add")


@login_required
@require_POST
def remove_entry(request: HttpRequest, list_id: str, entry_id: str) -> HttpResponse:
    _recorder(request)
    tell(
        request,
        None,
        lambda: services.remove_entry(user=actor(request), list_id=list_id, entry_id=entry_id),
        _("Entry removed, with its matches."),
        refused=ListError,
    )
    return back_to("documentation:list", list_id)


MAX_IMPORT_BODY = imports.MAX_IMPORT_BYTES + 64 * 1024  # the file and the form around it


@reads_body_itself
@login_required
@csrf_exempt  # CSRF is checked by the view below, once the size is known to be sane
def import_list(request: HttpRequest, list_id: str) -> HttpResponse:
    """The announced size is checked before anything reads the body: the CSRF check
    and ``request.FILES`` would otherwise spool an upload of any size to disk first.
    Who may import is checked before that (neither reads the body), so that nobody else
    is told anything about an upload, not even that it was too large."""
    _recorder(request)
    try:
        announced = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        announced = 0
    if request.method == "POST" and announced > MAX_IMPORT_BODY:
        messages.error(
            request,
            _("The file is larger than %(kb)d KB: refused. Nothing was imported.")
            % {"kb": imports.MAX_IMPORT_BYTES // 1024},
        )
        return redirect("documentation:list", list_id)
    return _import_list(request, list_id)


@csrf_protect
@login_required
@require_http_methods(["POST"])
def _import_list(request: HttpRequest, list_id: str) -> HttpResponse:
    _recorder(request)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return redirect("documentation:list", list_id)
    data = form.cleaned_data["file"].read(imports.MAX_IMPORT_BYTES + 1)
    try:
        done = imports.import_csv(user=actor(request), list_id=list_id, data=data)
    except ListError as exc:
        messages.error(request, str(exc))
        return redirect("documentation:list", list_id)
    return redirect("documentation:list_import", list_id, done.id)


@login_required
@require_GET
def import_progress(request: HttpRequest, list_id: str, import_id: str) -> HttpResponse:
    user = actor(request)
    if not may_read_lists(user):
        raise PermissionDenied
    try:
        found = selectors.list_import(user=user, list_id=list_id, import_id=import_id)
    except selectors.ListNotFound as exc:
        raise Http404 from exc
    state = found.state
    return render(
        request,
        "documentation/list_import.html",
        {
            "list_import": found.list_import,
            "state": found.state,
            "state_label": found.state_label,
            "errors": found.errors,
            "person_list": found.list_import.person_list,
            "running": state in (ImportState.CHECKING, ImportState.SAVING),
        },
    )


@login_required
@require_GET
def review(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    _recorder(request)
    page = selectors.review_page(
        user=user,
        status=request.GET.get("status", MatchStatus.PROPOSED),
        page=request.GET.get("page", 1),
    )
    return render(
        request,
        "documentation/matches.html",
        {"review": page, "statuses": MatchStatus.choices},
    )


@login_required
@require_POST
def propose(request: HttpRequest) -> HttpResponse:
    _recorder(request)
    tell(
        request,
        None,
        lambda: matching.propose_matches(user=actor(request)),
        lambda report: (
            _("%(new)s new pairs proposed; %(all)s pairs agree in all.")
            % {"new": report.proposed, "all": report.candidates}
        ),
        refused=ListError,
    )
    return back_to("documentation:matches")


def _decide(request: HttpRequest, match_id: str, action: str) -> HttpResponse:
    _recorder(request)
    calls = {
        "confirm": (matching.confirm_match, _("Confirmed: the two entries are one person.")),
        "reject": (matching.reject_match, _("Rejected: the two entries are different people.")),
        "undo": (matching.undo_decision, _("Decision undone: the match waits for review again.")),
    }
    call, done = calls[action]
    tell(
        request,
        None,
        lambda: call(user=actor(request), match_id=match_id),
        done,
        refused=ListError,
    )
    back = request.POST.get("status", MatchStatus.PROPOSED)
    if back not in MatchStatus.values:
        back = MatchStatus.PROPOSED
    return redirect(f"{reverse('documentation:matches')}?status={back}")


@login_required
@require_POST
def confirm(request: HttpRequest, match_id: str) -> HttpResponse:
    return _decide(request, match_id, "confirm")


@login_required
@require_POST
def reject(request: HttpRequest, match_id: str) -> HttpResponse:
    return _decide(request, match_id, "reject")


@login_required
@require_POST
def undo(request: HttpRequest, match_id: str) -> HttpResponse:
    return _decide(request, match_id, "undo")


urlpatterns: list[URLPattern] = [
    path("lists/", list_index, name="lists"),
    path("lists/new/", create_list, name="list_create"),
    path("lists/<str:list_id>/", list_detail, name="list"),
    path("lists/<str:list_id>/rename/", rename_list, name="list_rename"),
    path("lists/<str:list_id>/entries/", add_entry, name="list_entry_add"),
    path(
        "lists/<str:list_id>/entries/<str:entry_id>/remove/", remove_entry, name="list_entry_remove"
    ),
    path("lists/<str:list_id>/import/", import_list, name="list_import_start"),
    path("lists/<str:list_id>/imports/<str:import_id>/", import_progress, name="list_import"),
    path("matches/", review, name="matches"),
    path("matches/propose/", propose, name="matches_propose"),
    path("matches/<str:match_id>/confirm/", confirm, name="match_confirm"),
    path("matches/<str:match_id>/reject/", reject, name="match_reject"),
    path("matches/<str:match_id>/undo/", undo, name="match_undo"),
]
