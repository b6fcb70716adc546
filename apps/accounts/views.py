"""Sign-up, sign-in and sign-out pages."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from apps.accounts import attempts, services
from apps.accounts.errors import InvalidDisplayName, TooManyAttempts
from apps.accounts.forms import SignInForm, SignUpForm


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
                sign_in_url=request.build_absolute_uri(reverse("accounts:signin")),
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
