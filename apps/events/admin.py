"""The outbox and its delivery ledger, read-only, with a retry for dead letters."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.events.models import Delivery, OutboxEvent
from apps.events.services import retry_deliveries


# The admin's classes are generic only in django-stubs, not at run time: hence the ignores.
class DeliveryInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Delivery
    extra = 0
    fields = ("subscriber", "status", "attempts", "last_error", "next_attempt_at", "completed_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: OutboxEvent | None = None) -> bool:
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("event_type", "id", "actor", "created_at", "fanned_out_at", "dispatched_at")
    list_filter = (
        "event_type",
        ("fanned_out_at", admin.EmptyFieldListFilter),
        ("dispatched_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("id", "event_type", "actor__email")
    readonly_fields = (
        "id",
        "event_type",
        "payload",
        "actor",
        "created_at",
        "fanned_out_at",
        "dispatched_at",
    )
    inlines = [DeliveryInline]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: OutboxEvent | None = None) -> bool:
        # The outbox is the record of what happened: deleting a row would lose its deliveries.
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "subscriber",
        "event",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "completed_at",
    )
    list_filter = ("status", "subscriber", "event__event_type")
    list_select_related = ("event",)
    search_fields = ("subscriber", "event__event_type", "event__id", "last_error")
    readonly_fields = (
        "event",
        "subscriber",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "claimed_at",
        "completed_at",
    )
    actions = ["retry"]
    date_hierarchy = "created_at"

    @admin.action(
        description="Retry the selected given-up or interrupted deliveries", permissions=["change"]
    )
    def retry(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = retry_deliveries(delivery_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} delivery(ies) sent again.")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        # The ledger decides whether a subscriber ran: a deleted row would make it run again.
        return False
