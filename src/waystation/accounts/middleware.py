"""The session policy, enforced on every request rather than remembered by each view."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.http import urlencode

from waystation.accounts import selectors, sessions
from waystation.accounts.models import StaffUser

# Pages a signed-in person may reach before passing the second factor: the steps of
# signing in themselves, and the way out.
# Choosing the language of the pages is allowed at every step.
_BEFORE_SECOND_FACTOR = frozenset(
    {
        "accounts:login",
        "accounts:verify",
        "accounts:verify_key_options",
        "accounts:verify_key",
        "accounts:enrol",
        "accounts:logout",
        "accounts:language",
    }
)
# Pages reachable while a password chosen by an administrator still has to be replaced.
_BEFORE_OWN_PASSWORD = frozenset(
    {"accounts:password_change", "accounts:logout", "accounts:language"}
)


def _is_static(request: HttpRequest) -> bool:
    # path_info, the path URLs are resolved on, never request.path: that one starts with
    # SCRIPT_NAME, which is not the client's to choose (security review, December).
    return request.path_info.startswith(settings.STATIC_URL)


def _url_name(request: HttpRequest) -> str | None:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return None


class IdleTimeoutMiddleware:
    """Ends sessions that have gone stale: unused for WAYSTATION_IDLE_TIMEOUT_SECONDS
    (a laptop left open in a raided office), or started before the user's last "sign
    out everywhere" (a stolen or forgotten device). The person is sent to the sign-in
    page, which says why."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if _is_static(request):
            return self.get_response(request)
        if not user.is_authenticated and SESSION_KEY in request.session:
            # The session names a user Django no longer accepts (deactivated, deleted):
            # delete it rather than leave it lying in the session table.
            sessions.sign_out(request, reason=sessions.SignOutReason.ENDED)
        elif isinstance(user, StaffUser) and user.is_authenticated:
            reason = None
            if sessions.is_stale(request, user):
                reason = sessions.SignOutReason.ENDED
            elif sessions.is_idle(request):
                reason = sessions.SignOutReason.IDLE
            if reason is not None:
                sessions.sign_out(request, reason=reason)
                if request.method == "GET":
                    return redirect_to_login(request.get_full_path())
                return redirect(settings.LOGIN_URL)
            sessions.touch(request)
        return self.get_response(request)


class RequireTwoFactorMiddleware:
    """A password alone opens nothing: until the second factor is given, every page but
    the sign-in steps redirects to the code page (or to setting up an app, for someone
    who has none yet). After that, a password an administrator chose must be replaced
    before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if isinstance(user, StaffUser) and user.is_authenticated and not _is_static(request):
            name = _url_name(request)
            if not sessions.is_verified(user):
                if name not in _BEFORE_SECOND_FACTOR:
                    step = (
                        "accounts:verify"
                        if selectors.has_confirmed_totp(user)
                        else "accounts:enrol"
                    )
                    return redirect(_with_next(reverse(step), request))
            elif user.password_change_required and name not in _BEFORE_OWN_PASSWORD:
                return redirect(_with_next(reverse("accounts:password_change"), request))
        return self.get_response(request)


def _with_next(url: str, request: HttpRequest) -> str:
    if request.method != "GET":
        return url
    return f"{url}?{urlencode({'next': request.get_full_path()})}"


class StaffLanguageMiddleware:
    """The member's own language over the browser's. Django's LocaleMiddleware (earlier,
    so the sealed page speaks the browser's language too) has activated the language of
    Accept-Language; here, once the session can be read, the language chosen in "My
    account" (or, before signing in, with the sign-in page's switcher) replaces it. It
    stays active for the response, so Content-Language says the same."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = chosen_language(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


def chosen_language(request: HttpRequest) -> str:
    """The language the person chose, or "" to follow the browser."""
    allowed = {code for code, _name in settings.LANGUAGES}
    user = request.user
    if isinstance(user, StaffUser) and user.is_authenticated:
        chosen = user.language
    else:
        chosen = request.session.get(sessions.LANGUAGE_KEY, "")
    return chosen if isinstance(chosen, str) and chosen in allowed else ""
