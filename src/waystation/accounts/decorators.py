from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

REAUTH_SESSION_KEY = "waystation_reauthenticated_at"

View = Callable[..., HttpResponse]


def recent_authentication_required(view: View) -> View:
    """Sensitive actions ask for the password again if it was not given recently."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        at = request.session.get(REAUTH_SESSION_KEY)
        if not isinstance(at, int | float) or time.time() - at > settings.WAYSTATION_REAUTH_SECONDS:
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('accounts:reauthenticate')}?{query}")
        return view(request, *args, **kwargs)

    return wrapper
