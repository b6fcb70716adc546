"""The admin of users: e-mail is the login, stored lower-case and unique whatever its case.

Accounts are created, changed and deleted through apps.accounts.services, which apply the
account rules again (e-mail, display name, password strength) and ask the staff member's
permission; the forms check the same rules first to show a refusal next to its field.
"""

from typing import Any, ClassVar

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db import transaction

from apps.accounts import services
from apps.accounts.errors import EmailTaken, InvalidDisplayName
from apps.accounts.models import PasswordHistory, RecoveryCode, User, UserSession
from apps.accounts.selectors import email_in_use, normalized_email
from apps.operations.plain_text import forbidden_character


class EmailFormMixin:
    """Lower-cases the e-mail and refuses one another user has in any case.

    Sign-in looks users up case-insensitively, so "Ann@x.com" beside "ann@x.com" would make
    both unable to sign in; sign_up_user refuses the same.
    """

    # Given by the model form this is mixed into.
    cleaned_data: dict[str, Any]
    instance: User

    def clean_email(self) -> str:
        email = normalized_email(self.cleaned_data["email"])
        if email_in_use(email, excluding=self.instance):
            raise ValidationError(str(EmailTaken(email)), code=EmailTaken.code)
        return email


class UserCreationAdminForm(EmailFormMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email",)
        field_classes: ClassVar[dict[str, type[forms.Field]]] = {}


class UserChangeAdminForm(EmailFormMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"
        field_classes: ClassVar[dict[str, type[forms.Field]]] = {}

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

    def save_model(self, request, obj, form, change) -> None:
        data = form.cleaned_data
        if not change:
            usable = data.get("set_usable_password", True)
            account = services.create_account(
                email=data["email"],
                password=data.get("password1") if usable else None,
                actor=request.user,
            )
            # The admin goes on (its log, its redirect) with the account the service made.
            vars(obj).update(vars(account))
            return
        services.update_account(
            user=obj,
            actor=request.user,
            email=data.get("email"),
            display_name=data.get("display_name"),
            groups=data.get("groups"),
            permissions=data.get("user_permissions"),
            **{name: data[name] for name in services.ACCOUNT_FLAGS if name in data},
        )

    def save_related(self, request, form, formsets, change) -> None:
        # Not form.save_m2m(): update_account has set the groups and permissions.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj) -> None:
        services.delete_account(user=obj, actor=request.user)

    @transaction.atomic
    def delete_queryset(self, request, queryset) -> None:
        for user in queryset:
            services.delete_account(user=user, actor=request.user)


class AccountRecordAdmin(admin.ModelAdmin):
    """Records the accounts services keep (sign-ins, password history, recovery codes):
    staff may look and delete (through the services; deleting an account deletes its records
    too), never add or change."""

    list_display = ["user", "created_at"]
    list_filter = ["created_at"]
    search_fields = ("user__email",)
    list_select_related = ("user",)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def delete_model(self, request, obj) -> None:
        self.delete_through_service(obj, request.user)

    @transaction.atomic
    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            self.delete_through_service(obj, request.user)

    def delete_through_service(self, obj, actor) -> None:
        raise NotImplementedError


@admin.register(UserSession)
class UserSessionAdmin(AccountRecordAdmin):
    def delete_through_service(self, obj, actor) -> None:
        services.end_session(session=obj, actor=actor)  # signs that session out


@admin.register(PasswordHistory)
class PasswordHistoryAdmin(AccountRecordAdmin):
    # The hashes stay out of the admin: the list shows whose and when only.
    fields = ("user", "created_at")

    def delete_through_service(self, obj, actor) -> None:
        services.forget_password_history(entry=obj, actor=actor)


@admin.register(RecoveryCode)
class RecoveryCodeAdmin(AccountRecordAdmin):
    # The digests stay out of the admin: whose, when made and when used only.
    list_display = ["user", "created_at", "used_at"]
    list_filter = ["created_at", "used_at"]
    fields = ("user", "created_at", "used_at")

    def delete_through_service(self, obj, actor) -> None:
        services.delete_recovery_code(code=obj, actor=actor)
