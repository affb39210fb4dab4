"""Safe house pages and the actions on a case's stays. Views parse, call one service or
selector, and render or redirect; the rules are in ``services.houses`` and
``selectors.houses``.

A house page is a 404 for anyone who neither manages houses nor may open that house; a
stay's action is a 404 for anyone who may not see its case (``CaseNotFound``), on GET
and POST alike. Refused actions come back as a message on the page they came from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from waystation.relocation.forms import houses as forms
from waystation.relocation.selectors import houses as selectors
from waystation.relocation.selectors.houses import HouseNotFound
from waystation.relocation.services import houses as services
from waystation.relocation.services.common import MANAGE_HOUSES, RelocationError
from waystation.relocation.views.common import act, act_then
from waystation.web.actions import actor, tell

# Actions answer GET too, after the same 404 check as POST, with a redirect to their page:
# someone who may not see a case (or house) gets a 404 whatever the method, never a 405
# that would differ from a visible one's answer.
_action = require_http_methods(["GET", "POST"])


# --- houses -----------------------------------------------------------------------------------


@login_required
@require_GET
def house_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.house_list(user=actor(request))
    return render(request, "relocation/houses/list.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def house_new(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    if not user.has_perm(MANAGE_HOUSES):
        raise HouseNotFound(gettext("No such page."))
    form = forms.HouseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            house = services.add_house(
                user=user,
                details=services.HouseDetails(
                    label=data["label"],
                    country=data["country"],
                    beds=data["beds"],
                    address=data["address"],
                    contacts=data["contacts"],
                    notes=data["notes"],
                ),
            )
        except RelocationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, gettext("House added; you hold its first key."))
            return redirect("relocation:house", house.id)
    return render(
        request, "relocation/houses/new.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
@require_GET
def house_detail(request: HttpRequest, house_id: str) -> HttpResponse:
    page = selectors.house_page(user=actor(request), house_id=house_id)
    return render(
        request,
        "relocation/houses/detail.html",
        {
            "page": page,
            "house": page.house,
            "beds_form": forms.BedsForm(auto_id="beds-%s", initial={"beds": page.house.beds}),
            "keyholder_form": forms.KeyholderForm(auto_id="key-%s", staff=page.candidates)
            if page.candidates
            else None,
        },
    )


def _house_action(
    request: HttpRequest, house_id: str, form: Any | None, call: Callable[[], Any], done: str
) -> HttpResponse:
    selectors.visible_house(user=actor(request), house_id=house_id)  # a 404 before anything
    return act_then(request, form, call, done, redirect("relocation:house", house_id))


@login_required
@_action
def house_beds(request: HttpRequest, house_id: str) -> HttpResponse:
    form = forms.BedsForm(request.POST)
    return _house_action(
        request,
        house_id,
        form,
        lambda: services.change_beds(
            user=actor(request), house_id=house_id, beds=form.cleaned_data["beds"]
        ),
        gettext("Beds changed."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def house_deactivate(request: HttpRequest, house_id: str) -> HttpResponse:
    """A page that says what deactivating means, then a POST from its button. A POST
    without the page's confirmation changes nothing and shows the page."""
    user = actor(request)
    house = selectors.visible_house(user=user, house_id=house_id)  # a 404 before anything
    if not services.may_change_status(user, house):
        messages.error(
            request,
            gettext("Only the keyholders of %(house)s may deactivate it.") % {"house": house.label},
        )
        return redirect("relocation:house", house_id)
    if not house.active:
        messages.info(request, gettext("This house is already inactive."))
        return redirect("relocation:house", house_id)
    form = forms.DeactivateForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        tell(
            request,
            None,
            lambda: services.deactivate_house(user=user, house_id=house_id),
            gettext("House deactivated: it takes no new stays. A keyholder can reactivate it."),
            refused=RelocationError,
        )
        return redirect("relocation:house", house_id)
    return render(
        request,
        "relocation/houses/deactivate.html",
        {
            "house": house,
            "stays_to_come": services.stays_to_come(house),
            "confirm_word": forms.DeactivateForm.WORD,
        },
    )


@login_required
@_action
def house_reactivate(request: HttpRequest, house_id: str) -> HttpResponse:
    return _house_action(
        request,
        house_id,
        None,
        lambda: services.reactivate_house(user=actor(request), house_id=house_id),
        gettext("House reactivated: it takes new stays again."),
    )


