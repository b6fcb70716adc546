"""Sign-up, sign-in and sign-out pages; e-mail verification, password reset, settings."""

from collections.abc import Callable
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from apps.accounts import attempts, selectors, services
from apps.accounts.errors import (
    EmailTaken,
    InvalidCredentials,
    InvalidDisplayName,
    InvalidFactorCode,
    InvalidLink,
    NoEnrolmentPending,
    SignInStepExpired,
    TooManyAttempts,
    TwoFactorAlreadyEnabled,
    TwoFactorNotEnabled,
)
from apps.accounts.forms import (
    EmailAddressForm,
    EmailChangeForm,
    FactorCodeForm,
    NewPasswordForm,
    PasswordChangeForm,
    PasswordForm,
    ProfileForm,
    SignInForm,
    SignUpForm,
)
from apps.accounts.models import User


def _safe_next(request: HttpRequest) -> str:
    """The ?next= target if it stays on this site, else the default landing page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def sign_up(request: HttpRequest) -> HttpResponse:
    """Sign-up: the same answer whether the address is new or taken (the e-mail tells)."""
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = SignUpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.sign_up(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                display_name=form.cleaned_data["display_name"].strip(),
                client_address=attempts.client_address(request),
                site=_site(request),
            )
        except TooManyAttempts as error:
            form.add_error(None, str(error))
        except InvalidDisplayName as error:
            form.add_error("display_name", str(error))
        except ValidationError as error:  # the password validators' verdict
            form.add_error("password", error)
        else:
            messages.success(request, services.SIGN_UP_RECEIVED)
            return redirect(_sign_in_url(request))
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    return render(request, "accounts/signup.html", {"form": form, "next": next_url})


def _sign_in_url(request: HttpRequest) -> str:
    """The sign-in page, passing on a ?next= that stays on this site."""
    url = reverse("accounts:signin")
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and _safe_next(request) == target:
        url += "?" + urlencode({"next": target})
    return url


_MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


class SecondStepLoginMixin:
    """For Django's LoginView (the sign-in page and the admin's): an account with two-factor
    authentication is not signed in after its password; the session keeps a signed, short-lived
    "factor pending" state and the browser goes on to the code page."""

    def form_valid(self, form) -> HttpResponse:
        user = form.get_user()
        if not selectors.has_two_factor(user):
            response = super().form_valid(form)  # type: ignore[misc]
            attempts.remember_device(response, user)
            return response
        request = self.request  # type: ignore[attr-defined]
        request.session[services.PENDING_SIGN_IN_KEY] = services.pending_sign_in(user)
        url = reverse("accounts:sign_in_code")
        return redirect(url + "?" + urlencode({"next": self.get_success_url()}))  # type: ignore[attr-defined]


class SignInView(SecondStepLoginMixin, auth_views.LoginView):
    """Django's login view: it honours ?next= only for URLs on this site."""

    template_name = "accounts/signin.html"
    form_class = SignInForm
    redirect_authenticated_user = True


def sign_in_code(request: HttpRequest) -> HttpResponse:
    """The second sign-in step: a code of the authenticator app, or a recovery code."""
    pending = request.session.get(services.PENDING_SIGN_IN_KEY)
    if not pending:
        return redirect(_sign_in_url(request))
    form = FactorCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.complete_sign_in(
                pending=pending,
                code=form.cleaned_data["code"],
                client_address=attempts.client_address(request),
                device=attempts.device_cookie(request),
            )
        except SignInStepExpired as error:
            request.session.pop(services.PENDING_SIGN_IN_KEY, None)
            messages.error(request, str(error))
            return redirect(_sign_in_url(request))
        except (InvalidFactorCode, TooManyAttempts) as error:
            form.add_error("code" if error.field else None, str(error))
        else:
            request.session.pop(services.PENDING_SIGN_IN_KEY, None)
            login(request, user, backend=_MODEL_BACKEND)
            response = redirect(_safe_next(request))
            attempts.remember_device(response, user)
            return response
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    return render(request, "accounts/sign_in_code.html", {"form": form, "next": next_url})


class SignOutView(auth_views.LogoutView):
    """Sign out on POST only (a GET link could be triggered by another site)."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You are signed out.")
        return response


def _site(request: HttpRequest) -> str:
    """The site's address, for the links of the account e-mails."""
    return request.build_absolute_uri("/")


