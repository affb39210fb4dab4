"""The documentation figures page (counts with their corroboration, the chart of acts
per month, the estimate of how many people no list saw) and its exports, CSV per table
and JSON of all. Readers of the record only (``documentation.read_events``); everyone
else gets a 403. Every figure is suppressed by ``selectors.figures`` before any of these
views sees it."""

from __future__ import annotations

from typing import Any

from babel.numbers import format_percent
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from waystation.accounts.templatetags.staff_format import cldr_locale, local_number
from waystation.documentation import charts, estimation
from waystation.documentation.forms.figures import (
    FiltersForm,
    ListsForm,
    filters_from,
)
from waystation.documentation.selectors import capture
from waystation.documentation.selectors.figures import READ, UnknownTable
from waystation.documentation.services import exports
from waystation.web.actions import actor
from waystation.web.figures.suppression import legend
from waystation.web.figures.tables import ShownTable

PAGE = "documentation/figures.html"


def _download(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _refused(request: HttpRequest, form: FiltersForm) -> HttpResponse:
    context = {"form": form, "lists_form": ListsForm(), "assumptions": estimation.ASSUMPTIONS}
    return render(request, PAGE, context, status=400)


def _estimate_context(shown: capture.ShownEstimate) -> dict[str, Any]:
    """The estimate's numbers in the reader's language: whole people, and an interval
    that may have no upper end."""
    result = shown.result
    if result is None:
        return {"estimate": shown}
    low, high = local_number(round(result.ci_low)), result.ci_high
    interval = (
        gettext("from %(low)s, with no upper end") % {"low": low}
        if high is None
        else gettext("%(low)s to %(high)s") % {"low": low, "high": local_number(round(high))}
    )
    return {
        "estimate": shown,
        "estimate_number": local_number(round(result.estimate)),
        "estimate_interval": interval,
        "estimate_level": format_percent(result.level, locale=cldr_locale()),
    }


def _chart(table: ShownTable) -> SafeString:
    # Our own drawing of a suppressed table: ElementTree escaped every label, and
    # clean_svg removed styles, scripts and event attributes.
    return mark_safe(charts.svg(table))  # noqa: S308


@login_required
@permission_required(READ, raise_exception=True)
@require_GET
def figures(request: HttpRequest) -> HttpResponse:
    filters, form = filters_from(request.GET)
    if filters is None:
        return _refused(request, form)
    user = actor(request)
    shown = exports.show_figures(user=user, filters=filters)
    context: dict[str, Any] = {
        "form": form,
        "filters": filters,
        "query": filters.query(),
        "figures": shown,
        "chart": _chart(shown.table("acts_by_month")),
        "legend": legend(shown.k),
        "assumptions": estimation.ASSUMPTIONS,
        # The estimate's form keeps the figures' filters (no JavaScript to carry them).
        "filters_hidden": filters.params(),
    }
    status = 200
    if "lists" in request.GET:
        lists_form = ListsForm(request.GET)
        if lists_form.is_valid():
            found = capture.population_estimate(
                user=user,
                list_ids=[chosen.id for chosen in lists_form.cleaned_data["lists"]],
                k=shown.k,
            )
            context.update(_estimate_context(found))
        else:
            status = 400
    else:
        lists_form = ListsForm()
    context["lists_form"] = lists_form
    return render(request, PAGE, context, status=status)


@login_required
@permission_required(READ, raise_exception=True)
@require_GET
def figures_csv(request: HttpRequest, table: str) -> HttpResponse:
    filters, form = filters_from(request.GET)
    if filters is None:
        return _refused(request, form)
    try:
        shown, text = exports.export_table_csv(user=actor(request), name=table, filters=filters)
    except UnknownTable:
        raise Http404(gettext("No such table.")) from None
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    return _download(
        response, f"waystation-{shown.name}-{filters.first_month}-{filters.last_month}.csv"
    )


@login_required
@permission_required(READ, raise_exception=True)
@require_GET
def figures_json(request: HttpRequest) -> HttpResponse:
    filters, form = filters_from(request.GET)
    if filters is None:
        return _refused(request, form)
    text = exports.export_figures_json(user=actor(request), filters=filters)
    response = HttpResponse(text, content_type="application/json; charset=utf-8")
    return _download(
        response, f"waystation-documentation-{filters.first_month}-{filters.last_month}.json"
    )


urlpatterns: list[URLPattern] = [
    path("figures/", figures, name="figures"),
    path("figures/csv/<slug:table>/", figures_csv, name="figures_csv"),
    path("figures/figures.json", figures_json, name="figures_json"),
]
