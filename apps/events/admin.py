from django.contrib import admin

from apps.events.models import OutboxEvent, SubscriberRun


class SubscriberRunInline(admin.TabularInline):
    model = SubscriberRun
    extra = 0
    readonly_fields = ("subscriber", "completed_at")
    can_delete = False


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ("event_type", "id", "actor", "created_at", "dispatched_at", "attempts")
    list_filter = ("event_type", ("dispatched_at", admin.EmptyFieldListFilter))
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
    )
    inlines = [SubscriberRunInline]
    date_hierarchy = "created_at"


@admin.register(SubscriberRun)
class SubscriberRunAdmin(admin.ModelAdmin):
    list_display = ("subscriber", "event", "completed_at")
    list_filter = ("subscriber",)
    search_fields = ("subscriber", "event__id")
    readonly_fields = ("event", "subscriber", "completed_at")
