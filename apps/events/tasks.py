"""Celery tasks of the event backbone: thin wrappers over its services."""

import logging

from celery import shared_task

from apps.events import services

logger = logging.getLogger(__name__)


@shared_task(declared_queue="critical")
def dispatch_event_task(event_id: str) -> None:
    # A failed subscriber is retried by the relay, after the event's backoff: one retry
    # policy, in the service, whichever way the event was first dispatched.
    result = services.dispatch_event(event_id=event_id)
    if not result.complete:
        logger.warning("Event %s: %s failed; the relay will retry.", event_id, list(result.failed))


@shared_task(declared_queue="low")
def relay_pending_events_task() -> int:
    return services.relay_pending_events()
