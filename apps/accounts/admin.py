"""The admin of users: e-mail is the login, stored lower-case and unique whatever its case."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError

from apps.accounts.errors import EmailTaken, InvalidDisplayName
from apps.accounts.models import User
from apps.accounts.selectors import email_in_use, normalized_email
from apps.operations.plain_text import forbidden_character


class EmailFormMixin:
    """Lower-cases the e-mail and refuses one another user has in any case.

    Sign-in looks users up case-insensitively, so "Ann@x.com" beside "ann@x.com" would make
    both unable to sign in; sign_up_user refuses the same.
    """

    def clean_email(self) -> str:
        email = normalized_email(self.cleaned_data["email"])
        if email_in_use(email, excluding=self.instance):
            raise ValidationError(str(EmailTaken(email)), code=EmailTaken.code)
        return email


class UserCreationAdminForm(EmailFormMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email",)
        field_classes: dict = {}


class UserChangeAdminForm(EmailFormMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"
        field_classes: dict = {}

    def clean_display_name(self) -> str:
        # The plain-text rule sign-up applies (services.sign_up_user).
        display_name = self.cleaned_data["display_name"]
        if forbidden_character(display_name):
            raise ValidationError(str(InvalidDisplayName()), code=InvalidDisplayName.code)
        return display_name


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    ordering = ("email",)
    list_display = ("email", "display_name", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email", "display_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("display_name",)}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
