"""The case's relocation page, its plan and its legs. Views parse, call one service or
selector, and redirect back to the page (POST, redirect, GET); the rules live in the
services. A case the user may not see is a 404 on every route, for reading and acting,
whatever the role (``CaseNotFound`` is never caught here)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from waystation.relocation.forms.documents import DocumentForm
from waystation.relocation.forms.houses import PlacementForm
from waystation.relocation.forms.money import PaymentForm
from waystation.relocation.forms.travel import (
    TIMEZONE_LIST,
    LegForm,
    MomentForm,
    PlanForm,
    timezone_names,
)
from waystation.relocation.selectors.travel import open_relocation
from waystation.relocation.services import travel
from waystation.relocation.services.common import PLAN
from waystation.relocation.views.common import act
from waystation.web.actions import actor


def _moved(message: str) -> Callable[[travel.LegResult], str]:
    def say(result: travel.LegResult) -> str:
        if not result.stage_note:
            return message
        return gettext("%(done)s %(stage_note)s") % {
            "done": message,
            "stage_note": result.stage_note,
        }

    return say


def _leg_initial(leg: Any, zone: str) -> dict[str, Any]:
    return {
        "mode": leg.mode,
        "from_country": leg.from_country,
        "to_country": leg.to_country,
        "zone": zone,
        "planned_departure": timezone.localtime(leg.planned_departure),
        "planned_arrival": timezone.localtime(leg.planned_arrival),
        "grace_hours": leg.grace_hours,
        "origin": leg.origin,
        "destination": leg.destination,
        "escort": leg.escort,
        "notes": leg.notes,
    }


def _booking_form(house_choices: list[tuple[str, str]]) -> PlacementForm | None:
    """A stay is booked in a house one may book: no houses, no form."""
    return PlacementForm(auto_id="stay-%s", houses=house_choices) if house_choices else None


def _document_initial(document: Any) -> dict[str, Any]:
    return {
        "kind": document.kind,
        "status": document.status,
        "country": document.country,
        "visa_type": document.visa_type,
        "leg": document.leg_id,
        "applied_on": document.applied_on,
        "issued_on": document.issued_on,
        "expires_on": document.expires_on,
        "number": document.number,
        "notes": document.notes,
    }


@login_required
@require_GET
def case_page(request: HttpRequest, case_id: str) -> HttpResponse:
    user = actor(request)
    opened = open_relocation(user=user, case_id=case_id)
    can_work = bool(user.has_perm(PLAN))
    zone = timezone.get_current_timezone_name()
    leg_choices = [
        (leg.id, gettext("Leg %(position)s") % {"position": leg.position}) for leg in opened.legs
    ]
    legs = []
    for leg in opened.legs:
        legs.append(
            {
                "leg": leg,
                "edit_form": LegForm(auto_id=f"leg-{leg.id}-%s", initial=_leg_initial(leg, zone))
                if can_work and leg.is_open
                else None,
                "moment_form": MomentForm(auto_id=f"moment-{leg.id}-%s", initial={"zone": zone})
                if can_work and leg.is_open
                else None,
            }
        )
    shared = {s.document_id: s for s in opened.shared_numbers}
    documents = [
        {
            "document": document,
            "shared": shared.get(document.id),
            "edit_form": DocumentForm(
                auto_id=f"document-{document.id}-%s",
                legs=leg_choices,
                initial=_document_initial(document),
            )
            if can_work
            else None,
        }
        for document in opened.documents
    ]
    plan = opened.plan
    return render(
        request,
        "relocation/case.html",
        {
            "opened": opened,
            "case": opened.case,
            "can_work": can_work,
            "legs": legs,
            "documents": documents,
            "houses": {**opened.houses, "form": _booking_form(opened.houses["house_choices"])},
            "money": {
                **opened.money,
                "form": PaymentForm(prefix="payment") if opened.money["can_record"] else None,
            },
            "plan_form": PlanForm(
                auto_id="plan-%s",
                initial={
                    "pathway": plan.pathway,
                    "destination_country": plan.destination_country,
                    "destination": plan.destination,
                    "notes": plan.notes,
                }
                if plan
                else None,
            ),
            "leg_form": LegForm(auto_id="new-leg-%s", initial={"zone": zone, "grace_hours": 6}),
            "document_form": DocumentForm(auto_id="new-document-%s", legs=leg_choices),
            "timezone_list": TIMEZONE_LIST,
            "timezones": timezone_names() if can_work else [],
            "zone": zone,
        },
    )


@login_required
@require_POST
def plan(request: HttpRequest, case_id: str) -> HttpResponse:
    form = PlanForm(request.POST)
    return act(
        request,
        case_id,
        form,
        lambda: travel.save_plan(user=actor(request), case_id=case_id, plan=form.to_input()),
        gettext("Plan saved."),
        "plan",
    )


@login_required
@require_POST
def add_leg(request: HttpRequest, case_id: str) -> HttpResponse:
    form = LegForm(request.POST)
    return act(
        request,
        case_id,
        form,
        lambda: travel.add_leg(user=actor(request), case_id=case_id, leg=form.to_input()),
        lambda leg: gettext("Leg %(position)s added.") % {"position": leg.position},
        "legs",
    )


@login_required
@require_POST
def change_leg(request: HttpRequest, case_id: str, leg_id: str) -> HttpResponse:
    form = LegForm(request.POST)
    return act(
        request,
        case_id,
        form,
        lambda: travel.change_leg(
            user=actor(request), case_id=case_id, leg_id=leg_id, leg=form.to_input()
        ),
        lambda leg: gettext("Leg %(position)s saved.") % {"position": leg.position},
        "legs",
    )


@login_required
@require_POST
def cancel_leg(request: HttpRequest, case_id: str, leg_id: str) -> HttpResponse:
    return act(
        request,
        case_id,
        None,  # nothing to parse: the URL names what to act on
        lambda: travel.cancel_leg(user=actor(request), case_id=case_id, leg_id=leg_id),
        lambda leg: gettext("Leg %(position)s cancelled.") % {"position": leg.position},
        "legs",
    )


@login_required
@require_POST
def depart(request: HttpRequest, case_id: str, leg_id: str) -> HttpResponse:
    form = MomentForm(request.POST)
    return act(
        request,
        case_id,
        form,
        lambda: travel.record_departure(
            user=actor(request), case_id=case_id, leg_id=leg_id, at=form.moment()
        ),
        _moved(gettext("Departure recorded.")),
        "legs",
    )


@login_required
@require_POST
def arrive(request: HttpRequest, case_id: str, leg_id: str) -> HttpResponse:
    form = MomentForm(request.POST)
    return act(
        request,
        case_id,
        form,
        lambda: travel.record_arrival(
            user=actor(request), case_id=case_id, leg_id=leg_id, at=form.moment()
        ),
        _moved(gettext("Arrival recorded.")),
        "legs",
    )


@login_required
@require_POST
def check_in(request: HttpRequest, case_id: str, leg_id: str) -> HttpResponse:
    return act(
        request,
        case_id,
        None,  # nothing to parse: the URL names what to act on
        lambda: travel.record_leg_check_in(user=actor(request), case_id=case_id, leg_id=leg_id),
        gettext("Check-in recorded."),
        "legs",
    )


urlpatterns: list[URLPattern] = [
    path("case/<str:case_id>/", case_page, name="case"),
    path("case/<str:case_id>/plan/", plan, name="plan"),
    path("case/<str:case_id>/legs/", add_leg, name="leg_add"),
    path("case/<str:case_id>/legs/<str:leg_id>/", change_leg, name="leg_change"),
    path("case/<str:case_id>/legs/<str:leg_id>/cancel/", cancel_leg, name="leg_cancel"),
    path("case/<str:case_id>/legs/<str:leg_id>/depart/", depart, name="leg_depart"),
    path("case/<str:case_id>/legs/<str:leg_id>/arrive/", arrive, name="leg_arrive"),
    path("case/<str:case_id>/legs/<str:leg_id>/check-in/", check_in, name="leg_check_in"),
]
