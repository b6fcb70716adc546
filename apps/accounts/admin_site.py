"""The admin site: Django's, with its password checks going through the accounts service.

Installed as the default site by `apps.accounts.apps.KeelAdminConfig`, so `admin.site` and
every `@admin.register` use it. Its login form and its "change my password" form call the
service, which applies the sign-in limits of apps/accounts/attempts.py.
"""

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView, PasswordChangeView
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from apps.accounts.forms import AdminCurrentPasswordChangeForm, AdminSignInForm
from apps.accounts.views import SecondStepLoginMixin


class _PasswordChangeView(PasswordChangeView):
    def get_form_kwargs(self) -> dict:
        # The limits count per client address, which the form learns from the request.
        return {**super().get_form_kwargs(), "request": self.request}


class _AdminLoginView(SecondStepLoginMixin, LoginView):
    pass


class KeelAdminSite(admin.AdminSite):
    login_form = AdminSignInForm

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        """Django's admin login, through the sign-in page's second step: an account with
        two-factor authentication goes on to the code page, then back to the admin (and
        every successful sign-in's browser gets the device cookie)."""
        redirect_url = LoginView().get_redirect_url(request) or reverse(
            "admin:index", current_app=self.name
        )
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(redirect_url)
        context = {
            **self.each_context(request),
            "title": "Log in",
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
            REDIRECT_FIELD_NAME: redirect_url,
            **(extra_context or {}),
        }
        request.current_app = self.name
        return _AdminLoginView.as_view(
            extra_context=context,
            authentication_form=self.login_form,
            template_name=self.login_template or "admin/login.html",
        )(request)

    def password_change(self, request, extra_context=None):
        """Django's view, with a form that checks the old password through the service."""
        options = {
            "form_class": AdminCurrentPasswordChangeForm,
            "success_url": reverse("admin:password_change_done", current_app=self.name),
            "extra_context": {**self.each_context(request), **(extra_context or {})},
        }
        if self.password_change_template is not None:
            options["template_name"] = self.password_change_template
        request.current_app = self.name
        return _PasswordChangeView.as_view(**options)(request)
