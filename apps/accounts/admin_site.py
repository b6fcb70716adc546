"""The admin site: Django's, with its password checks going through the accounts service.

Installed as the default site by `apps.accounts.apps.KeelAdminConfig`, so `admin.site` and
every `@admin.register` use it. Its login form and its "change my password" form call the
service, which applies the sign-in limits of apps/accounts/attempts.py.
"""

from django.contrib import admin
from django.contrib.auth.views import PasswordChangeView
from django.urls import reverse

from apps.accounts import attempts
from apps.accounts.forms import AdminCurrentPasswordChangeForm, AdminSignInForm


class _PasswordChangeView(PasswordChangeView):
    def get_form_kwargs(self) -> dict:
        # The limits count per client address, which the form learns from the request.
        return {**super().get_form_kwargs(), "request": self.request}


class KeelAdminSite(admin.AdminSite):
    login_form = AdminSignInForm

    def login(self, request, extra_context=None):
        response = super().login(request, extra_context)
        # A POST answered with a redirect is a sign-in that succeeded (a refused one shows
        # the form again); its browser gets the device cookie.
        if request.method == "POST" and response.status_code == 302:
            attempts.remember_device(response, request.user)
        return response

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
