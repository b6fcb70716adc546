from django.contrib import admin

from apps.realtime.models import BroadcastMessage


@admin.register(BroadcastMessage)
class BroadcastMessageAdmin(admin.ModelAdmin):
    """Messages in flight on the database channel layer (embedded mode); read-only."""

    list_display = ("id", "group", "created_at")
    list_filter = (("created_at", admin.DateFieldListFilter),)
    search_fields = ("group",)
    readonly_fields = ("group", "message", "created_at")

    def has_add_permission(self, request) -> bool:
        return False