@login_required
@_action
def keyholder_add(request: HttpRequest, house_id: str) -> HttpResponse:
    house = selectors.visible_house(user=actor(request), house_id=house_id)
    form = forms.KeyholderForm(request.POST, staff=selectors.keyholder_candidates(house))
    return _house_action(
        request,
        house_id,
        form,
        lambda: services.add_keyholder(
            user=actor(request), house_id=house_id, keyholder_id=form.cleaned_data["keyholder"]
        ),
        gettext("Key given."),
    )


@login_required
@_action
def keyholder_remove(request: HttpRequest, house_id: str) -> HttpResponse:
    form = forms.RemoveKeyholderForm(request.POST)
    return _house_action(
        request,
        house_id,
        form,
        lambda: services.remove_keyholder(
            user=actor(request), house_id=house_id, keyholder_id=form.cleaned_data["keyholder"]
        ),
        gettext("Key taken back."),
    )


@login_required
@require_GET
def occupancy(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    if not user.has_perm(MANAGE_HOUSES):
        raise HouseNotFound(gettext("No such page."))
    form = forms.OccupancyForm(
        request.GET or None, houses=selectors.occupancy_house_choices(user=user)
    )
    chosen: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        chosen = form.cleaned_data
    found = selectors.occupancy(
        user=user,
        start=chosen.get("start"),
        days=chosen.get("days") or selectors.DEFAULT_OCCUPANCY_DAYS,
        house_id=chosen.get("house") or "",
    )
    return render(
        request,
        "relocation/houses/occupancy.html",
        {"form": form, "found": found},
        status=400 if form.is_bound and form.errors else 200,
    )


# --- a case's stays ---------------------------------------------------------------------------
# Each goes through ``common.act``: the case's 404 before the form, so that someone who
# may not see the case learns nothing, not even whether their input was valid.


@login_required
@_action
def stay_add(request: HttpRequest, case_id: str) -> HttpResponse:
    form = forms.PlacementForm(request.POST, houses=selectors.all_active_houses())
    return act(
        request,
        case_id,
        form,
        lambda: services.add_placement(
            user=actor(request),
            case_id=case_id,
            stay=services.StayRequest(
                house_id=form.cleaned_data["house"],
                arrives_on=form.cleaned_data["arrives_on"],
                leaves_on=form.cleaned_data["leaves_on"],
                beds=form.cleaned_data["beds"],
                notes=form.cleaned_data["notes"],
            ),
        ),
        gettext("Stay booked."),
        "stays",
    )


@login_required
@_action
def stay_arrived(request: HttpRequest, case_id: str, placement_id: str) -> HttpResponse:
    return act(
        request,
        case_id,
        None,
        lambda: services.mark_arrived(
            user=actor(request), case_id=case_id, placement_id=placement_id
        ),
        gettext("Marked as arrived."),
        "stays",
    )


@login_required
@_action
def stay_left(request: HttpRequest, case_id: str, placement_id: str) -> HttpResponse:
    form = forms.LeftForm(request.POST)
    return act(
        request,
        case_id,
        form,
        lambda: services.mark_left(
            user=actor(request),
            case_id=case_id,
            placement_id=placement_id,
            left_on=form.cleaned_data["left_on"],
        ),
        gettext("Marked as left."),
        "stays",
    )


@login_required
@_action
def stay_cancel(request: HttpRequest, case_id: str, placement_id: str) -> HttpResponse:
    return act(
        request,
        case_id,
        None,
        lambda: services.cancel_placement(
            user=actor(request), case_id=case_id, placement_id=placement_id
        ),
        gettext("Stay cancelled."),
        "stays",
    )


urlpatterns: list[URLPattern] = [
    path("", house_list, name="houses"),
    path("new/", house_new, name="house_new"),
    path("occupancy/", occupancy, name="occupancy"),
    path("<str:house_id>/", house_detail, name="house"),
    path("<str:house_id>/beds/", house_beds, name="house_beds"),
    path("<str:house_id>/deactivate/", house_deactivate, name="house_deactivate"),
    path("<str:house_id>/reactivate/", house_reactivate, name="house_reactivate"),
    path("<str:house_id>/keyholders/add/", keyholder_add, name="keyholder_add"),
    path("<str:house_id>/keyholders/remove/", keyholder_remove, name="keyholder_remove"),
    path("cases/<str:case_id>/stays/", stay_add, name="stay_add"),
    path(
        "cases/<str:case_id>/stays/<str:placement_id>/arrived/", stay_arrived, name="stay_arrived"
    ),
    path("cases/<str:case_id>/stays/<str:placement_id>/left/", stay_left, name="stay_left"),
    path("cases/<str:case_id>/stays/<str:placement_id>/cancel/", stay_cancel, name="stay_cancel"),
]
