"""Forms of the account pages: they check the shape of the input; the services hold the rules."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm, AdminPasswordChangeForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from apps.accounts import attempts
from apps.accounts.errors import EmailNotVerified, InvalidCredentials, TooManyAttempts
from apps.accounts.services import authenticate_user, check_current_password

PASSWORD_HELP = (
    "Long (10 characters or more), not entirely numeric, not a common or breached password, "
    "not like your e-mail or name, and none of your recent ones."
)


class SignUpForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    display_name = forms.CharField(
        label="Display name",
        max_length=150,
        required=False,
        help_text="Shown on your posts and comments.",
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        help_text=PASSWORD_HELP,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        return _same_passwords(self, super().clean())


def _same_passwords(form: forms.Form, cleaned: dict) -> dict:
    password, again = cleaned.get("password"), cleaned.get("password_again")
    if password and again and password != again:
        form.add_error("password_again", "The two passwords differ.")
    return cleaned


class NewPasswordForm(forms.Form):
    """A new password, typed twice (password reset)."""

    password = SignUpForm.base_fields["password"]
    password_again = SignUpForm.base_fields["password_again"]

    def clean(self):
        return _same_passwords(self, super().clean())


class PasswordChangeForm(NewPasswordForm):
    current_password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ("current_password", "password", "password_again")


class EmailAddressForm(forms.Form):
    """An e-mail address alone (password reset, a new verification link)."""

    email = forms.EmailField(
        label="E-mail address",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class ProfileForm(forms.Form):
    display_name = SignUpForm.base_fields["display_name"]


class EmailChangeForm(forms.Form):
    email = forms.EmailField(
        label="New e-mail address",
        help_text="We send a link to it; your current address stays until you follow it.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ServiceCheckedSignInMixin:
    """Sign-in form clean(): the accounts service checks the password, so the attempt limits
    every other surface obeys hold here too; a refusal is a form error saying when to retry."""

    def clean(self):
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email is not None and password:
            try:
                self.user_cache = authenticate_user(
                    email=email,
                    password=password,
                    client_address=attempts.client_address(self.request),
                    device=attempts.device_cookie(self.request),
                )
            except InvalidCredentials:
                raise self.get_invalid_login_error() from None
            except (TooManyAttempts, EmailNotVerified) as error:
                raise ValidationError(str(error), code=error.code) from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class SignInForm(ServiceCheckedSignInMixin, AuthenticationForm):
    """Django's sign-in form, with the e-mail address as the login."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "The e-mail address or password is incorrect.",
    }

    def __init__(self, request=None, *args, **kwargs) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "E-mail address"
        self.fields["username"].widget.attrs.update({"autocomplete": "email", "type": "email"})


class AdminSignInForm(ServiceCheckedSignInMixin, AdminAuthenticationForm):
    """The admin's login form (staff only), through the same limits as every sign-in."""


class AdminCurrentPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's "change my password" form: the old password is checked by the accounts
    service, counted like a sign-in attempt, so a borrowed session cannot guess it freely."""

    def __init__(self, user, *args, request=None, **kwargs) -> None:
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        try:
            check_current_password(
                actor=self.user,
                password=old_password,
                client_address=attempts.client_address(self.request),
                device=attempts.device_cookie(self.request),
            )
        except InvalidCredentials:
            raise ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            ) from None
        except TooManyAttempts as error:
            raise ValidationError(str(error), code=error.code) from None
        return old_password


class FactorCodeForm(forms.Form):
    """A code of the authenticator app, or a recovery code."""

    code = forms.CharField(
        label="Code",
        max_length=64,
        help_text="The 6 digits your authenticator app shows, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"}
        ),
    )


class PasswordForm(forms.Form):
    """The current password, asked again before a security change."""

    password = EmailChangeForm.base_fields["password"]
