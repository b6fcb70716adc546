"""Forms of the account pages: they check the shape of the input; the services hold the rules."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from apps.accounts.errors import InvalidCredentials, TooManyAttempts
from apps.accounts.services import authenticate_user


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
        help_text="At least 8 characters, not entirely numeric, not a common password.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        password, again = cleaned.get("password"), cleaned.get("password_again")
        if password and again and password != again:
            self.add_error("password_again", "The two passwords differ.")
        return cleaned


class SignInForm(AuthenticationForm):
    """Django's sign-in form, with the e-mail address as the login."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "The e-mail address or password is incorrect.",
    }

    def __init__(self, request=None, *args, **kwargs) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "E-mail address"
        self.fields["username"].widget.attrs.update({"autocomplete": "email", "type": "email"})

    def clean(self):
        # The accounts service checks the password, so the attempt limits every other
        # surface obeys hold here too.
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email is not None and password:
            try:
                self.user_cache = authenticate_user(
                    email=email, password=password, request=self.request
                )
            except InvalidCredentials:
                raise self.get_invalid_login_error() from None
            except TooManyAttempts as error:
                raise ValidationError(str(error), code=error.code) from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data
