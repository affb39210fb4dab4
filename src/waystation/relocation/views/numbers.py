"""The numbers managers need: aggregate figures with their charts, CSV per table and the
donor report. Programme managers only (``relocation.view_numbers``); everyone else gets
a 403. No case is named, so visibility of cases does not enter; small cells are hidden
by ``waystation.web.figures.suppression`` before any of these views sees a figure."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from waystation.relocation.reports import charts, service
from waystation.relocation.reports.period import PeriodForm, period_from
from waystation.relocation.services.common import VIEW_NUMBERS
from waystation.web.actions import actor
from waystation.web.figures.suppression import legend
from waystation.web.figures.tables import ShownTable


def _refused(request: HttpRequest, form: PeriodForm) -> HttpResponse:
    return render(
        request, "relocation/numbers/page.html", {"form": form, "charted": []}, status=400
    )


def _chart(table: ShownTable) -> SafeString:
    # Our own drawing of a suppressed table: ElementTree escaped every label, and
    # charts.clean_svg removed styles, scripts and event attributes.
    return mark_safe(charts.svg(table))  # noqa: S308


def _download(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@permission_required(VIEW_NUMBERS, raise_exception=True)
@require_GET
def numbers(request: HttpRequest) -> HttpResponse:
    period, form = period_from(request.GET)
    if period is None:
        return _refused(request, form)
    tables = service.shown_tables(user=actor(request), period=period)
    context: dict[str, Any] = {
        "form": form,
        "period": period,
        "query": period.query(),
        "charted": [(table, _chart(table)) for table in tables],
        "k": tables[0].k,
        "legend": legend(tables[0].k),
    }
    return render(request, "relocation/numbers/page.html", context)


@login_required
@permission_required(VIEW_NUMBERS, raise_exception=True)
@require_GET
def numbers_csv(request: HttpRequest, table: str) -> HttpResponse:
    period, form = period_from(request.GET)
    if period is None:
        return _refused(request, form)
    try:
        shown, text = service.export_csv(user=actor(request), name=table, period=period)
    except service.UnknownTable:
        raise Http404(gettext("No such table.")) from None
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    return _download(response, f"waystation-{shown.name}-{period.start}-{period.end}.csv")


@login_required
@permission_required(VIEW_NUMBERS, raise_exception=True)
@require_GET
def numbers_pdf(request: HttpRequest) -> HttpResponse:
    period, form = period_from(request.GET)
    if period is None:
        return _refused(request, form)
    document = service.export_pdf(user=actor(request), period=period)
    response = HttpResponse(document, content_type="application/pdf")
    return _download(response, f"waystation-figures-{period.start}-{period.end}.pdf")


urlpatterns: list[URLPattern] = [
    path("", numbers, name="numbers"),
    path("csv/<slug:table>/", numbers_csv, name="numbers_csv"),
    path("report.pdf", numbers_pdf, name="numbers_pdf"),
]
