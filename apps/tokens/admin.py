"""Tokens in the admin: listed and revoked (through the service), never created or edited
here, and never showing a secret or its hash. They go with their account when it is deleted."""

from django.contrib import admin, messages
from django.http import HttpRequest

from apps.tokens import services
from apps.tokens.models import PersonalAccessToken, TokenUse


@admin.register(PersonalAccessToken)
class PersonalAccessTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "user", "scopes", "created_at", "expires_at", "revoked_at")
    list_filter = ("revoked_at", "legacy")
    search_fields = ("name", "public_id", "user__email")
    fields = (
        "name",
        "prefix",
        "user",
        "scopes",
        "created_at",
        "expires_at",
        "revoked_at",
        "legacy",
    )
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_actions(
        self, request: HttpRequest, action_location=admin.ActionLocation.CHANGE_LIST
    ) -> dict:
        # Revoke, not delete: revoking keeps the record and announces it. Deletion stays
        # allowed (model permission) so an account with tokens can still be deleted.
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Revoke the selected tokens", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset) -> None:
        for token_id in queryset.values_list("pk", flat=True):
            services.revoke_token(actor=request.user, token_id=token_id)
        messages.success(request, "Revoked.")


@admin.register(TokenUse)
class TokenUseAdmin(admin.ModelAdmin):
    """When each token was last used; written by authentication alone."""

    list_display = ("token", "last_used_at")
    list_filter = ("last_used_at",)
    search_fields = ("token__name", "token__public_id", "token__user__email")
    readonly_fields = ("token", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
