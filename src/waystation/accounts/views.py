"""Staff account pages. Each view parses the request, calls one service or selector,
and renders; the rules are in services.py."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from waystation.accounts import forms, qr, selectors, services, sessions
from waystation.accounts.decorators import REAUTH_SESSION_KEY, recent_authentication_required
from waystation.accounts.models import RecoveryCodeDevice, StaffUser
from waystation.accounts.sessions import SignOutReason

manage_staff_required = permission_required(selectors.MANAGE_STAFF, raise_exception=True)


def _staff(request: HttpRequest) -> StaffUser:
    user = request.user
    assert isinstance(user, StaffUser)  # login_required ran first
    return user


def _safe_next(request: HttpRequest) -> str:
    """Where to go afterwards: the ``next`` asked for if it stays on this site, else
    home. Never another host: a link crafted to send someone to a look-alike page
    right after they typed their password is a classic phishing step."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _posted(request: HttpRequest) -> QueryDict | None:
    """Form data for a POST, even an empty one (which must fail validation rather than
    quietly show the blank form again)."""
    return request.POST if request.method == "POST" else None


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}"


def _locked_out(request: HttpRequest) -> HttpResponse:
    sessions.sign_out(request, reason=SignOutReason.LOCKED)
    return redirect(settings.LOGIN_URL)


# --- Signing in and out -------------------------------------------------------------


class StaffLoginView(auth_views.LoginView):
    """The password step. Success leads to the second step, never straight in."""

    form_class = forms.StaffAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        reason = request.session.pop(sessions.SIGNED_OUT_REASON_KEY, None)
        message = sessions.sign_out_message(reason) if isinstance(reason, str) else None
        if message:
            messages.info(request, message)
        return super().get(request, *args, **kwargs)

    def get_success_url(self) -> str:
        return _with_next(reverse("accounts:verify"), super().get_success_url())


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    next_url = _safe_next(request)
    if sessions.is_verified(user):
        return redirect(next_url)
    if not selectors.has_confirmed_totp(user):
        return redirect(_with_next(reverse("accounts:enrol"), next_url))
    form = forms.SecondFactorForm(_posted(request))
    has_key = selectors.has_security_key(user)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.verify_second_factor(user=user, code=form.cleaned_data["code"])
        except services.AccountLocked:
            return _locked_out(request)
        except services.AccountError as exc:
            form.add_error("code", str(exc))
        else:
            sessions.mark_verified(request, device)
            if isinstance(device, RecoveryCodeDevice):
                left = selectors.recovery_codes_left(user)
                messages.warning(
                    request,
                    ngettext(
                        "You used a recovery code; %(left)d left. If your phone is lost, "
                        "tell an administrator. You can issue new codes under “My account”.",
                        "You used a recovery code; %(left)d left. If your phone is lost, "
                        "tell an administrator. You can issue new codes under “My account”.",
                        left,
                    )
                    % {"left": left},
                )
            return redirect(next_url)
    response = render(
        request, "accounts/verify.html", {"form": form, "next": next_url, "has_key": has_key}
    )
    return _with_key_script(response) if has_key else response


@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    next_url = _safe_next(request)
    if sessions.is_verified(user):
        return redirect(next_url)
    if selectors.has_confirmed_totp(user):
        return redirect(_with_next(reverse("accounts:verify"), next_url))
    device = services.enrol_totp(user=user)
    form = forms.EnrolmentForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.complete_enrolment(
                user=user, device=device, token=form.cleaned_data["code"]
            )
        except services.AccountError as exc:
            form.add_error("code", str(exc))
        else:
            sessions.mark_verified(request, device)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": next_url, "first_time": True},
            )
    context = {
        "form": form,
        "next": next_url,
        "qr_data_url": qr.totp_qr_data_url(device),
        "secret": qr.totp_secret_for_typing(device),
    }
    return render(request, "accounts/enrol.html", context)


# --- Security keys: the JSON steps behind security-key.js -----------------------------
#
# The page's script asks for the options (a challenge, kept in the session for one use),
# lets the browser talk to the key, and posts the answer back as JSON. The answer goes
# through accounts.services like a typed code.

_KEY_SIGN_IN_STATE = "waystation_webauthn_sign_in"
_KEY_ADD_STATE = "waystation_webauthn_add"
# A WebAuthn answer is a few kilobytes; anything much larger is not one.
_JSON_MAX_BYTES = 64 * 1024


def _with_key_script(response: HttpResponse) -> HttpResponse:
    """The staff CSP, plus fetch() to this site, for the two pages whose script talks to
    the server (SecurityHeadersMiddleware keeps a policy a view has set)."""
    response["Content-Security-Policy"] = f"{settings.WAYSTATION_CSP}; connect-src 'self'"
    return response


