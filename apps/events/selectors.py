"""Read queries over the outbox."""

from datetime import datetime

from django.db.models import Q, QuerySet

from apps.events.models import OutboxEvent


def pending_events() -> QuerySet[OutboxEvent]:
    """Events not yet delivered to every subscriber and not given up, oldest first."""
    return OutboxEvent.objects.filter(
        dispatched_at__isnull=True, given_up_at__isnull=True
    ).order_by("created_at")


def events_due(*, now: datetime, created_before: datetime) -> QuerySet[OutboxEvent]:
    """Pending events the relay should dispatch now.

    Never-tried events once they are older than the grace period (younger ones are left to
    their own on-commit dispatch); failed ones once their backoff has passed.
    """
    return pending_events().filter(
        Q(next_attempt_at__isnull=True, created_at__lte=created_before)
        | Q(next_attempt_at__lte=now)
    )


def given_up_events() -> QuerySet[OutboxEvent]:
    return OutboxEvent.objects.filter(given_up_at__isnull=False).order_by("given_up_at")
