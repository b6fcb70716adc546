from django import forms

from apps.tokens.input_rules import NAME_MAX_LENGTH, SCOPES


class TokenForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX_LENGTH)
    scopes = forms.MultipleChoiceField(
        choices=list(SCOPES.items()), widget=forms.CheckboxSelectMultiple, initial=["read"]
    )
    expires_at = forms.DateField(
        required=False,
        label="Expires on",
        help_text="Leave empty for the default lifetime.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
