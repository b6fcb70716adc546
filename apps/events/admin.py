from django.contrib import admin

from apps.events.models import OutboxEvent, SubscriberRun
from apps.events.services import retry_given_up_events


class SubscriberRunInline(admin.TabularInline):
    model = SubscriberRun
    extra = 0
    readonly_fields = ("subscriber", "completed_at")
    can_delete = False


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = (
        "event_type",
        "id",
        "actor",
        "created_at",
        "dispatched_at",
        "attempts",
        "given_up_at",
    )
    list_filter = (
        "event_type",
        ("dispatched_at", admin.EmptyFieldListFilter),
        ("given_up_at", admin.EmptyFieldListFilter),
    )
    actions = ["retry_given_up"]
    search_fields = ("id", "event_type", "actor__email")
    readonly_fields = (
        "id",
        "event_type",
        "payload",
        "actor",
        "created_at",
        "dispatched_at",
        "attempts",
        "last_error",
        "next_attempt_at",
        "given_up_at",
    )
    inlines = [SubscriberRunInline]
    date_hierarchy = "created_at"

    @admin.action(description="Retry the selected given-up events")
    def retry_given_up(self, request, queryset) -> None:
        count = retry_given_up_events(event_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, f"{count} event(s) will be dispatched by the next relay run.")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(SubscriberRun)
class SubscriberRunAdmin(admin.ModelAdmin):
    list_display = ("subscriber", "event", "completed_at")
    list_filter = ("subscriber",)
    search_fields = ("subscriber", "event__id")
    readonly_fields = ("event", "subscriber", "completed_at")
