from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from waystation.vault import services


# No re-authentication: sealing is the emergency action (a raid, a stolen laptop) and
# must take one press. It destroys nothing; unsealing needs the trustees' shares.
@require_POST
@login_required
@permission_required("vault.seal_now", raise_exception=True)
def seal_now(request: HttpRequest) -> HttpResponse:
    report = services.seal_now(actor_id=request.user.pk)
    return render(request, "vault/sealed.html", {"report": report}, status=503)
