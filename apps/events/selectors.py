"""Read queries over the outbox."""

from django.db.models import QuerySet

from apps.events.models import OutboxEvent


def pending_events() -> QuerySet[OutboxEvent]:
    return OutboxEvent.objects.filter(dispatched_at__isnull=True).order_by("created_at")
