from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def waystation(request: HttpRequest) -> dict[str, object]:
    return {"demo_mode": settings.DEMO_MODE}
