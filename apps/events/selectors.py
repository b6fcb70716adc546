"""Read queries over the outbox and the delivery ledger."""

from datetime import datetime

from django.db.models import Q, QuerySet

from apps.events.models import Delivery, OutboxEvent


def events_to_fan_out(*, created_before: datetime) -> QuerySet[OutboxEvent]:
    """Events never fanned out, older than the grace left to their own fan-out, oldest first."""
    return OutboxEvent.objects.filter(
        fanned_out_at__isnull=True, created_at__lte=created_before
    ).order_by("created_at")


def deliveries_due(*, now: datetime, created_before: datetime) -> QuerySet[Delivery]:
    """Deliveries the relay should send now, oldest first.

    Pending ones it never sent once they are older than the grace period (younger ones are
    left to the job their fan-out enqueued); failed ones once their backoff has passed; and
    any it sent that have not reported back by their `next_attempt_at`.
    """
    return Delivery.objects.filter(
        Q(next_attempt_at__isnull=True, created_at__lte=created_before)
        | Q(next_attempt_at__lte=now),
        status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED],
    ).order_by("created_at", "pk")


def stale_claims(*, claimed_before: datetime) -> QuerySet[Delivery]:
    """Deliveries claimed before then and still running: their process has probably died."""
    return Delivery.objects.filter(status=Delivery.Status.RUNNING, claimed_at__lte=claimed_before)


def deliveries_to_retry() -> QuerySet[Delivery]:
    """Deliveries waiting for an operator: given up, or interrupted."""
    return Delivery.objects.filter(
        status__in=[Delivery.Status.GIVEN_UP, Delivery.Status.INTERRUPTED]
    ).order_by("created_at", "pk")
