"""Casework pages. Each view parses the request, calls one service or selector, and
renders or redirects; the rules live in ``services/`` and ``selectors/``.

A case the user may not see is a 404 everywhere, for reading and for every action,
with the same page as a case that does not exist (the selectors raise ``CaseNotFound``,
an ``Http404``). Sign-in and the second factor are enforced for every page by the
accounts middleware; "sealed" by the vault's. Every page works without JavaScript.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from waystation.accounts.decorators import recent_authentication_required
from waystation.cases import forms
from waystation.cases.models import Case, Stage
from waystation.cases.selectors import alerts as alerts_selectors
from waystation.cases.selectors import case_file, lists, visibility
from waystation.cases.selectors import staff as staff_selectors
from waystation.cases.services import (
    access,
    check_ins,
    daily_work,
    opening,
    person,
    retention,
    shredding,
    stages,
    verification,
)
from waystation.cases.services import alerts as alerts_services
from waystation.cases.services.common import APPROVE, OPEN_CASE, WORK_CASE, CaseError
from waystation.web.actions import actor, back_to


def _to_case(case_id: str, anchor: str = "") -> HttpResponse:
    return back_to("cases:detail", case_id, anchor=anchor)


def _act(
    request: HttpRequest,
    case_id: str,
    form: Any | None,
    call: Callable[[], Any],
    done: str | Callable[[Any], str],
    anchor: str = "",
    form_name: str = "",
) -> HttpResponse:
    """Validate, call the service, tell the person what happened, back to the case.
    ``CaseNotFound`` is not caught: it is the 404 of a case one may not see.

    Refused input re-renders the case page with the bound form (``form_name`` names it
    in the page's context), so what was typed is still there: a long note must not be
    lost to one character too many. The typed text goes only into that response; never
    into the session or a message, which are stored in the database in clear."""
    if form is not None and not form.is_valid():
        if not form_name:
            # Hidden fields only (a decision, a person's id): nothing typed to keep. The
            # form's own words could quote the sent value, and messages may be stored.
            visibility.visible_case(user=actor(request), case_id=case_id)
            messages.error(
                request, gettext("That request could not be understood; nothing changed.")
            )
            return _to_case(case_id, anchor)
        return _case_page(request, case_id, bound={form_name: form}, refused=anchor)
    try:
        result = call()
    except CaseError as exc:
        if form is None or not form_name:
            messages.error(request, str(exc))
            return _to_case(case_id, anchor)
        form.add_error(None, str(exc))
        return _case_page(request, case_id, bound={form_name: form}, refused=anchor)
    messages.success(request, done(result) if callable(done) else done)
    return _to_case(case_id, anchor)


# --- lists ---------------------------------------------------------------------------------


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    stage = request.GET.get("stage", "")
    found = lists.case_queue(user=actor(request), page=request.GET.get("page"), stage=stage)
    return render(
        request,
        "cases/queue.html",
        {
            "title": gettext("Case queue"),
            "found": found,
            "stages": Stage.choices,
            "stage": stage,
            "search": forms.SearchForm(),
        },
    )


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    found = lists.my_cases(user=actor(request), page=request.GET.get("page"))
    return render(
        request, "cases/queue.html", {"title": gettext("My cases"), "found": found, "mine": True}
    )


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    form = forms.SearchForm(request.GET or None)
    rows = []
    if form.is_valid():
        rows = lists.search_cases(user=actor(request), query=form.cleaned_data["q"])
    return render(request, "cases/search.html", {"form": form, "rows": rows})


@login_required
@require_GET
def alerts(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    return render(
        request,
        "cases/alerts.html",
        {
            "alerts": alerts_selectors.my_alerts(user=user),
            "pending": alerts_selectors.pending_approvals(user=user)
            if user.has_perm(APPROVE)
            else [],
            # Payments and whatever else the apps built on cases hold for a second person.
            "waiting": alerts_selectors.waiting_decisions(user=user),
            "overdue": alerts_selectors.overdue_check_ins(user=user),
            "tasks": alerts_selectors.my_open_tasks(user=user),
        },
    )


@login_required
@require_POST
def resolve_alert(request: HttpRequest, alert_id: str) -> HttpResponse:
    try:
        alerts_services.resolve_alert(user=actor(request), alert_id=alert_id)
    except CaseError as exc:
        messages.error(request, str(exc))
    return redirect("cases:alerts")


# --- opening cases -------------------------------------------------------------------------


@login_required
@permission_required(OPEN_CASE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    form = forms.ManualCaseForm(
        request.POST or None,
        teams=staff_selectors.teams(),
        staff=staff_selectors.assignable_staff(user=actor(request)),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = opening.open_case_by_hand(
                user=actor(request),
                intake=opening.ManualIntake(
                    full_name=data["full_name"],
                    phone=data["phone"],
                    email=data["email"],
                    handle=data["handle"],
                    birth_year=data["birth_year"],
                    city=data["city"],
                    narrative=data["narrative"],
                    contacts=data["contacts"],
                    urgency=data["urgency"],
                    channel=data["channel"],
                    country=data["country"],
                ),
                team_id=data["team"] or None,
                assignee_ids=data["assignees"],
            )
        except CaseError as exc:
            form.add_error(None, str(exc))
        else:
            return _after_opening(request, case)
    return render(request, "cases/new.html", {"form": form}, status=400 if form.errors else 200)


def _who_sees_text(case: Case) -> str:
    who = staff_selectors.who_sees(case)
    parts = []
    if who.team:
        parts.append(
            gettext("the team %(team)s (its supervisor %(supervisor)s)")
            % {"team": who.team, "supervisor": who.supervisor}
        )
    parts += who.assignees
    return ", ".join(parts)


def _after_opening(request: HttpRequest, case: Case) -> HttpResponse:
    """Say who can see the new case now, so that "handed over" is never a guess."""
    who = _who_sees_text(case)
    if visibility.may_see(actor(request), case.id):
        messages.success(
            request, gettext("Case opened. It can be seen by: %(who)s.") % {"who": who}
        )
        return _to_case(case.id)
    # Need to know: whoever opened it may not be one of the people who work on it.
    messages.success(
        request,
        gettext("Case %(case)s opened and handed to %(who)s. It has left your view.")
        % {"case": case.id, "who": who},
    )
    return redirect("cases:queue")


@login_required
@permission_required(OPEN_CASE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def from_request(request: HttpRequest, request_id: str) -> HttpResponse:
    form = forms.FromRequestForm(
        request.POST or None,
        teams=staff_selectors.teams(),
        staff=staff_selectors.assignable_staff(user=actor(request)),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = opening.open_case_from_request(
                user=actor(request),
                request_id=request_id,
                team_id=data["team"] or None,
                assignee_ids=data["assignees"],
                full_name=data["full_name"],
                birth_year=data["birth_year"],
            )
        except CaseError as exc:
            form.add_error(None, str(exc))
        else:
            return _after_opening(request, case)
    return render(
        request,
        "cases/from_request.html",
        {"form": form, "request_id": request_id},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def break_glass(request: HttpRequest) -> HttpResponse:
    form = forms.BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grant = access.break_glass(
                user=actor(request),
                case_id=form.cleaned_data["case_id"].strip(),
                reason=form.cleaned_data["reason"],
            )
        except CaseError as exc:
            form.add_error(None, str(exc))
        else:
            messages.warning(
                request,
                gettext(
                    "Emergency access granted for 24 hours. The programme managers have been told."
                ),
            )
            return _to_case(grant.case_id)
    return render(request, "cases/break_glass.html", {"form": form})


# --- one case ------------------------------------------------------------------------------


@login_required
@require_GET
def detail(request: HttpRequest, case_id: str) -> HttpResponse:
    return _case_page(request, case_id)


def _case_page(
    request: HttpRequest,
    case_id: str,
    *,
    bound: dict[str, Any] | None = None,
    refused: str = "",
) -> HttpResponse:
    """The case page, opened (one ``case.opened`` audit entry per render). ``bound``
    replaces the empty form of that name with one refused as typed; the page is then a
    400 that points to the form (``refused``: its section's anchor)."""
    user = actor(request)
    # The tombstone answers a reading only; a form sent to a shredded case is the 404
    # every action on it gets.
    row = visibility.visible_case(user=user, case_id=case_id, shredded=not bound)
    if row.shredded_at is not None:
        return render(request, "cases/tombstone.html", {"case": row})
    opened = case_file.open_case(user=user, case_id=case_id)
    case = opened.case
    may_shred = user.has_perm(retention.SHRED_CASE)
    staff = staff_selectors.assignable_staff(user=user)
    may_manage = access.may_manage(user, case)
    may_grant = access.may_grant(user, case)
    targets = [(m.stage.value, m.label) for m in opened.moves]
    context: dict[str, Any] = {
        "opened": opened,
        "case": case,
        "can_work": user.has_perm(WORK_CASE),
        "can_approve": user.has_perm(APPROVE),
        "may_manage": may_manage,
        "may_grant": may_grant,
        "web_request_id": case.source_request_id
        if case.source_request_id and user.has_perm("intake.screen_request")
        else None,
        "stage_form": forms.StageForm(auto_id="stage-%s", targets=targets),
        "checklist_form": forms.ChecklistForm(
            auto_id="checklist-%s",
            initial={
                "identity_seen": case.identity_seen,
                "interview_held": case.interview_held,
                "partner_reference": case.partner_reference,
                "narrative_consistent": case.narrative_consistent,
            },
        ),
        "reference_form": forms.ReferenceForm(auto_id="reference-%s"),
        "note_form": forms.NoteForm(auto_id="note-%s"),
        "message_form": forms.MessageForm(auto_id="message-%s"),
        "web_reply_form": forms.WebReplyForm(auto_id="web-reply-%s")
        if case.source_request_id
        else None,
        "task_form": forms.TaskForm(auto_id="task-%s"),
        "risk_form": forms.RiskForm(auto_id="risk-%s", initial={"urgency": case.urgency}),
        "schedule_form": forms.ScheduleForm(
            auto_id="schedule-%s",
            initial={
                "every_hours": opened.schedule.every_hours if opened.schedule else 12,
                "grace_hours": opened.schedule.grace_hours if opened.schedule else 6,
            },
        ),
        "grant_form": forms.GrantForm(staff=staff, auto_id="grant-%s") if may_grant else None,
        "assign_form": forms.AssignForm(staff=staff, auto_id="assign-%s") if may_manage else None,
        "details_form": forms.DetailsForm(
            auto_id="details-%s",
            initial={
                "full_name": opened.full_name,
                "birth_year": opened.birth_year,
                "phone": opened.phone,
                "email": opened.email,
                "handle": opened.handle,
                "city": opened.city,
                "country": case.country,
                "narrative": opened.narrative,
                "contacts": forms.contacts_text(opened.contacts),
            },
        ),
        "may_shred": may_shred,
        "retention_form": forms.RetentionForm(auto_id="retention-%s")
        if may_shred and case.retain_until
        else None,
        "reopen_form": forms.ReopenForm(auto_id="reopen-%s")
        if may_shred and case.closed_at
        else None,
        "retention_warning_from": retention.warning_starts(case.retain_until)
        if case.retain_until
        else None,
        "shred_pending": shredding.pending_shred_request(user=user, case_id=case.id)
        if may_shred
        else None,
        "refused": refused,
    }
    refused_errors: list[str] = []
    for name, form in (bound or {}).items():
        if name == "stage_form":
            # Parsed against every stage (the service decides what is allowed); shown
            # with the moves this case offers, the typed choice still selected.
            form.fields["to_stage"].choices = targets
        if context.get(name) is not None:
            context[name] = form
        else:  # a form this person is not shown: its errors go at the top instead
            refused_errors += [str(e) for errors in form.errors.values() for e in errors]
    context["refused_errors"] = refused_errors
    return render(request, "cases/detail.html", context, status=400 if bound else 200)


@login_required
@require_POST
def change_stage(request: HttpRequest, case_id: str) -> HttpResponse:
    form = forms.StageForm(request.POST, auto_id="stage-%s", targets=[(s, s) for s in Stage.values])
    return _act(
        request,
        case_id,
        form,
        lambda: stages.change_stage(
            user=actor(request),
            case_id=case_id,
            to_stage=form.cleaned_data["to_stage"],
            reason=form.cleaned_data["reason"],
            outcome=form.cleaned_data["outcome"],
        ),
        lambda result: (
            gettext("Stage changed.")
            if result.moved
            else gettext("Asked for approval: someone else must approve this move.")
        ),
        "stage",
        "stage_form",
    )


@login_required
@require_POST
def decide(request: HttpRequest, case_id: str, approval_id: str) -> HttpResponse:
    form = forms.DecisionForm(request.POST)
    return _act(
        request,
        case_id,
        form,
        lambda: stages.decide_approval(
            user=actor(request),
            case_id=case_id,
            approval_id=approval_id,
            approve=form.cleaned_data["decision"] == "approve",
        ),
        gettext("Decision recorded."),
        "stage",
    )


@login_required
@require_POST
def withdraw(request: HttpRequest, case_id: str, approval_id: str) -> HttpResponse:
    return _act(
        request,
        case_id,
        None,  # nothing to parse: the URL names what to act on
        lambda: stages.withdraw_approval(
            user=actor(request), case_id=case_id, approval_id=approval_id
        ),
        gettext("Request for approval withdrawn."),
        "stage",
    )


@login_required
@require_POST
def checklist(request: HttpRequest, case_id: str) -> HttpResponse:
    form = forms.ChecklistForm(request.POST, auto_id="checklist-%s")
    return _act(
        request,
        case_id,
        form,
        lambda: verification.update_checklist(
            user=actor(request), case_id=case_id, **form.cleaned_data
        ),
        gettext("Checklist saved."),
        "verification",
        "checklist_form",
    )


@login_required
@require_POST
def reference(request: HttpRequest, case_id: str) -> HttpResponse:
    form = forms.ReferenceForm(request.POST, auto_id="reference-%s")
    return _act(
        request,
        case_id,
        form,
        lambda: verification.record_reference(
            user=actor(request), case_id=case_id, **form.cleaned_data
        ),
        gettext("Reference recorded."),
        "verification",
        "reference_form",
    )


@login_required
@require_POST
def note(request: HttpRequest, case_id: str) -> HttpResponse:
    form = forms.NoteForm(request.POST, auto_id="note-%s")
    return _act(
        request,
        case_id,
        form,
        lambda: daily_work.add_note(user=actor(request), case_id=case_id, **form.cleaned_data),
        gettext("Note added."),
        "timeline",
        "note_form",
    )


@login_required
@require_POST
def message(request: HttpRequest, case_id: str) -> HttpResponse:
    form = forms.MessageForm(request.POST, auto_id="message-%s")
    return _act(
        request,
        case_id,
        form,
        lambda: daily_work.record_message(
            user=actor(request), case_id=case_id, **form.cleaned_data
        ),
        gettext("Message recorded."),
        "timeline",
        "message_form",
    )


@login_required
@require_POST
def web_reply(request: HttpRequest, case_id: str) -> HttpResponse:
    form = forms.WebReplyForm(request.POST, auto_id="web-reply-%s")
    return _act(
        request,
        case_id,
        form,
        lambda: daily_work.reply_to_applicant(
            user=actor(request), case_id=case_id, text=form.cleaned_data["text"]
        ),
        gettext("Reply sent to the applicant's web mailbox."),
        "timeline",
        "web_reply_form",
    )


@login_required
@require_POST
def task(request: HttpRequest, case_id: str) -> HttpResponse:
    form = forms.TaskForm(request.POST, auto_id="task-%s")
    return _act(
        request,
        case_id,
        form,
        lambda: daily_work.add_task(
            user=actor(request),
            case_id=case_id,
            title=form.cleaned_data["title"],
            due_at=form.due_at(),
        ),
        gettext("Task added."),
        "tasks",
        "task_form",
    )


@login_required
@require_POST
def task_done(request: HttpRequest, case_id: str, task_id: str) -> HttpResponse:
    return _act(
        request,
        case_id,
        None,  # nothing to parse: the URL names what to act on
        lambda: daily_work.complete_task(user=actor(request), case_id=case_id, task_id=task_id),
        gettext("Task done."),
        "tasks",
    )


@login_required
@require_POST
def risk(request: HttpRequest, case_id: str) -> HttpResponse:
    form = forms.RiskForm(request.POST, auto_id="risk-%s")
    return _act(
        request,
        case_id,
        form,
        lambda: daily_work.assess_risk(user=actor(request), case_id=case_id, **form.cleaned_data),
        gettext("Risk assessment saved."),
        "risk",
        "risk_form",
    )


@login_required
@require_POST
def schedule(request: HttpRequest, case_id: str) -> HttpResponse:
    form = forms.ScheduleForm(request.POST, auto_id="schedule-%s")
    return _act(
        request,
        case_id,
        form,
        lambda: check_ins.set_check_in_schedule(
            user=actor(request), case_id=case_id, **form.cleaned_data
        ),
        gettext("Check-in schedule saved."),
        "check-ins",
        "schedule_form",
    )


@login_required
@require_POST
def check_in(request: HttpRequest, case_id: str) -> HttpResponse:
    return _act(
        request,
        case_id,
        None,  # nothing to parse: the URL names what to act on
        lambda: check_ins.record_check_in(user=actor(request), case_id=case_id),
        gettext("Check-in recorded."),
        "check-ins",
    )


@login_required
@require_POST
def details(request: HttpRequest, case_id: str) -> HttpResponse:
    form = forms.DetailsForm(request.POST, auto_id="details-%s")
    return _act(
        request,
        case_id,
        form,
        lambda: person.update_details(
            user=actor(request), case_id=case_id, details=person.Details(**form.cleaned_data)
        ),
        gettext("Details saved."),
        "details",
        "details_form",
    )


@login_required
@require_POST
def assign(request: HttpRequest, case_id: str) -> HttpResponse:
    form = forms.AssignForm(
        request.POST,
        auto_id="assign-%s",
        staff=staff_selectors.assignable_staff(user=actor(request)),
    )
    return _act(
        request,
        case_id,
        form,
        lambda: access.assign(
            user=actor(request), case_id=case_id, assignee_id=form.cleaned_data["assignee"]
        ),
        gettext("Assigned."),
        "people",
        "assign_form",
    )


@login_required
@require_POST
def unassign(request: HttpRequest, case_id: str) -> HttpResponse:
    form = forms.UnassignForm(request.POST)
    return _act(
        request,
        case_id,
        form,
        lambda: access.unassign(
            user=actor(request), case_id=case_id, assignee_id=form.cleaned_data["assignee"]
        ),
        gettext("Taken off the case."),
        "people",
    )


@login_required
def teams(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    if not user.has_perm("cases.manage_teams"):
        raise PermissionDenied
    form = forms.TeamForm(request.POST or None, staff=staff_selectors.assignable_staff(user=user))
    if request.method == "POST" and form.is_valid():
        try:
            team = access.add_team(
                user=user,
                name=form.cleaned_data["name"],
                supervisor_id=form.cleaned_data["supervisor"],
            )
        except CaseError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, gettext("Team %(name)s set up.") % {"name": team.name})
            return redirect("cases:teams")
    return render(
        request,
        "cases/teams.html",
        {"teams": staff_selectors.teams_overview(user=user), "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def grant(request: HttpRequest, case_id: str) -> HttpResponse:
    form = forms.GrantForm(
        request.POST,
        auto_id="grant-%s",
        staff=staff_selectors.assignable_staff(user=actor(request)),
    )
    return _act(
        request,
        case_id,
        form,
        lambda: access.grant_access(
            user=actor(request),
            case_id=case_id,
            grantee_id=form.cleaned_data["grantee"],
            reason=form.cleaned_data["reason"],
            until=form.until_at(),
        ),
        gettext("Access granted."),
        "people",
        "grant_form",
    )


@login_required
@require_POST
def revoke(request: HttpRequest, case_id: str, grant_id: str) -> HttpResponse:
    return _act(
        request,
        case_id,
        None,  # nothing to parse: the URL names what to act on
        lambda: access.revoke_access(user=actor(request), case_id=case_id, grant_id=grant_id),
        gettext("Access revoked."),
        "people",
    )


# --- retention and shredding ---------------------------------------------------------------


@login_required
@require_POST
def extend_retention(request: HttpRequest, case_id: str) -> HttpResponse:
    form = forms.RetentionForm(request.POST, auto_id="retention-%s")
    return _act(
        request,
        case_id,
        form,
        lambda: retention.extend_retention(
            user=actor(request),
            case_id=case_id,
            until=form.cleaned_data["until"],
            reason=form.cleaned_data["reason"],
        ),
        gettext("Retention extended."),
        "retention",
        "retention_form",
    )


@login_required
@require_POST
def reopen(request: HttpRequest, case_id: str) -> HttpResponse:
    form = forms.ReopenForm(request.POST, auto_id="reopen-%s")
    return _act(
        request,
        case_id,
        form,
        lambda: retention.reopen_case(
            user=actor(request), case_id=case_id, reason=form.cleaned_data["reason"]
        ),
        gettext("Case reopened: its retention clock has stopped."),
        "retention",
        "reopen_form",
    )


def _shred_page(
    request: HttpRequest, case_id: str, *, form: Any = None, error: str = ""
) -> HttpResponse:
    """What shredding this case would destroy, and the request to shred it (asked, or
    waiting for a second programme manager). Need to know first (a 404), then the role."""
    user = actor(request)
    case = visibility.visible_case(user=user, case_id=case_id, shredded=True)
    if not user.has_perm(retention.SHRED_CASE):
        raise PermissionDenied(gettext("Only programme managers shred cases."))
    if case.shredded_at is not None:
        return redirect("cases:detail", case_id)
    pending = shredding.pending_shred_request(user=user, case_id=case_id)
    context = {
        "case": case,
        "pending": pending,
        "asked_by": staff_selectors._usernames([pending.requested_by_id]).get(
            pending.requested_by_id, ""
        )
        if pending
        else "",
        "form": form or forms.ShredRequestForm(auto_id="shred-%s"),
        "error": error,
    }
    return render(request, "cases/shred.html", context, status=400 if error else 200)


# Asking and confirming want the password given again within minutes (as API tokens
# do): a session left open on a shared computer must not be enough to forget a person.
# After re-authenticating, the browser comes back with a GET: it lands on the page.
# Need to know comes first: whoever may not see the case gets its 404, not a sign-in.
def _seen_then_reauthenticated(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    reauthenticated = recent_authentication_required(view)

    @functools.wraps(view)
    def wrapper(request: HttpRequest, case_id: str, *args: Any, **kwargs: Any) -> HttpResponse:
        visibility.visible_case(user=actor(request), case_id=case_id, shredded=True)
        return reauthenticated(request, case_id, *args, **kwargs)

    return wrapper


@login_required
@_seen_then_reauthenticated
@require_GET
def shred(request: HttpRequest, case_id: str) -> HttpResponse:
    return _shred_page(request, case_id)


@login_required
@_seen_then_reauthenticated
@require_http_methods(["GET", "POST"])
def shred_request(request: HttpRequest, case_id: str) -> HttpResponse:
    if request.method == "GET":
        return back_to("cases:shred", case_id)
    form = forms.ShredRequestForm(request.POST, auto_id="shred-%s")
    if not form.is_valid():
        said = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _shred_page(request, case_id, form=form, error=said)
    try:
        shredding.request_shred(
            user=actor(request), case_id=case_id, reason=form.cleaned_data["reason"]
        )
    except CaseError as exc:
        return _shred_page(request, case_id, form=form, error=str(exc))
    messages.success(
        request, gettext("Asked to shred this case. A different programme manager must confirm it.")
    )
    return back_to("cases:shred", case_id)


@login_required
@_seen_then_reauthenticated
@require_http_methods(["GET", "POST"])
def shred_confirm(request: HttpRequest, case_id: str, request_id: str) -> HttpResponse:
    if request.method == "GET":
        return back_to("cases:shred", case_id)
    try:
        shredding.confirm_shred(user=actor(request), case_id=case_id, request_id=request_id)
    except CaseError as exc:
        return _shred_page(request, case_id, error=str(exc))
    messages.success(request, gettext("The case was shredded."))
    return _to_case(case_id)


@login_required
@require_POST
def shred_cancel(request: HttpRequest, case_id: str, request_id: str) -> HttpResponse:
    try:
        shredding.cancel_shred(user=actor(request), case_id=case_id, request_id=request_id)
    except CaseError as exc:
        return _shred_page(request, case_id, error=str(exc))
    messages.success(request, gettext("The request to shred this case was cancelled."))
    return back_to("cases:shred", case_id)
