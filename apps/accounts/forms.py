"""Forms of the account pages: they check the shape of the input; the services hold the rules."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm


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