def _json_body(request: HttpRequest) -> dict[str, Any] | None:
    """The browser's answer, or None for anything but a small JSON object. A form post
    is refused before its body is touched: the CSRF check has already read it as a form,
    and Django then keeps no raw body to read."""
    if request.content_type != "application/json":
        return None
    if len(request.body) > _JSON_MAX_BYTES:
        return None
    try:
        data = json.loads(request.body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _json_error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@login_required
@require_POST
def verify_key_options(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    if sessions.is_verified(user):
        return _json_error("You are already signed in.")
    try:
        options, state = services.begin_security_key_sign_in(user=user)
    except services.AccountLocked:
        _locked_out(request)
        return JsonResponse({"redirect": resolve_url(settings.LOGIN_URL)}, status=403)
    except services.AccountError as exc:
        return _json_error(str(exc))
    request.session[_KEY_SIGN_IN_STATE] = state
    return JsonResponse({"publicKey": options})


@login_required
@require_POST
def verify_key(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    next_url = _safe_next(request)
    if sessions.is_verified(user):
        return JsonResponse({"redirect": next_url})
    # Popped before anything is checked: a challenge is answered once, right or wrong.
    state = request.session.pop(_KEY_SIGN_IN_STATE, None)
    body = _json_body(request)
    try:
        device = services.verify_security_key(
            user=user, state=state, response=(body or {}).get("credential")
        )
    except services.AccountLocked:
        _locked_out(request)
        return JsonResponse({"redirect": resolve_url(settings.LOGIN_URL)}, status=403)
    except services.AccountError as exc:
        return _json_error(str(exc))
    sessions.mark_verified(request, device)
    return JsonResponse({"redirect": next_url})


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        sessions.sign_out(request, reason=SignOutReason.SIGNED_OUT)
    return redirect(settings.LOGIN_URL)


@login_required
@require_http_methods(["GET", "POST"])
def reauthenticate(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    next_url = _safe_next(request)
    form = forms.ReauthenticationForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.reauthenticate(
                user=user, password=form.cleaned_data["password"], code=form.cleaned_data["code"]
            )
        except services.AccountLocked:
            return _locked_out(request)
        except services.AccountError as exc:
            form.add_error(None, str(exc))
        else:
            request.session[REAUTH_SESSION_KEY] = time.time()
            return redirect(next_url)
    return render(request, "accounts/reauthenticate.html", {"form": form, "next": next_url})


# --- One's own account ------------------------------------------------------------


@login_required
@require_GET
def security(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    context = {
        "role": selectors.role_of(user),
        "recovery_codes_left": selectors.recovery_codes_left(user),
        "security_keys": selectors.security_keys(user),
        "language_form": forms.LanguageForm(
            initial={"language": user.language or translation.get_language()}
        ),
    }
    return render(request, "accounts/security.html", context)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The language switcher (every page's header, and "My account"): a member's choice
    is kept on their account; before signing in, in the session only."""
    form = forms.LanguageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the listed languages."))
        return redirect(_safe_next(request))
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        services.set_language(user=_staff(request), language=language)
    else:
        request.session[sessions.LANGUAGE_KEY] = language
    return redirect(_safe_next(request))


@login_required
@recent_authentication_required
@require_http_methods(["GET", "POST"])
def security_key_add(request: HttpRequest) -> HttpResponse:
    """GET: the page (its script does the rest). POST: the browser's answer, as JSON."""
    user = _staff(request)
    if request.method != "POST":
        form = forms.SecurityKeyForm()
        return _with_key_script(render(request, "accounts/security_key_add.html", {"form": form}))
    state = request.session.pop(_KEY_ADD_STATE, None)
    body = _json_body(request) or {}
    label = body.get("label")
    try:
        services.add_security_key(
            user=user,
            state=state,
            response=body.get("credential"),
            label=label if isinstance(label, str) else "",
        )
    except services.AccountError as exc:
        return _json_error(str(exc))
    messages.success(request, _("Security key added. You can use it at your next sign-in."))
    return JsonResponse({"redirect": reverse("accounts:security")})


@login_required
@recent_authentication_required
@require_POST
def security_key_add_options(request: HttpRequest) -> HttpResponse:
    options, state = services.begin_security_key_registration(user=_staff(request))
    request.session[_KEY_ADD_STATE] = state
    return JsonResponse({"publicKey": options})


@login_required
@recent_authentication_required
@require_http_methods(["GET", "POST"])
def security_key_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks (re-authentication returns here with a GET); POST removes."""
    user = _staff(request)
    key = next((k for k in selectors.security_keys(user) if k.pk == pk), None)
    if key is None:
        raise Http404("No such security key.")
    if request.method == "POST":
        try:
            services.remove_security_key(user=user, device_id=pk)
        except services.AccountError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Security key removed."))
        return redirect("accounts:security")
    return render(request, "accounts/security_key_remove.html", {"key": key})


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    form = forms.ChangePasswordForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(
                user=user,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except services.AccountLocked:
            return _locked_out(request)
        except services.AccountError as exc:
            form.add_error(None, str(exc))
        else:
            # Keeps this session; Django ends every other one, as their password hash
            # no longer matches.
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password is changed."))
            return redirect(_safe_next(request))
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
@recent_authentication_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    if request.method == "POST":
        codes = services.issue_recovery_codes(actor_id=user.pk, user=user)
        return render(
            request,
            "accounts/recovery_codes.html",
            {"codes": codes, "next": reverse("accounts:security"), "first_time": False},
        )
    return render(request, "accounts/recovery_codes_confirm.html")


@login_required
@require_POST
def end_my_other_sessions(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    services.end_all_sessions(actor_id=user.pk, user=user)
    sessions.adopt_current_generation(request, user)
    messages.success(request, _("Every other session of yours has ended."))
    return redirect("accounts:security")


# --- Administration ---------------------------------------------------------------


@login_required
@manage_staff_required
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.staff_directory(user=_staff(request))
    return render(request, "accounts/staff_list.html", {"rows": rows})


@login_required
@manage_staff_required
@recent_authentication_required
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest) -> HttpResponse:
    form = forms.StaffCreateForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            member = services.create_staff(
                actor_id=request.user.pk,
                username=form.cleaned_data["username"],
                role=form.cleaned_data["role"],
                password=form.cleaned_data["password"],
                must_change_password=True,
            )
        except services.AccountError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _(
                    "Account created. At first sign-in the person sets up two-factor and "
                    "chooses their own password."
                ),
            )
            return redirect("accounts:staff_detail", pk=member.pk)
    return render(request, "accounts/staff_create.html", {"form": form})


def _staff_detail_page(
    request: HttpRequest, member: StaffUser, role_form: forms.RoleForm | None = None
) -> HttpResponse:
    role = selectors.role_of(member)
    context = {
        "member": member,
        "role": role,
        "two_factor": selectors.has_confirmed_totp(member),
        "role_form": role_form or forms.RoleForm(initial={"role": role.value if role else None}),
        "is_self": member.pk == request.user.pk,
    }
    return render(request, "accounts/staff_detail.html", context)


@login_required
@manage_staff_required
@require_GET
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.staff_member(user=_staff(request), pk=pk)
    return _staff_detail_page(request, member)


@login_required
@manage_staff_required
@recent_authentication_required
@require_http_methods(["GET", "POST"])
def staff_set_role(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.staff_member(user=_staff(request), pk=pk)
    if request.method != "POST":
        return redirect("accounts:staff_detail", pk=member.pk)
    form = forms.RoleForm(request.POST)
    if not form.is_valid():
        return _staff_detail_page(request, member, role_form=form)
    try:
        services.set_role(actor_id=request.user.pk, user=member, role=form.cleaned_data["role"])
    except services.AccountError as exc:
        form.add_error(None, str(exc))
        return _staff_detail_page(request, member, role_form=form)
    messages.success(request, _("Role changed."))
    return redirect("accounts:staff_detail", pk=member.pk)


_STAFF_ACTIONS: dict[str, tuple[Callable[..., None], Promise]] = {
    "deactivate": (
        services.deactivate_staff,
        gettext_lazy("Account deactivated; its sessions have ended."),
    ),
    "reactivate": (services.reactivate_staff, gettext_lazy("Account reactivated.")),
    "reset_two_factor": (
        services.reset_two_factor,
        gettext_lazy(
            "Two-factor sign-in reset; every session ended. At next sign-in the person sets "
            "up a new app and receives new recovery codes."
        ),
    ),
    "end_sessions": (
        services.end_all_sessions,
        gettext_lazy("Signed out everywhere: every session of this account has ended."),
    ),
}


@login_required
@manage_staff_required
@recent_authentication_required
@require_http_methods(["GET", "POST"])
def staff_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One button each on the staff page. A GET (e.g. arriving back from
    re-authentication) only shows the page again: nothing changes without a POST."""
    member = selectors.staff_member(user=_staff(request), pk=pk)
    if request.method != "POST":
        return redirect("accounts:staff_detail", pk=member.pk)
    service, done = _STAFF_ACTIONS[action]
    try:
        service(actor_id=request.user.pk, user=member)
    except services.AccountError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, str(done))
    return redirect("accounts:staff_detail", pk=member.pk)
