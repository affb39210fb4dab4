"""A case's travel documents: add and change, back to the relocation page (which shows
them, opened under its one audit entry)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from waystation.relocation.forms.documents import DocumentForm
from waystation.relocation.services import documents
from waystation.relocation.views.common import act
from waystation.web.actions import actor


@login_required
@require_POST
def add_document(request: HttpRequest, case_id: str) -> HttpResponse:
    form = DocumentForm(request.POST)
    return act(
        request,
        case_id,
        form,
        lambda: documents.add_document(
            user=actor(request), case_id=case_id, document=form.to_input()
        ),
        lambda document: gettext("%(kind)s added.") % {"kind": document.get_kind_display()},
        "documents",
    )


@login_required
@require_POST
def change_document(request: HttpRequest, case_id: str, document_id: str) -> HttpResponse:
    form = DocumentForm(request.POST)
    return act(
        request,
        case_id,
        form,
        lambda: documents.change_document(
            user=actor(request), case_id=case_id, document_id=document_id, document=form.to_input()
        ),
        lambda document: gettext("%(kind)s saved.") % {"kind": document.get_kind_display()},
        "documents",
    )


urlpatterns: list[URLPattern] = [
    path("case/<str:case_id>/", add_document, name="document_add"),
    path("case/<str:case_id>/<str:document_id>/", change_document, name="document_change"),
]
