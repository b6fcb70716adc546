"""Celery tasks of the event backbone: thin wrappers over its services."""

from celery import shared_task

from apps.events import services


class EventDispatchIncomplete(Exception):
    """Some subscriber failed; the task retries, and the relay stays as the last resort."""


@shared_task(
    declared_queue="critical",
    autoretry_for=(EventDispatchIncomplete,),
    retry_backoff=2,
    retry_backoff_max=300,
    max_retries=8,
)
def dispatch_event_task(event_id: str) -> None:
    result = services.dispatch_event(event_id=event_id)
    if not result.complete:
        raise EventDispatchIncomplete(", ".join(result.failed))


@shared_task(declared_queue="low")
def relay_pending_events_task() -> int:
    return services.relay_pending_events()
