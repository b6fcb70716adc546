"""Sign-up, sign-in and sign-out pages; e-mail verification, password reset, settings."""

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from apps.accounts import attempts, services
from apps.accounts.errors import (
    EmailTaken,
    InvalidCredentials,
    InvalidDisplayName,
    InvalidLink,
    TooManyAttempts,
)
from apps.accounts.forms import (
    EmailAddressForm,
    EmailChangeForm,
    NewPasswordForm,
    PasswordChangeForm,
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


class SignInView(auth_views.LoginView):
    """Django's login view: it honours ?next= only for URLs on this site."""

    template_name = "accounts/signin.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        attempts.remember_device(response, form.get_user())
        return response


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


def resend_verification(request: HttpRequest) -> HttpResponse:
    """Ask for a new verification link: the same answer for every address."""
    form = EmailAddressForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.resend_verification(
                email=form.cleaned_data["email"],
                client_address=attempts.client_address(request),
                site=_site(request),
            )
        except TooManyAttempts as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, services.VERIFICATION_SENT)
            return redirect("accounts:signin")
    return render(
        request,
        "accounts/email_form.html",
        {"form": form, "title": "Send the verification link again", "button": "Send the link"},
    )


def password_reset(request: HttpRequest) -> HttpResponse:
    """ "Forgot password?": the same answer for every address, known or not."""
    form = EmailAddressForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_password_reset(
                email=form.cleaned_data["email"],
                client_address=attempts.client_address(request),
                site=_site(request),
            )
        except TooManyAttempts as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, services.PASSWORD_RESET_SENT)
            return redirect("accounts:signin")
    return render(
        request,
        "accounts/email_form.html",
        {"form": form, "title": "Choose a new password", "button": "Send me a link"},
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
