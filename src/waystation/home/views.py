"""The staff home page. Thin: one selector, one template. Works without JavaScript."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from waystation.home.selectors import home_for
from waystation.web.actions import actor


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "waystation/home.html", {"home": home_for(user=actor(request))})