def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the verification e-mail."""
    try:
        services.verify_email(token=token)
    except InvalidLink as error:
        messages.error(request, str(error))
        return redirect("accounts:resend_verification")
    messages.success(request, "Your e-mail address is verified. You can sign in now.")
    return redirect("accounts:signin")


def _ask_for_a_link(
    request: HttpRequest, send: Callable[..., None], sent: str, *, title: str, button: str
) -> HttpResponse:
    """A page asking for an e-mail address to send a link to: one answer for every address."""
    form = EmailAddressForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            send(
                email=form.cleaned_data["email"],
                client_address=attempts.client_address(request),
                site=_site(request),
            )
        except TooManyAttempts as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, sent)
            return redirect("accounts:signin")
    context = {"form": form, "title": title, "button": button}
    return render(request, "accounts/email_form.html", context)


def resend_verification(request: HttpRequest) -> HttpResponse:
    """Ask for a new verification link."""
    return _ask_for_a_link(
        request,
        services.resend_verification,
        services.VERIFICATION_SENT,
        title="Send the verification link again",
        button="Send the link",
    )


def password_reset(request: HttpRequest) -> HttpResponse:
    """ "Forgot password?"."""
    return _ask_for_a_link(
        request,
        services.request_password_reset,
        services.PASSWORD_RESET_SENT,
        title="Choose a new password",
        button="Send me a link",
    )


def password_reset_confirm(request: HttpRequest, uid: str, token: str) -> HttpResponse:
    """The link of the reset e-mail: a form for the new password."""
    try:
        services.check_password_reset_link(uid=uid, token=token)
    except InvalidLink as error:
        messages.error(request, str(error))
        return redirect("accounts:password_reset")
    form = NewPasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reset_password(
                uid=uid, token=token, new_password=form.cleaned_data["password"]
            )
        except InvalidLink as error:
            messages.error(request, str(error))
            return redirect("accounts:password_reset")
        except ValidationError as error:
            form.add_error("password", error)
        else:
            messages.success(request, "Your password is changed. Sign in with it.")
            return redirect("accounts:signin")
    return render(request, "accounts/password_reset_confirm.html", {"form": form})


@login_required
def account_settings(request: HttpRequest) -> HttpResponse:
    """The signed-in user's settings: profile, e-mail address and password, one form each
    (the submit button's `form` value says which)."""
    user = cast(User, request.user)  # login_required
    which = request.POST.get("form") if request.method == "POST" else None
    profile = ProfileForm(
        request.POST if which == "profile" else None, initial={"display_name": user.display_name}
    )
    email = EmailChangeForm(request.POST if which == "email" else None)
    password = PasswordChangeForm(request.POST if which == "password" else None)
    done = None
    if which == "profile" and profile.is_valid():
        try:
            services.update_profile(actor=user, display_name=profile.cleaned_data["display_name"])
        except InvalidDisplayName as error:
            profile.add_error("display_name", str(error))
        else:
            done = "Your profile is saved."
    elif which == "email" and email.is_valid():
        try:
            services.request_email_change(
                actor=user,
                new_email=email.cleaned_data["email"],
                password=email.cleaned_data["password"],
                client_address=attempts.client_address(request),
                device=attempts.device_cookie(request),
                site=_site(request),
            )
        except InvalidCredentials:
            email.add_error("password", "The password is incorrect.")
        except TooManyAttempts as error:
            email.add_error(None, str(error))
        else:
            done = (
                "We have sent a link to the new address: follow it to make the change. "
                "Until then your current address stays."
            )
    elif which == "password" and password.is_valid():
        try:
            services.change_password(
                actor=user,
                current_password=password.cleaned_data["current_password"],
                new_password=password.cleaned_data["password"],
                client_address=attempts.client_address(request),
                device=attempts.device_cookie(request),
                keep_session=request.session.session_key,
            )
        except InvalidCredentials:
            password.add_error("current_password", "The password is incorrect.")
        except TooManyAttempts as error:
            password.add_error(None, str(error))
        except ValidationError as error:
            password.add_error("password", error)
        else:
            update_session_auth_hash(request, user)
            done = "Your password is changed; your other sessions are signed out."
    if done is not None:
        messages.success(request, done)
        return redirect("accounts:settings")
    return render(
        request,
        "accounts/settings.html",
        {"profile_form": profile, "email_form": email, "password_form": password},
    )


def confirm_email_change(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the e-mail sent to a new address."""
    try:
        services.confirm_email_change(token=token)
    except (InvalidLink, EmailTaken):
        messages.error(request, str(InvalidLink()))
    else:
        messages.success(request, "Your e-mail address is changed.")
    return redirect("accounts:settings" if request.user.is_authenticated else "accounts:signin")


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Two-factor authentication: set up an authenticator app (QR code and key, confirmed
    with a code), turn it off, or get new recovery codes (both asking for the password).
    Recovery codes are shown once, on the page that answers the change."""
    user = cast(User, request.user)  # login_required
    action = request.POST.get("action") if request.method == "POST" else None
    code_form = FactorCodeForm(request.POST if action == "confirm" else None)
    password_form = PasswordForm(request.POST if action in {"disable", "regenerate"} else None)
    recovery_codes: list[str] = []
    address, device = attempts.client_address(request), attempts.device_cookie(request)
    try:
        if action == "start":
            services.start_totp_enrolment(actor=user)
        elif action == "confirm" and code_form.is_valid():
            try:
                recovery_codes = services.confirm_totp(
                    actor=user,
                    code=code_form.cleaned_data["code"],
                    client_address=address,
                    device=device,
                )
            except (InvalidFactorCode, TooManyAttempts) as error:
                code_form.add_error("code" if error.field else None, str(error))
        elif action in {"disable", "regenerate"} and password_form.is_valid():
            password = password_form.cleaned_data["password"]
            try:
                if action == "disable":
                    services.disable_totp(
                        actor=user, password=password, client_address=address, device=device
                    )
                    messages.success(request, "Two-factor authentication is off.")
                    return redirect("accounts:security")
                recovery_codes = services.regenerate_recovery_codes(
                    actor=user, password=password, client_address=address, device=device
                )
            except InvalidCredentials:
                password_form.add_error("password", "The password is incorrect.")
            except TooManyAttempts as error:
                password_form.add_error(None, str(error))
    except (NoEnrolmentPending, TwoFactorAlreadyEnabled, TwoFactorNotEnabled) as error:
        messages.error(request, str(error))
        return redirect("accounts:security")
    pending = (
        None if selectors.has_two_factor(user) else selectors.totp_device(user, confirmed=False)
    )
    return render(
        request,
        "accounts/security.html",
        {
            "enabled": selectors.has_two_factor(user),
            "pending": pending,
            "qr_svg": selectors.totp_qr_svg(pending) if pending else "",
            "manual_key": selectors.totp_manual_key(pending) if pending else "",
            "remaining": selectors.remaining_recovery_codes(user),
            "recovery_codes": recovery_codes,
            "code_form": code_form,
            "password_form": password_form,
        },
    )
