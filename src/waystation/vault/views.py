from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from waystation.vault import services

CONFIRM = "seal"


# No re-authentication: sealing is the emergency action (a raid, a stolen laptop) and
# must stay one form away. But not one tap: a mis-tap beside "Sign out" would stop the
# whole organisation until the trustees meet. So the menu opens a page that says what
# sealing does, and only its button (a POST carrying ``confirm``) seals. It works
# without JavaScript, and it destroys nothing; unsealing needs the trustees' shares.
@require_http_methods(["GET", "POST"])
@login_required
@permission_required("vault.seal_now", raise_exception=True)
def seal_now(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and request.POST.get("confirm") == CONFIRM:
        report = services.seal_now(actor_id=request.user.pk)
        return render(request, "vault/sealed.html", {"report": report}, status=503)
    # A GET, or a POST without the confirmation (an old form, a stray request): the
    # question, never the seal.
    return render(
        request,
        "vault/seal_confirm.html",
        {"confirm": CONFIRM},
        status=200 if request.method == "GET" else 400,
    )
